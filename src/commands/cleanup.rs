//! `mysfits cleanup`: find what the lab owns (by tag and by name), show the plan, ask,
//! delete in reverse dependency order, then sweep for anything left.

mod plan;

use futures::future::join_all;

use crate::aws::AwsError;
use crate::cli::OutputFormat;
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;
use crate::report::{Reporter, Row};
use mysfits_lab::arn;
use mysfits_lab::names::owned_by;
use mysfits_lab::plan::{render, Named, Phase, Step};
use plan::{CleanupPlan, Reads};

/// A cleanup: its plan by phase, and whether it was carried out (not with `--dry-run`).
/// When it exits 0 after deleting, nothing of the lab is left.
#[derive(Debug, serde::Serialize)]
pub struct CleanupResult {
    pub lab: String,
    pub plan: Vec<Step>,
    pub deleted: bool,
}

/// The plan is shown before the question; the rest was said on stderr.
impl Render for CleanupResult {}

pub async fn run(ctx: &Ctx<'_>, dry_run: bool) -> Result<CleanupResult, Error> {
    let found = CleanupPlan::new(read(ctx).await?);
    let plan = found.steps.clone();
    let result = |plan, deleted| CleanupResult {
        lab: ctx.lab.to_string(),
        plan,
        deleted,
    };
    if plan.is_empty() {
        // Nothing here may mean the lab bills elsewhere: say where this looked.
        let place = ctx.place().await;
        ctx.printer.note(&format!(
            "Lab '{}' owns nothing in {place}: nothing to delete",
            ctx.lab
        ));
        ctx.printer
            .note(&format!("  {}", crate::error::elsewhere(&place)));
    } else if ctx.output == OutputFormat::Text {
        // In text the plan comes before the question; in JSON it is in the one document.
        ctx.printer
            .data(&format!("Cleanup plan for lab '{}':", ctx.lab));
        ctx.printer.data(render(&plan).trim_end());
    }
    if dry_run {
        ctx.next("delete it", "mysfits cleanup --yes");
        return Ok(result(plan, false));
    }
    if !plan.is_empty() {
        ctx.confirm("cleanup", "Delete all of this?")?;
    }
    for step in &plan {
        execute(ctx, step, found.cluster.as_deref()).await?;
    }
    sweep(ctx, &found.repositories, &found.buckets).await?;
    Ok(result(plan, true))
}

/// Everything the lab owns, by its tag and by the stack's own resources.
async fn read(ctx: &Ctx<'_>) -> Result<Reads, Error> {
    let lab = ctx.lab.name();
    let stack = ctx.aws.describe_stack(ctx.lab.stack()).await?;
    if let Some(s) = &stack {
        if !owned_by(&s.tags, lab) {
            return Err(Error::NotOurs {
                stack: s.name.clone(),
            });
        }
    }
    let output = |key: &str| stack.as_ref().and_then(|s| s.outputs.get(key).cloned());
    let mut reads = Reads::default();
    if let Some(c) = output("ClusterName") {
        reads.tasks = ctx.aws.run_tasks(&c).await?;
        reads.services = ctx
            .aws
            .lab_services(&c, lab)
            .await?
            .iter()
            .map(|s| Named {
                id: s.name.clone(),
                label: format!("{} ({}/{} running)", s.name, s.running, s.desired),
            })
            .collect();
    }
    reads.target_groups = ctx.aws.lab_target_groups(lab).await?;
    if let Some(l) = output("ListenerArn") {
        reads.rules = ctx.aws.listener_rules(&l).await?;
    }
    reads.task_definitions = ctx.aws.lab_task_definitions(lab).await?;
    // Images only in repositories the stack itself owns: never a look-alike made by hand.
    // Likewise the website bucket: only the stack's own, never one found by its name.
    if stack.is_some() {
        for r in ctx.aws.stack_resources(ctx.lab.stack()).await? {
            if r.kind == "AWS::S3::Bucket" && !r.physical_id.is_empty() {
                if let Some(objects) = ctx.aws.bucket_objects(&r.physical_id).await? {
                    reads.buckets.push((r.physical_id.clone(), objects.len()));
                }
            }
            if r.kind == "AWS::ECR::Repository" && !r.physical_id.is_empty() {
                let n = ctx.aws.repository_images(&r.physical_id).await?.len();
                reads.repositories.push((r.physical_id, n));
            }
        }
    }
    reads.stack = stack.map(|s| (s.name, s.status.to_string(), s.outputs));
    Ok(reads)
}

