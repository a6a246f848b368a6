//! `mysfits route PATH`: which service answers a path, by which rule, evaluated as ALB does.

use serde::Serialize;

use crate::cli::RouteArgs;
use crate::commands::steps::rules;
use crate::commands::steps::rules::{shares_text, WeightPart};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;
use crate::settings::Settings;
use mysfits_lab::alb::{evaluate_request, place, HttpRequest, NewRule, Request, Rule};
use mysfits_lab::manifest::Route;

/// Which service answers a path, and by which rule.
#[derive(Debug, Serialize)]
pub struct Answer {
    path: String,
    service: String,
    /// `None`: the listener's default action.
    priority: Option<u32>,
    pattern: Option<String>,
    /// The rule's other conditions the request met (a rule with only paths: none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<String>,
    source: &'static str,
    /// Who may answer, with what share (the live listener only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    weights: Vec<WeightPart>,
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
            (Some(p), Some(pat)) if self.conditions.is_empty() => {
                format!("{} → {who} (rule priority {p}: {pat})", self.path)
            }
            (Some(p), pat) => format!(
                "{} → {who} (rule priority {p}: {})",
                self.path,
                pat.iter()
                    .cloned()
                    .chain(self.conditions.iter().cloned())
                    .collect::<Vec<_>>()
                    .join(" and ")
            ),
            _ => format!("{} → {who} (default action: no rule matches)", self.path),
        }
    }
}

/// What `route` asks: a path, checked offline, answered from the live listener's rules
/// or (offline) from the rules the manifest's routes make.
#[derive(Debug)]
struct RoutePlan {
    path: String,
    request: HttpRequest,
}

impl RoutePlan {
    fn new(path: &str) -> Result<Self, Error> {
        if !path.starts_with('/') {
            return Err(Error::NotAPath(path.to_string()));
        }
        Ok(Self {
            path: path.into(),
            request: HttpRequest::new(path),
        })
    }

    /// With the request's host, method and headers from the arguments.
    fn from_args(args: &RouteArgs) -> Result<Self, Error> {
        let mut plan = Self::new(&args.path)?;
        plan.request.host = args.host.as_ref().map(|h| {
            // The Host header's port is not part of the name a host condition sees.
            h.rsplit_once(':')
                .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
                .map_or(h.as_str(), |(name, _)| name)
                .to_string()
        });
        plan.request.method = args.method.clone();
        plan.request.headers = args.headers.clone();
        Ok(plan)
    }

    /// The first of `rules` (by priority) that matches, else the default action.
    fn answer(&self, rules: &[Rule], default: &str, source: &'static str) -> Answer {
        match evaluate_request(rules, &self.request) {
            Some(rule) => Answer {
                path: self.path.clone(),
                service: rule.target.clone(),
                priority: Some(rule.priority),
                pattern: rule
                    .patterns
                    .iter()
                    .find(|p| p.matches(&self.request.path))
                    .map(|p| p.as_str().to_string()),
                conditions: rule.when.matched(&self.request).unwrap_or_default(),
                source,
                weights: Vec::new(),
            },
            None => Answer {
                path: self.path.clone(),
                service: default.into(),
                priority: None,
                pattern: None,
                conditions: Vec::new(),
                source,
                weights: Vec::new(),
            },
        }
    }
}

pub async fn live(ctx: &Ctx<'_>, args: &RouteArgs) -> Result<Answer, Error> {
    let plan = RoutePlan::from_args(args)?;
    let outputs = ctx.outputs().await?;
    let live = rules::live(ctx, &outputs).await?;
    let mut a = plan.answer(&live.model, &live.default_target, "listener");
    let rule = live.rules.iter().find(|r| r.priority == a.priority);
    if let Some(rule) = rule {
        a.weights = live.weights(rule);
    }
    Ok(a)
}

/// The manifest's routes, with priorities chosen as `split` would choose them.
pub fn offline(settings: &Settings, args: &RouteArgs) -> Result<Answer, Error> {
    let plan = RoutePlan::from_args(args)?;
    let manifest = settings.manifest();
    let model = manifest_rules(manifest)?;
    Ok(plan.answer(&model, &manifest.default_service().name, "manifest"))
}

/// The plan of `route --offline`: the rules the manifest's routes make, each placed as
/// `split` would place it, in the manifest's order.
fn manifest_rules(manifest: &mysfits_lab::manifest::Manifest) -> Result<Vec<Rule>, Error> {
    let mut model: Vec<Rule> = Vec::new();
    for s in &manifest.services {
        if let Route::Paths(patterns) = &s.route {
            let new = NewRule {
                target: s.name.clone(),
                patterns: patterns.clone(),
                when: Box::new(mysfits_lab::alb::Conditions {
                    hosts: s.hosts.clone(),
                    ..Default::default()
                }),
            };
            place(&model, &new, &Request::default())
                .map_err(|e| Error::ManifestRoutes(Box::new(e)))?
                .apply(&mut model, &new);
        }
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manifests_routes_answer_offline_and_the_rest_goes_to_the_default() {
        let manifest = crate::commands::ctx::testing::manifest();
        let model = manifest_rules(&manifest).unwrap();
        assert_eq!(model.len(), 2);
        let plan = |path| RoutePlan::new(path).unwrap();
        let like = plan("/mysfits/abc/like").answer(&model, "monolith-service", "manifest");
        assert!(like.priority.is_some());
        assert!(like.text().contains("like-service"), "{}", like.text());
        let click = plan("/clicks").answer(&model, "monolith-service", "manifest");
        assert!(click.text().contains("clicks-service"), "{}", click.text());
        let other = plan("/mysfits").answer(&model, "monolith-service", "manifest");
        assert_eq!(other.priority, None);
        assert!(matches!(RoutePlan::new("mysfits"), Err(Error::NotAPath(_))));
    }
}
