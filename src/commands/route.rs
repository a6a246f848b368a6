//! `mysfits route PATH`: which service answers a path, by which rule, evaluated as ALB does.

use serde::Serialize;

use crate::cli::OutputFormat;
use crate::commands::{rules, Ctx};
use crate::error::Error;
use crate::lab::alb::{evaluate, place, NewRule, Request, Rule};
use crate::lab::manifest::Route;
use crate::output::Printer;
use crate::settings::Settings;

#[derive(Debug, Serialize)]
struct Answer {
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

fn print(printer: &Printer, output: OutputFormat, a: &Answer) {
    if output == OutputFormat::Json {
        printer.data(&serde_json::to_string_pretty(a).expect("answer serializes"));
        return;
    }
    match (&a.priority, &a.pattern) {
        (Some(p), Some(pat)) => printer.data(&format!(
            "{} → {} (rule priority {p}: {pat})",
            a.path, a.service
        )),
        _ => printer.data(&format!(
            "{} → {} (default action: no rule matches)",
            a.path, a.service
        )),
    }
}

fn check_path(path: &str) -> Result<(), Error> {
    if !path.starts_with('/') {
        return Err(Error::NotAPath(path.to_string()));
    }
    Ok(())
}

pub async fn live(ctx: &Ctx<'_>, path: &str) -> Result<(), Error> {
    check_path(path)?;
    let outputs = ctx.outputs().await?;
    let live = rules::live(ctx, &outputs).await?;
    print(
        ctx.printer,
        ctx.output,
        &answer(path, &live.model, &live.default_target, "listener"),
    );
    Ok(())
}

/// The manifest's routes, with priorities chosen as `split` would choose them.
pub fn offline(settings: &Settings, path: &str, printer: &Printer) -> Result<(), Error> {
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
    print(printer, settings.output, &a);
    Ok(())
}
