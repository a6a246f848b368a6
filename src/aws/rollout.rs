//! Watching an ECS deployment until the circuit breaker's verdict: progress rows, service
//! events and the stop reasons of failed tasks, as they happen. A task that stopped for a
//! reason no retry can fix (`lab::stop_reason`) ends the wait at once: the service goes
//! back to the revision it ran before, by UpdateService, without waiting for the breaker.
//! A rollback whose own tasks fail is reported as soon as one does.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_ecs::types::DesiredStatus;

use super::ecs::{deployment_view, update_service};
use super::error::{Answer, AwsError};
use super::poll::{Look, Poll, Waited};
use crate::report::Reporter;
use crate::report::Row;
use mysfits_lab::rollout::{
    judge, replaced, rollback_of, rolled_back_to, short, DeploymentView, Rollback, RolledBackBy,
    RolloutState, Verdict,
};
use mysfits_lab::stop_reason::{failed, retry, Retry};

/// How many looks a failed rollout may stay primary before the wait concludes that ECS
/// has no earlier completed deployment to roll back to (it makes the rollback deployment
/// as it fails the rollout, so this is only slack: about 10 s at the usual 3 s).
const NO_ROLLBACK_LOOKS: u32 = 3;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Completed,
    /// The rollout failed; what became of the service, and who rolled it back.
    Failed {
        reason: String,
        stopped: Vec<String>,
        rollback: Rollback,
        by: RolledBackBy,
    },
    TimedOut {
        last: String,
    },
}

/// What the service ran before the deploy: the revision and task count to go back to.
#[derive(Debug, Clone, PartialEq)]
pub struct Previous {
    pub task_definition: String,
    pub desired: i32,
}

pub struct Watch<'a> {
    pub ecs: &'a aws_sdk_ecs::Client,
    pub cluster: &'a str,
    pub service: &'a str,
    pub revision: &'a str,
    /// What to roll back to when a retry cannot help; without it, the completed
    /// deployment the rollout replaces (a re-run finds it there), if any.
    pub previous: Option<Previous>,
    pub timeout: Duration,
    pub interval: Duration,
}

/// How a watched rollout ended, before any rollback.
enum Ended {
    Completed,
    /// The circuit breaker failed it.
    Breaker(String),
    /// A task stopped for a reason no retry can fix.
    Futile(String),
}

/// Which stopped tasks were already read, and the service's deployments seen so far.
#[derive(Default)]
struct TaskLog {
    seen: HashSet<String>,
    ours: HashSet<String>,
}

impl TaskLog {
    fn note(&mut self, service: &aws_sdk_ecs::types::Service) {
        let ids = service.deployments().iter().filter_map(|d| d.id());
        self.ours.extend(ids.map(String::from));
    }
}

/// A task of the service that stopped while the watch looked.
#[derive(Debug, Clone)]
struct Stopped {
    task_definition: String,
    stop_code: Option<String>,
    /// The task's `stoppedReason`, then each container's reason or non-zero exit code.
    reason: String,
    /// `<task id>: <reason>`, as shown.
    line: String,
}

