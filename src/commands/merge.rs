//! `mysfits merge`: the reverse of a split. The rule goes first (once the default service
//! has a healthy target), so traffic returns to the default route at once; then the
//! service drains and goes, then its target group.

mod plan;

use crate::commands::steps::cutover::first_healthy;
use crate::commands::steps::rules;
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::{OutputFormat, Render};
use crate::report::Row;
use mysfits_lab::names::owned_by;
use plan::MergePlan;

/// A merge: its plan, and whether it was carried out (not with `--dry-run` or nothing to do).
#[derive(Debug, serde::Serialize)]
pub struct MergeResult {
    pub service: String,
    pub plan: Vec<String>,
    pub merged: bool,
}

/// The plan is shown before the question; the rest was said on stderr.
impl Render for MergeResult {}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::MergeArgs) -> Result<MergeResult, Error> {
    let name = args.service.as_str();
    plan::check(ctx.manifest(), name)?;
    let state = rules::split_state(ctx, name).await?;
    let cluster = state.outputs.cluster_name.as_str();
    let ecs_service = ctx
        .aws
        .describe_service(cluster, name)
        .await?
        .is_some_and(|s| owned_by(&s.tags, ctx.lab.name()));
    let wait = std::time::Duration::from_secs(args.timeout);
    let plan = MergePlan::new(name, &state, ecs_service, args.dry_run, wait);

    // What goes, before anything goes: the same plan, question and --yes as cleanup.
    if plan.is_empty() {
        ctx.printer.note(&format!(
            "{name} is not split out in lab '{}': nothing to merge",
            ctx.lab
        ));
        return Ok(result(plan, false));
    }
    // In text the plan comes before the question; in JSON it is in the one document.
    if ctx.output == OutputFormat::Text {
        ctx.printer.data(&format!("Merge plan for {name}:"));
        for (i, line) in plan.lines.iter().enumerate() {
            ctx.printer.data(&format!("{}. {line}", i + 1));
        }
    }
    if plan.dry_run {
        ctx.next("merge it", &format!("mysfits merge {name} --yes"));
        return Ok(result(plan, false));
    }
    ctx.confirm(&format!("merge {name}"), "Merge it back?")?;
    delete_rule(ctx, &plan, &state).await?;
    delete_service(ctx, &plan, cluster).await?;
    delete_target_group(ctx, &plan).await?;
    ctx.printer.success(&format!(
        "{name} is merged back: {} answers its paths",
        state.live.default_target
    ));
    Ok(result(plan, true))
}

/// The rule first: its paths go back to the default service, not before that has a
/// healthy target, or they would get the load balancer's own 503 meanwhile.
async fn delete_rule(
    ctx: &Ctx<'_>,
    plan: &MergePlan,
    state: &rules::SplitState,
) -> Result<(), Error> {
    let name = &plan.service;
    let row = Row::new(&ctx.reporter, &format!("Listener rule of {name}"));
    let Some(rule) = &plan.rule else {
        row.finish("none", true);
        return Ok(());
    };
    let default_tg = &state.outputs.default_target_group_arn;
    if !first_healthy(ctx, &row, default_tg, Some(plan.wait)).await? {
        row.finish("kept: the default service has no healthy target", false);
        return Err(Error::NoHealthyTarget {
            service: state.live.default_target.clone(),
            target_group: rules::tg_name(default_tg),
            waited: plan.wait.as_secs(),
            kept: format!("the rule of {name} stays, and its paths with it"),
            rerun: crate::commands::steps::interrupt::command_line(),
        });
    }
    ctx.aws.delete_rule(&rule.arn).await?;
    row.finish(
        &format!(
            "deleted: {} goes to {} again",
            rule.patterns.join(", "),
            state.live.default_target
        ),
        true,
    );
    Ok(())
}

/// The service drains and goes once no rule sends it anything.
async fn delete_service(ctx: &Ctx<'_>, plan: &MergePlan, cluster: &str) -> Result<(), Error> {
    let row = Row::new(&ctx.reporter, &format!("ECS service {}", plan.service));
    if plan.ecs_service {
        ctx.aws.delete_service(cluster, &plan.service, &row).await?;
        row.finish("deleted", true);
    } else {
        row.finish("none", true);
    }
    Ok(())
}

/// The target group last: nothing uses it now.
async fn delete_target_group(ctx: &Ctx<'_>, plan: &MergePlan) -> Result<(), Error> {
    let row = Row::new(&ctx.reporter, &format!("Target group {}", plan.tg_name));
    match &plan.target_group {
        Some(t) => {
            ctx.aws.delete_target_group(&t.arn).await?;
            row.finish("deleted", true);
        }
        None => row.finish("none", true),
    }
    Ok(())
}

fn result(plan: MergePlan, merged: bool) -> MergeResult {
    MergeResult {
        service: plan.service,
        plan: plan.lines,
        merged,
    }
}
