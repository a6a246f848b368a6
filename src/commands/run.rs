//! `mysfits run`: lab 2's smoke test. One Fargate task outside the load balancer, its
//! public IP, a request to its health-check path, then the task is stopped.

use std::time::Duration;

use crate::aws::poll::{Look, Poll, Waited};
use crate::commands::steps::lab_service::{self, LabService};
use crate::commands::steps::revision::ensure_revision;
use crate::commands::Ctx;
use crate::error::Error;
use crate::image::push::resolve_digest;
use crate::output::Render;
use crate::report::Row;
use mysfits_lab::rollout::short;
use mysfits_lab::task::TaskPhase;

/// The smoke test's answer: the task, where it ran, and what its health path said.
#[derive(Debug, serde::Serialize)]
pub struct RunResult {
    pub service: String,
    pub task: String,
    pub ip: String,
    pub status: String,
    pub kept: bool,
}

impl Render for RunResult {
    fn text(&self) -> String {
        format!("{}\t{}", self.ip, self.status)
    }
}

/// What `run` does, as plain values: the clap arguments stop here.
#[derive(Debug, Clone, PartialEq)]
struct RunPlan {
    service: String,
    /// `--tag`: a revision made (or found) for the tag's digest; else the latest one.
    tag: Option<String>,
    /// `--keep`: a task that answered keeps running.
    keep: bool,
    timeout: Duration,
}

impl RunPlan {
    fn new(args: &crate::cli::RunArgs) -> Self {
        Self {
            service: args.service.clone(),
            tag: args.tag.clone(),
            keep: args.keep,
            timeout: Duration::from_secs(args.timeout),
        }
    }

    /// Whether the task is stopped once the smoke test ends: always, unless kept and it
    /// answered.
    fn stops(&self, answered: bool) -> bool {
        !(self.keep && answered)
    }
}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::RunArgs) -> Result<RunResult, Error> {
    let plan = RunPlan::new(args);
    // Attached, the default is someone else's: the lab has no revision of it to run.
    if let Some(m) = ctx.manifest {
        if m.service(&plan.service).is_some_and(|s| m.is_foreign(s)) {
            return Err(crate::error::AttachError::ForeignDefault(plan.service.clone()).into());
        }
    }
    // The manifest's, or the lab's ECS service (by its tag) and its target group.
    let service = lab_service::find(ctx, &plan.service).await?;
    let outputs = ctx.outputs_for_change().await?;
    let subnets = outputs.public_subnets.clone();
    let revision = match &plan.tag {
        // A new revision is made from the manifest's service: it must be there.
        Some(tag) => {
            let service = ctx.service(&plan.service)?;
            let repository = outputs.repository(&service.name)?.to_string();
            let digest = resolve_digest(&ctx.aws, &repository, tag, true).await?;
            ensure_revision(ctx, service, &outputs, &format!("{repository}@{digest}")).await?
        }
        None => {
            let family = ctx.lab.family(service.name());
            let latest = ctx.aws.latest_revision(&family).await?.map(|(arn, _)| arn);
            revision_of(latest, &service)?
        }
    };
    let (port, health_check) = service.probe(ctx).await?;
    let name = service.name().to_string();
    let cluster = outputs.cluster_name.as_str();
    let row = Row::new(
        &ctx.reporter,
        &format!("Task of {name} ({})", short(&revision)),
    );
    let task = ctx
        .aws
        .run_task(
            cluster,
            &revision,
            subnets,
            outputs.run_security_group.as_str(),
            true,
            &ctx.lab.tags(Some(&name)),
        )
        .await?;
    // From here on the task exists: whatever happens, it is stopped unless --keep.
    let result = smoke(ctx, &row, cluster, &task, port, &health_check, plan.timeout).await;
    let task_id = short(&task).to_string();
    if plan.stops(result.is_ok()) {
        ctx.aws
            .stop_task(cluster, &task, "mysfits run: smoke test done")
            .await?;
        ctx.printer.note(&format!("task {task_id} stopped"));
    } else {
        ctx.printer
            .note(&format!("task {task_id} keeps running (--keep)"));
        ctx.printer.next(
            "stop it",
            &format!("aws ecs stop-task --cluster {cluster} --task {task_id}"),
        );
    }
    let (ip, status) = result?;
    Ok(RunResult {
        service: name,
        task: task_id,
        ip,
        status,
        kept: plan.keep,
    })
}