/// Runs one phase: its items in parallel, each a progress row.
async fn execute(ctx: &Ctx<'_>, step: &Step, cluster: Option<&str>) -> Result<(), Error> {
    ctx.printer
        .note(&format!("Deleting {}", step.phase.title()));
    let reporter: &dyn Reporter = &ctx.reporter;
    let jobs = step.items.iter().map(|item| async move {
        let row = Row::new(reporter, &item.label);
        let result = delete_one(ctx, step.phase, item, cluster, &row).await;
        match &result {
            Ok(status) => row.finish(status, true),
            Err(e) => row.finish(&e.to_string(), false),
        }
        result
    });
    for result in join_all(jobs).await {
        result?;
    }
    Ok(())
}

async fn delete_one(
    ctx: &Ctx<'_>,
    phase: Phase,
    item: &Named,
    cluster: Option<&str>,
    row: &Row<'_>,
) -> Result<String, Error> {
    let aws = &ctx.aws;
    match phase {
        Phase::Tasks => {
            let cluster = cluster.expect("tasks are found in the stack's cluster");
            aws.stop_task(cluster, &item.id, "mysfits cleanup").await?;
        }
        Phase::Services => {
            let cluster = cluster.expect("services are found in the stack's cluster");
            aws.delete_service(cluster, &item.id, row).await?;
        }
        Phase::Rules => ignore_missing(aws.delete_rule(&item.id).await, "RuleNotFound")?,
        Phase::TargetGroups => ignore_missing(
            aws.delete_target_group(&item.id).await,
            "TargetGroupNotFound",
        )?,
        Phase::TaskDefinitions => aws.deregister_task_definition(&item.id).await?,
        Phase::Images => {
            let ids = aws.repository_images(&item.id).await?;
            aws.delete_images(&item.id, ids).await?;
        }
        Phase::Buckets => {
            let n = aws.empty_bucket(&item.id).await?;
            return Ok(format!("emptied ({n} deleted)"));
        }
        Phase::Stack => {
            // The progress rows' labels come from the stack's own template, not the
            // manifest's (which may be broken, or name other services by now); a template
            // that cannot be read only costs the labels.
            let labels = match aws.stack_template(&item.id).await {
                Ok(body) => mysfits_lab::template::descriptions(&body),
                Err(_) => Default::default(),
            };
            let mut end = delete_stack(ctx, &item.id, &labels).await?;
            // Firehose may still deliver a buffer it held (its interval: up to 15 min) after
            // the clicks bucket was emptied, and a bucket with objects stops the delete:
            // the stack's own buckets are emptied again, and the delete tried once more.
            if matches!(&end, mysfits_lab::stack::StackEnd::Settled { .. }) {
                let mut emptied = 0;
                for r in aws.stack_resources(&item.id).await? {
                    if r.kind == "AWS::S3::Bucket" && r.failed && !r.physical_id.is_empty() {
                        emptied += aws.empty_bucket(&r.physical_id).await?;
                    }
                }
                if emptied > 0 {
                    row.update(&format!("{emptied} late object(s) emptied; deleting again"));
                    end = delete_stack(ctx, &item.id, &labels).await?;
                }
            }
            if let mysfits_lab::stack::StackEnd::Settled { status, reasons } = end {
                return Err(Error::StackFailed {
                    stack: item.id.clone(),
                    status,
                    reasons,
                });
            }
        }
    }
    Ok("deleted".into())
}