impl Watch<'_> {
    pub async fn run(&self, reporter: &dyn Reporter) -> Result<Outcome, AwsError> {
        let mut poll = Poll::new(self.interval, self.timeout);
        let row = Row::new(
            reporter,
            &format!("Deployment of {} to {}", self.service, short(self.revision)),
        );
        let mut seen_events: HashSet<String> = HashSet::new();
        let mut seen_tasks = TaskLog::default();
        // Every task of another revision that stopped since the watch began: a rollback
        // to that revision may already have failed before the rollout's verdict is read.
        let mut others: Vec<Stopped> = Vec::new();
        let mut stopped = Vec::new();
        let mut previous = self.previous.clone();
        let mut first = true;
        let end = poll
            .until(async || {
                let service = self.describe().await?;
                seen_tasks.note(&service);
                // Events come newest first; show the new ones oldest first. The ones before
                // the watch began are history, not news.
                let fresh: Vec<(String, String)> = service
                    .events()
                    .iter()
                    .filter_map(|e| Some((e.id()?.to_string(), e.message()?.to_string())))
                    .filter(|(id, _)| seen_events.insert(id.clone()))
                    .collect();
                if !first {
                    for (_, msg) in fresh.iter().rev() {
                        reporter.event(msg);
                    }
                }
                let deployments: Vec<DeploymentView> =
                    service.deployments().iter().map(deployment_view).collect();
                if previous.is_none() {
                    previous = replaced(&deployments, self.revision).map(|td| Previous {
                        task_definition: td.to_string(),
                        desired: service.desired_count(),
                    });
                }
                let mut futile = None;
                for task in self.stopped_tasks(&mut seen_tasks).await? {
                    if task.task_definition != self.revision {
                        // Stopped before the watch began: history, not this rollout's news.
                        if !first {
                            others.push(task);
                        }
                        continue;
                    }
                    reporter.event(&format!("task stopped: {}", task.line));
                    if let (None, Retry::Futile(why)) = (&futile, retry(&task.reason)) {
                        futile = Some(format!(
                            "task {}, and {}: a retry cannot fix that",
                            task.line,
                            why.why()
                        ));
                    }
                    stopped.push(task.line);
                }
                first = false;
                Ok(match (judge(&deployments, self.revision), futile) {
                    (Verdict::Rolling(_), Some(reason)) => Look::Done(Ended::Futile(reason)),
                    (Verdict::Completed, _) => Look::Done(Ended::Completed),
                    (Verdict::Failed(reason), _) => Look::Done(Ended::Breaker(reason)),
                    (Verdict::Rolling(line), None) => {
                        row.update(&line);
                        Look::Pending(line)
                    }
                })
            })
            .await?;
        let (reason, by) = match end {
            Waited::Expired(last) => {
                row.finish("still rolling (timed out)", false);
                return Ok(Outcome::TimedOut { last });
            }
            Waited::Done(Ended::Completed) => {
                row.finish("COMPLETED", true);
                return Ok(Outcome::Completed);
            }
            Waited::Done(Ended::Breaker(reason)) => (reason, RolledBackBy::Breaker),
            Waited::Done(Ended::Futile(reason)) => (reason, RolledBackBy::Mysfits),
        };
        row.finish(&format!("FAILED: {reason}"), false);
        let rollback = match (by, previous) {
            (RolledBackBy::Breaker, _) => {
                self.await_rollback(reporter, &mut poll, &mut seen_tasks, others)
                    .await?
            }
            (RolledBackBy::Mysfits, Some(p)) if p.task_definition != self.revision => {
                reporter.event(&format!(
                    "rolling {} back to {} now, without waiting for the circuit breaker",
                    self.service,
                    short(&p.task_definition)
                ));
                update_service(
                    self.ecs,
                    self.cluster,
                    self.service,
                    &p.task_definition,
                    Some(p.desired),
                )
                .await?;
                self.await_rollback(reporter, &mut poll, &mut seen_tasks, others)
                    .await?
            }
            (RolledBackBy::Mysfits, _) => Rollback::Nothing,
        };
        Ok(Outcome::Failed {
            reason,
            stopped,
            rollback,
            by,
        })
    }

    async fn describe(&self) -> Result<aws_sdk_ecs::types::Service, AwsError> {
        let call = self
            .ecs
            .describe_services()
            .cluster(self.cluster)
            .services(self.service);
        let out = call.send().answer("describe service").await?;
        out.services().first().cloned().ok_or(AwsError::Other {
            op: "describe service",
            detail: format!("service {} disappeared during the deployment", self.service),
        })
    }

    /// The service's tasks that stopped since the last look, of every revision, started by
    /// one of its deployments (ECS: a service's task has its deployment's id as
    /// `startedBy`): a deleted service of the same name leaves stopped tasks, of the same
    /// revision too, that are none of this rollout's business.
    async fn stopped_tasks(&self, log: &mut TaskLog) -> Result<Vec<Stopped>, AwsError> {
        let call = self
            .ecs
            .list_tasks()
            .cluster(self.cluster)
            .service_name(self.service)
            .desired_status(DesiredStatus::Stopped);
        let list = call.send().answer("list stopped tasks").await?;
        let new: Vec<String> = list
            .task_arns()
            .iter()
            .filter(|a| !log.seen.contains(*a))
            .cloned()
            .collect();
        if new.is_empty() {
            return Ok(vec![]);
        }
        let call = self
            .ecs
            .describe_tasks()
            .cluster(self.cluster)
            .set_tasks(Some(new.clone()));
        let tasks = call.send().answer("describe stopped tasks").await?;
        log.seen.extend(new);
        Ok(tasks
            .tasks()
            .iter()
            .filter(|t| t.started_by().is_some_and(|by| log.ours.contains(by)))
            .map(|t| {
                let mut reason = t.stopped_reason().unwrap_or("stopped").to_string();
                for c in t.containers() {
                    let name = c.name().unwrap_or("container");
                    // A container's reason often repeats the task's: say it once.
                    match (c.reason(), c.exit_code().filter(|c| *c != 0)) {
                        (Some(r), _) if !reason.contains(r) => {
                            reason.push_str(&format!("; {name}: {r}"))
                        }
                        (Some(_), _) => {}
                        (None, Some(code)) => reason.push_str(&format!("; {name} exited {code}")),
                        (None, None) => {}
                    }
                }
                Stopped {
                    task_definition: t.task_definition_arn().unwrap_or_default().to_string(),
                    stop_code: t.stop_code().map(|c| c.as_str().to_string()),
                    line: format!("{}: {reason}", short(t.task_arn().unwrap_or_default())),
                    reason,
                }
            })
            .collect())
    }

    /// After a failed rollout, waits for the rollback to the previous revision to finish,
    /// so the user hears that the service is healthy again, or, as soon as one of that
    /// revision's tasks fails as well, that it is not. `others`: tasks of other revisions
    /// that stopped while the rollout was watched.
    async fn await_rollback(
        &self,
        reporter: &dyn Reporter,
        poll: &mut Poll,
        seen: &mut TaskLog,
        mut others: Vec<Stopped>,
    ) -> Result<Rollback, AwsError> {
        let mut looks = 0;
        let mut row: Option<Row> = None;
        // Pending(true): the rollback's row shows how far it is.
        let end = poll
            .until(async || {
                let service = self.describe().await?;
                seen.note(&service);
                let deployments: Vec<DeploymentView> =
                    service.deployments().iter().map(deployment_view).collect();
                others.extend(self.stopped_tasks(seen).await?);
                let Some(back) = rollback_of(&deployments, self.revision) else {
                    // ECS rolls back to the last deployment that completed; with none, the
                    // failed one stays primary and stops launching tasks.
                    looks += 1;
                    if looks > NO_ROLLBACK_LOOKS {
                        return Ok(Look::Done(Rollback::Nothing));
                    }
                    return Ok(Look::Pending(false));
                };
                let target = back.task_definition.clone();
                // Named for the revision it goes back to, once ECS says which.
                let row = row.get_or_insert_with(|| {
                    Row::new(
                        reporter,
                        &format!("Rollback of {} to {}", self.service, short(&target)),
                    )
                });
                let failure = others.iter().find(|t| {
                    t.task_definition == target && failed(t.stop_code.as_deref(), &t.reason)
                });
                if let Some(task) = failure {
                    row.finish(&format!("FAILED: {}", task.line), false);
                    return Ok(Look::Done(Rollback::AlsoFails {
                        revision: target,
                        reason: task.reason.clone(),
                    }));
                }
                if back.rollout_state == Some(RolloutState::Failed) {
                    let reason = back
                        .rollout_reason
                        .clone()
                        .unwrap_or_else(|| "its rollout failed".into());
                    row.finish(&format!("FAILED: {reason}"), false);
                    return Ok(Look::Done(Rollback::AlsoFails {
                        revision: target,
                        reason,
                    }));
                }
                if let Some(td) = rolled_back_to(&deployments, self.revision) {
                    row.finish(&format!("back on {}", short(td)), true);
                    return Ok(Look::Done(Rollback::Done(td.to_string())));
                }
                row.update(&format!(
                    "{}/{} running, {} pending",
                    back.running, back.desired, back.pending
                ));
                Ok(Look::Pending(true))
            })
            .await?;
        match (end, row) {
            (Waited::Done(rollback), _) => Ok(rollback),
            (Waited::Expired(true), Some(row)) => {
                row.finish("not finished (timed out)", false);
                Ok(Rollback::Unfinished)
            }
            (Waited::Expired(_), _) => Ok(Rollback::Unfinished),
        }
    }
}

/// Recorded response sequences for the states moto cannot reach (docs/architecture.md): a rollout
/// that completes, one the circuit breaker rolls back, one `deploy` rolls back itself at
/// the first futile stop, a rollback whose tasks fail too, no rollback at all, stopped
/// tasks, a wait that times out.
#[cfg(test)]
mod tests;