/// The family's latest revision (what `deploy` registered), else what the lab's ECS
/// service runs; a manifest service with neither is a refusal that names `deploy`.
fn revision_of(latest: Option<String>, service: &LabService<'_>) -> Result<String, Error> {
    match (latest, service) {
        (Some(arn), _) => Ok(arn),
        (
            None,
            LabService::Aws {
                task_definition, ..
            },
        ) => Ok(task_definition.clone()),
        (None, LabService::Manifest(s)) => Err(Error::NoRevision {
            service: s.name.clone(),
            deploy: s.deploy_command(),
        }),
    }
}

/// Waits for RUNNING, finds the public IP, asks the health-check path; (ip, status line).
async fn smoke(
    ctx: &Ctx<'_>,
    row: &Row<'_>,
    cluster: &str,
    task: &str,
    port: u16,
    path: &str,
    timeout: Duration,
) -> Result<(String, String), Error> {
    let mut poll = Poll::new(Duration::from_secs(2), timeout);
    let running = poll
        .until(async || {
            let state = ctx.aws.describe_task(cluster, task).await?;
            match state.phase {
                TaskPhase::Running => Ok(Look::Done(state)),
                phase if phase.over() => {
                    row.finish(&state.last_status, false);
                    Err(Error::TaskStopped(
                        state
                            .stopped_reason
                            .unwrap_or_else(|| "no reason given".into()),
                    ))
                }
                _ => {
                    row.update(&state.last_status);
                    Ok(Look::Pending(()))
                }
            }
        })
        .await?;
    let Waited::Done(state) = running else {
        row.finish("not running (timed out)", false);
        return Err(Error::TaskNotRunning(timeout.as_secs()));
    };
    let eni = state.network_interface.ok_or(Error::NoNetworkInterface)?;
    let ip = ctx.aws.public_ip(&eni).await?.ok_or(Error::NoPublicIp)?;
    row.update(&format!("RUNNING at {ip}"));
    let url = format!("http://{ip}:{port}{path}");
    // The app may need a moment after RUNNING: retry connection failures for a while.
    let mut poll = Poll::new(Duration::from_secs(2), Duration::from_secs(60).min(timeout));
    let answer = poll
        .until(async || {
            let url = url.clone();
            let got = tokio::task::spawn_blocking(move || get(&url))
                .await
                .map_err(|e| Error::Worker("health probe", e.to_string()))?;
            Ok::<_, Error>(match got {
                Ok(status) => Look::Done(status),
                Err(detail) => Look::Pending(detail),
            })
        })
        .await?;
    match answer {
        Waited::Done(status) => {
            row.finish(&format!("GET {url} → {status}"), status.starts_with('2'));
            Ok((ip, status))
        }
        Waited::Expired(detail) => {
            row.finish("no answer", false);
            Err(Error::ProbeFailed { url, detail })
        }
    }
}

/// One GET: the status line of any answer, or why there was none.
fn get(url: &str) -> Result<String, String> {
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(10))
        .try_proxy_from_env(false)
        .build();
    match agent.get(url).call() {
        Ok(r) => Ok(format!("{} {}", r.status(), r.status_text())),
        Err(ureq::Error::Status(code, r)) => Ok(format!("{code} {}", r.status_text())),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_revision_is_the_latest_else_the_services_else_a_refusal() {
        let m = crate::commands::ctx::testing::manifest();
        let manifest = LabService::Manifest(m.service("like-service").unwrap());
        let running = LabService::Aws {
            name: "old-service".into(),
            task_definition: "td:7".into(),
            target_group: None,
        };
        assert_eq!(revision_of(Some("td:9".into()), &running).unwrap(), "td:9");
        assert_eq!(revision_of(None, &running).unwrap(), "td:7");
        assert!(matches!(
            revision_of(None, &manifest),
            Err(Error::NoRevision { .. })
        ));
    }

    #[test]
    fn the_task_is_stopped_unless_kept_and_it_answered() {
        let plan = |keep| RunPlan {
            service: "like-service".into(),
            tag: None,
            keep,
            timeout: Duration::from_secs(300),
        };
        assert!(plan(false).stops(true));
        assert!(!plan(true).stops(true));
        assert!(
            plan(true).stops(false),
            "a failed smoke test stops it, kept or not"
        );
    }
}
