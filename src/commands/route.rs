//! `mysfits route PATH`: which service answers a path, by which rule, evaluated as ALB does.

use serde::Serialize;

use crate::commands::{rules, Ctx};
use crate::error::Error;
use crate::lab::alb::{evaluate, place, NewRule, Request, Rule};
use crate::lab::manifest::Route;
use crate::output::Render;
use crate::settings::Settings;

/// Which service answers a path, and by which rule.
#[derive(Debug, Serialize)]
pub struct Answer {
    path: String,
    service: String,
    /// `None`: the listener's default action.
    priority: Option<u32>,
    pattern: Option<String>,
    source: &'static str,
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
        },
        None => Answer {
            path: path.into(),
            service: default.into(),
            priority: None,
            pattern: None,
            source,
        },
    }
}

impl Render for Answer {
    fn text(&self) -> String {
        match (&self.priority, &self.pattern) {
            (Some(p), Some(pat)) => {
                format!(
                    "{} → {} (rule priority {p}: {pat})",
                    self.path, self.service
                )
            }
            _ => format!(
                "{} → {} (default action: no rule matches)",
                self.path, self.service
            ),
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
    Ok(answer(path, &live.model, &live.default_target, "listener"))
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