/// DeleteStack, then its rows until the stack is gone or settles otherwise.
async fn delete_stack(
    ctx: &Ctx<'_>,
    stack: &str,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<mysfits_lab::stack::StackEnd, Error> {
    ctx.aws.delete_stack(stack).await?;
    crate::commands::steps::stack::wait(ctx, stack, labels).await
}

/// A resource already gone is what we wanted: a re-run after an interrupt must not fail on it.
fn ignore_missing(result: Result<(), AwsError>, code: &str) -> Result<(), AwsError> {
    match result {
        Err(e) if e.code().is_some_and(|c| c.starts_with(code)) => Ok(()),
        other => other,
    }
}

/// After deleting: anything still carrying the lab's tag or name is listed, and fails the run.
async fn sweep(ctx: &Ctx<'_>, repositories: &[String], buckets: &[String]) -> Result<(), Error> {
    let lab = ctx.lab.name();
    let mut left: Vec<String> = Vec::new();
    if let Some(s) = ctx.aws.describe_stack(ctx.lab.stack()).await? {
        left.push(format!("stack {} ({})", s.name, s.status));
    }
    let named = |kind: &'static str, names: Vec<String>| {
        names.into_iter().map(move |n| format!("{kind} {n}"))
    };
    let target_groups = ctx.aws.lab_target_groups(lab).await?;
    left.extend(named(
        "target group",
        target_groups.into_iter().map(|t| t.name).collect(),
    ));
    left.extend(named(
        "task definition",
        ctx.aws.lab_task_definitions(lab).await?,
    ));
    left.extend(named(
        "repository",
        ctx.aws.existing_repositories(repositories).await?,
    ));
    for b in buckets {
        if ctx.aws.bucket_objects(b).await?.is_some() {
            left.push(format!("bucket {b}"));
        }
    }
    for arn in ctx.aws.tagged_resources(lab).await? {
        if still_there(ctx, &arn).await? {
            left.push(format!("tagged resource {arn}"));
        }
    }
    if left.is_empty() {
        ctx.printer.success(&format!(
            "Nothing of lab '{}' is left: nothing keeps billing",
            ctx.lab
        ));
        return Ok(());
    }
    // On stderr: the error names the count, and stdout stays one document in JSON.
    ctx.printer
        .warn(&format!("still present after cleanup ({}):", left.len()));
    for l in &left {
        ctx.printer.note(&format!("  - {l}"));
    }
    Err(Error::Leftovers(left.len()))
}

/// Whether a tagged resource still exists in a way that counts. AWS keeps some deleted
/// things listed for a while: INACTIVE services, STOPPED tasks, `deleted` NAT gateways,
/// deregistered revisions. None of them bills.
async fn still_there(ctx: &Ctx<'_>, arn: &str) -> Result<bool, Error> {
    // Target groups and revisions were checked by name and tag above.
    if arn::is_kind(arn, "targetgroup") || arn::is_kind(arn, "task-definition") {
        return Ok(false);
    }
    if let Some((cluster, name)) = arn::cluster_scoped(arn, "service") {
        return Ok(ctx.aws.describe_service(cluster, name).await?.is_some());
    }
    if let Some((cluster, _)) = arn::cluster_scoped(arn, "task") {
        return Ok(
            matches!(ctx.aws.describe_task(cluster, arn).await, Ok(t) if t.phase != mysfits_lab::task::TaskPhase::Stopped),
        );
    }
    // The tagging index lags a bucket's deletion; S3 itself answers for it.
    if let Some(bucket) = arn.split(":s3:::").nth(1) {
        return Ok(ctx.aws.bucket_objects(bucket).await?.is_some());
    }
    if let Some(id) = arn::resource_id(arn, "natgateway") {
        return Ok(ctx
            .aws
            .nat_gateway_state(id)
            .await?
            .is_some_and(|s| s != "deleted"));
    }
    Ok(true)
}
