//! `mysfits route PATH`: which service answers a path, by which rule, evaluated as ALB does.

use serde::Serialize;

use crate::commands::steps::rules;
use crate::commands::steps::rules::{shares_text, WeightPart};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;
use crate::settings::Settings;
use mysfits_lab::alb::{evaluate, place, NewRule, Request, Rule};
use mysfits_lab::manifest::Route;

/// Which service answers a path, and by which rule.
#[derive(Debug, Serialize)]
pub struct Answer {
    path: String,
    service: String,
    /// `None`: the listener's default action.
    priority: Option<u32>,
    pattern: Option<String>,
    source: &'static str,
    /// Who may answer, with what share (the live listener only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    weights: Vec<WeightPart>,
}

fn answer(path: &str, rules: &[Rule], default: &str, source: &'static str) -> Answer {
    match evaluate(rules, path) {
        Some(rule) => Answer {
            path: path.into(),
            service: rule.target.clone(),
            priority: Some(rule.priority),
            pattern: rule
                .patterns
                .iter()
                .find(|p| p.matches(path))
                .map(|p| p.as_str().to_string()),
            source,
            weights: Vec::new(),
        },
        None => Answer {
            path: path.into(),
            service: default.into(),
            priority: None,
            pattern: None,
            source,
            weights: Vec::new(),
        },
    }
}

impl Render for Answer {
    fn text(&self) -> String {
        // A weighted rule: every service that may answer, with its share.
        let who = if self.weights.len() > 1 {
            shares_text(&self.weights)
        } else {
            self.service.clone()
        };
        match (&self.priority, &self.pattern) {
            (Some(p), Some(pat)) => {
                format!("{} → {who} (rule priority {p}: {pat})", self.path)
            }
            _ => format!("{} → {who} (default action: no rule matches)", self.path),
        }
    }
}

fn check_path(path: &str) -> Result<(), Error> {
    if !path.starts_with('/') {
        return Err(Error::NotAPath(path.to_string()));
    }
    Ok(())
}

pub async fn live(ctx: &Ctx<'_>, path: &str) -> Result<Answer, Error> {
    check_path(path)?;
    let outputs = ctx.outputs().await?;
    let live = rules::live(ctx, &outputs).await?;
    let mut a = answer(path, &live.model, &live.default_target, "listener");
    let rule = live.rules.iter().find(|r| r.priority == a.priority);
    if let Some(rule) = rule {
        a.weights = live.weights(rule);
    }
    Ok(a)
}

/// The manifest's routes, with priorities chosen as `split` would choose them.
pub fn offline(settings: &Settings, path: &str) -> Result<Answer, Error> {
    check_path(path)?;
    let manifest = settings.manifest();
    let mut model: Vec<Rule> = Vec::new();
    for s in &manifest.services {
        if let Route::Paths(patterns) = &s.route {
            let new = NewRule {
                target: s.name.clone(),
                patterns: patterns.clone(),
            };
            place(&model, &new, &Request::default())
                .map_err(|e| Error::ManifestRoutes(Box::new(e)))?
                .apply(&mut model, &new);
        }
    }
    let a = answer(path, &model, &manifest.default_service().name, "manifest");
    Ok(a)
}
