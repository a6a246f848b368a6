//! `mysfits merge`: the reverse of a split. The rule goes first (once the default service
//! has a healthy target), so traffic returns to the default route at once; then the
//! service drains and goes, then its target group.

use crate::commands::steps::cutover::first_healthy;
use crate::commands::steps::rules;
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::{OutputFormat, Render};
use crate::report::Row;
use mysfits_lab::manifest::Route;
use mysfits_lab::names::owned_by;

/// A merge: its plan, and whether it was carried out (not with `--dry-run` or nothing to do).
#[derive(Debug, serde::Serialize)]
pub struct MergeResult {
    pub service: String,
    pub plan: Vec<String>,
    pub merged: bool,
}

/// The plan is shown before the question; the rest was said on stderr.
impl Render for MergeResult {
    fn text(&self) -> String {
        String::new()
    }
}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::MergeArgs) -> Result<MergeResult, Error> {
    let (name, dry_run) = (args.service.as_str(), args.dry_run);
    let wait = std::time::Duration::from_secs(args.timeout);
    let service = ctx.service(name)?;
    if service.route == Route::Default {
        return Err(Error::MergeDefault(name.to_string()));
    }
    let tg_name = ctx.lab.target_group(name)?;
    let outputs = ctx.outputs_for_change().await?;
    let live = rules::live(ctx, &outputs).await?;
    let tg = rules::own_target_group(ctx, &tg_name).await?;

    let rule = tg.as_ref().and_then(|t| live.rule_of(&t.arn));
    let cluster = outputs.cluster_name.as_str();
    let ecs_service = ctx
        .aws
        .describe_service(cluster, name)
        .await?
        .filter(|s| owned_by(&s.tags, ctx.lab.name()));

    // What goes, before anything goes: the same plan, question and --yes as cleanup.
    let mut plan = Vec::new();
    if let Some(r) = rule {
        // At any weight: the rule goes, and with it every share but the default's.
        let weights = live.weights(r);
        let shares = if weights.len() > 1 {
            format!(", {}", crate::commands::steps::rules::shares_text(&weights))
        } else {
            String::new()
        };
        plan.push(format!(
            "listener rule {} (priority {}{shares}): its paths go to {} again",
            r.patterns.join(", "),
            r.priority.unwrap_or_default(),
            live.default_target
        ));
    }
    if ecs_service.is_some() {
        plan.push(format!("ECS service {name} (scaled to 0, then deleted)"));
    }
    if tg.is_some() {
        plan.push(format!("target group {tg_name}"));
    }
    if plan.is_empty() {
        ctx.printer.note(&format!(
            "{name} is not split out in lab '{}': nothing to merge",
            ctx.lab
        ));
        return Ok(result(name, plan, false));
    }
    // In text the plan comes before the question; in JSON it is in the one document.
    if ctx.output == OutputFormat::Text {
        ctx.printer.data(&format!("Merge plan for {name}:"));
        for (i, line) in plan.iter().enumerate() {
            ctx.printer.data(&format!("{}. {line}", i + 1));
        }
    }
    if dry_run {
        ctx.next("merge it", &format!("mysfits merge {name} --yes"));
        return Ok(result(name, plan, false));
    }
    ctx.confirm(&format!("merge {name}"), "Merge it back?")?;

    let row = Row::new(&ctx.reporter, &format!("Listener rule of {name}"));
    match rule {
        Some(rule) => {
            // Its paths go back to the default service: not before that has a healthy
            // target, or they would get the load balancer's own 503 meanwhile.
            let default_tg = &outputs.default_target_group_arn;
            if !first_healthy(ctx, &row, default_tg, Some(wait)).await? {
                row.finish("kept: the default service has no healthy target", false);
                return Err(Error::NoHealthyTarget {
                    service: live.default_target.clone(),
                    target_group: rules::tg_name(default_tg),
                    waited: args.timeout,
                    kept: format!("the rule of {name} stays, and its paths with it"),
                    rerun: crate::commands::steps::interrupt::command_line(),
                });
            }
            ctx.aws.delete_rule(&rule.arn).await?;
            row.finish(
                &format!(
                    "deleted: {} goes to {} again",
                    rule.patterns.join(", "),
                    live.default_target
                ),
                true,
            );
        }
        None => row.finish("none", true),
    }
    let row = Row::new(&ctx.reporter, &format!("ECS service {name}"));
    match ecs_service {
        Some(_) => {
            ctx.aws.delete_service(cluster, name, &row).await?;
            row.finish("deleted", true);
        }
        None => row.finish("none", true),
    }
    let row = Row::new(&ctx.reporter, &format!("Target group {tg_name}"));
    match tg {
        Some(t) => {
            ctx.aws.delete_target_group(&t.arn).await?;
            row.finish("deleted", true);
        }
        None => row.finish("none", true),
    }
    ctx.printer.success(&format!(
        "{name} is merged back: {} answers its paths",
        live.default_target
    ));
    Ok(result(name, plan, true))
}

fn result(name: &str, plan: Vec<String>, merged: bool) -> MergeResult {
    MergeResult {
        service: name.to_string(),
        plan,
        merged,
    }
}
