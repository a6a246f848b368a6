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
mod tests {
    use super::*;
    use crate::report::{Recorded, Silent};
    use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
    use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
    use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
    use aws_sdk_ecs::operation::update_service::UpdateServiceOutput;
    use aws_sdk_ecs::types::{
        Container, Deployment, DeploymentRolloutState, Service, Task, TaskStopCode,
    };
    use aws_sdk_ecs::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

    const NEW: &str = "arn:aws:ecs:us-east-1:1:task-definition/lab-web:2";
    const OLD: &str = "arn:aws:ecs:us-east-1:1:task-definition/lab-web:1";
    const BREAKER: &str = "ECS deployment circuit breaker: tasks failed to start.";
    const MISSING: &str = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 1.dkr.ecr.us-east-1.amazonaws.com/lab/web:v9: not found";

    fn dep(
        td: &str,
        status: &str,
        running: i32,
        state: DeploymentRolloutState,
        reason: Option<&str>,
    ) -> Deployment {
        Deployment::builder()
            .id(deployment_id(td))
            .task_definition(td)
            .status(status)
            .desired_count(1)
            .running_count(running)
            .pending_count(1 - running)
            .rollout_state(state)
            .set_rollout_state_reason(reason.map(String::from))
            .build()
    }

    fn rolling() -> DescribeServicesOutput {
        services(vec![
            dep(NEW, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
            dep(OLD, "ACTIVE", 1, DeploymentRolloutState::Completed, None),
        ])
    }

    /// The breaker failed the new deployment and rolls back to the old revision.
    fn tripped() -> DescribeServicesOutput {
        services(vec![
            dep(OLD, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
            dep(
                NEW,
                "ACTIVE",
                0,
                DeploymentRolloutState::Failed,
                Some(BREAKER),
            ),
        ])
    }

    fn back_on_old() -> DescribeServicesOutput {
        only(OLD, 1, DeploymentRolloutState::Completed)
    }

    /// The service with one deployment, the primary one.
    fn only(td: &str, running: i32, state: DeploymentRolloutState) -> DescribeServicesOutput {
        services(vec![dep(td, "PRIMARY", running, state, None)])
    }

    fn previous_old() -> Option<Previous> {
        Some(Previous {
            task_definition: OLD.into(),
            desired: 1,
        })
    }

    fn services(deps: Vec<Deployment>) -> DescribeServicesOutput {
        DescribeServicesOutput::builder()
            .services(
                Service::builder()
                    .service_name("web")
                    .desired_count(1)
                    .set_deployments(Some(deps))
                    .build(),
            )
            .build()
    }

    /// One deployment per revision here: `ecs-svc/2` deploys `lab-web:2`.
    fn deployment_id(td: &str) -> String {
        format!("ecs-svc/{}", td.rsplit(':').next().unwrap_or_default())
    }

    fn task(id: &str, td: &str, code: TaskStopCode, reason: &str) -> Task {
        Task::builder()
            .task_arn(format!("arn:aws:ecs:us-east-1:1:task/c/{id}"))
            .task_definition_arn(td)
            .started_by(deployment_id(td))
            .stop_code(code)
            .stopped_reason(reason)
            .containers(Container::builder().name("web").reason(reason).build())
            .build()
    }

    /// ListTasks answers each list in turn (the last one again and again); DescribeTasks
    /// describes exactly the tasks asked for, from `tasks`.
    fn stopped(lists: Vec<Vec<&'static str>>, tasks: Vec<Task>) -> (Rule, Rule) {
        let mut seq = mock!(Client::list_tasks).sequence();
        let last = lists.len() - 1;
        for (i, ids) in lists.into_iter().enumerate() {
            let arns: Vec<String> = ids
                .iter()
                .map(|id| format!("arn:aws:ecs:us-east-1:1:task/c/{id}"))
                .collect();
            let out = move || {
                ListTasksOutput::builder()
                    .set_task_arns(Some(arns.clone()))
                    .build()
            };
            seq = seq.output(out);
            if i == last {
                return (
                    seq.repeatedly().build(),
                    mock!(Client::describe_tasks).then_compute_output(move |req| {
                        DescribeTasksOutput::builder()
                            .set_tasks(Some(
                                tasks
                                    .iter()
                                    .filter(|t| {
                                        req.tasks().iter().any(|a| Some(a.as_str()) == t.task_arn())
                                    })
                                    .cloned()
                                    .collect(),
                            ))
                            .build()
                    }),
                );
            }
        }
        unreachable!("at least one list")
    }

    fn client(rules: &[&Rule]) -> Client {
        mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules.iter().copied())
    }

    /// One task of the new revision stops, between the first look and the second.
    fn one_stop(reason: &'static str) -> (Rule, Rule) {
        stopped(
            vec![vec![], vec!["abc123"]],
            vec![task("abc123", NEW, TaskStopCode::TaskFailedToStart, reason)],
        )
    }

    fn update() -> Rule {
        mock!(Client::update_service).then_output(|| UpdateServiceOutput::builder().build())
    }

    /// A client whose service looks as `describe` answers, with one task of the new
    /// revision stopping for `reason`; and the UpdateService calls it takes.
    fn one_stop_client(describe: &Rule, reason: &'static str) -> (Client, Rule) {
        let (list, tasks) = one_stop(reason);
        with_stops(describe, &list, &tasks)
    }

    /// A client whose service looks as `describe` answers, whose stopped tasks `list` and
    /// `tasks` answer for; and the UpdateService calls it takes.
    fn with_stops(describe: &Rule, list: &Rule, tasks: &Rule) -> (Client, Rule) {
        let updates = update();
        (client(&[describe, list, tasks, &updates]), updates)
    }

    /// The breaker failed the rollout, with these stopped tasks; and then `rollback`.
    fn breaker_failed(stopped: &str, rollback: Rollback) -> Outcome {
        Outcome::Failed {
            reason: BREAKER.into(),
            stopped: vec![stopped.into()],
            rollback,
            by: RolledBackBy::Breaker,
        }
    }

    /// The outcome, and every line reported on the way.
    async fn watch_recorded(
        client: &Client,
        timeout: Duration,
        previous: Option<Previous>,
    ) -> (Outcome, Vec<String>) {
        let reported = Recorded::default();
        let outcome = watch_with(client, timeout, previous, &reported).await;
        (outcome, reported.lines())
    }

    /// The new deployment, primary, not one task running, look after look.
    fn never_running() -> Rule {
        mock!(Client::describe_services)
            .sequence()
            .output(|| only(NEW, 0, DeploymentRolloutState::InProgress))
            .repeatedly()
            .build()
    }

    async fn watch_with(
        client: &Client,
        timeout: Duration,
        previous: Option<Previous>,
        reporter: &dyn Reporter,
    ) -> Outcome {
        Watch {
            ecs: client,
            cluster: "c",
            service: "web",
            revision: NEW,
            previous,
            timeout,
            interval: Duration::from_millis(1),
        }
        .run(reporter)
        .await
        .unwrap()
    }

    async fn watch(client: &Client, timeout: Duration) -> Outcome {
        watch_with(client, timeout, None, &Silent).await
    }

    fn no_stopped_tasks() -> Rule {
        mock!(Client::list_tasks).then_output(|| ListTasksOutput::builder().build())
    }

    /// A service merged away and split again under the same name: the deleted one's
    /// stopped task has the same revision, but another deployment started it.
    #[tokio::test]
    async fn tasks_of_a_deleted_service_of_the_same_name_are_not_this_rollouts() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(|| {
                services(vec![dep(
                    NEW,
                    "PRIMARY",
                    0,
                    DeploymentRolloutState::InProgress,
                    None,
                )])
            })
            .output(|| {
                services(vec![dep(
                    NEW,
                    "PRIMARY",
                    1,
                    DeploymentRolloutState::Completed,
                    None,
                )])
            })
            .build();
        let list = mock!(Client::list_tasks).then_output(|| {
            ListTasksOutput::builder()
                .task_arns("arn:aws:ecs:us-east-1:1:task/c/gone1")
                .build()
        });
        let tasks = mock!(Client::describe_tasks).then_output(|| {
            DescribeTasksOutput::builder()
                .tasks(
                    Task::builder()
                        .task_arn("arn:aws:ecs:us-east-1:1:task/c/gone1")
                        .task_definition_arn(NEW)
                        .started_by("ecs-svc/of-the-deleted-service")
                        .stopped_reason("Service deleted")
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe, &list, &tasks]);
        let reporter = Recorded::default();
        assert_eq!(
            watch_with(&client, Duration::from_secs(60), None, &reporter).await,
            Outcome::Completed
        );
        assert_eq!(tasks.num_calls(), 1, "the stopped task was looked at");
        assert!(reporter.events().is_empty(), "{:?}", reporter.events());
    }

    #[tokio::test]
    async fn a_rollout_that_completes() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(rolling)
            .times(2)
            .output(|| only(NEW, 1, DeploymentRolloutState::Completed))
            .build();
        let list = no_stopped_tasks();
        let client = client(&[&describe, &list]);
        assert_eq!(
            watch(&client, Duration::from_secs(60)).await,
            Outcome::Completed
        );
        assert_eq!(describe.num_calls(), 3);
    }

    #[tokio::test]
    async fn the_breaker_rolls_back_and_stopped_tasks_say_why() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(rolling)
            .output(tripped)
            .output(|| only(OLD, 0, DeploymentRolloutState::InProgress))
            .output(back_on_old)
            .build();
        let (list, tasks) = stopped(
            vec![vec![], vec!["abc123"]],
            vec![Task::builder()
                .task_arn("arn:aws:ecs:us-east-1:1:task/c/abc123")
                .task_definition_arn(NEW)
                .started_by(deployment_id(NEW))
                .stop_code(TaskStopCode::EssentialContainerExited)
                .stopped_reason("Essential container in task exited")
                .containers(Container::builder().name("web").exit_code(3).build())
                .build()],
        );
        let (client, updates) = with_stops(&describe, &list, &tasks);
        let (outcome, lines) = watch_recorded(&client, Duration::from_secs(60), None).await;
        let stopped = "abc123: Essential container in task exited; web exited 3";
        assert_eq!(outcome, breaker_failed(stopped, Rollback::Done(OLD.into())));
        // Each stopped task is described once, not at every poll; a crash is the breaker's.
        assert_eq!(tasks.num_calls(), 1);
        assert_eq!(updates.num_calls(), 0);
        // The rollback's row names the revision it goes back to, not the failed one.
        assert!(
            lines.contains(&"ok Rollback of web to lab-web:1: back on lab-web:1".to_string()),
            "{lines:#?}"
        );
    }

    #[tokio::test]
    async fn a_missing_image_is_rolled_back_at_its_first_failed_task() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(rolling)
            .times(2)
            .output(|| {
                services(vec![
                    dep(OLD, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
                    dep(NEW, "ACTIVE", 0, DeploymentRolloutState::InProgress, None),
                ])
            })
            .output(back_on_old)
            .build();
        let (list, tasks) = one_stop(MISSING);
        let updates = mock!(Client::update_service)
            .match_requests(|r| r.task_definition() == Some(OLD) && r.desired_count() == Some(1))
            .then_output(|| UpdateServiceOutput::builder().build());
        let client = client(&[&describe, &list, &tasks, &updates]);
        let (outcome, lines) =
            watch_recorded(&client, Duration::from_secs(60), previous_old()).await;
        let Outcome::Failed {
            reason,
            stopped,
            rollback,
            by,
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert!(
            reason.starts_with("task abc123: CannotPullContainerError"),
            "{reason}"
        );
        assert!(
            reason.ends_with(
                "the image or tag does not exist in its registry: a retry cannot fix that"
            ),
            "{reason}"
        );
        // The container's reason repeats the task's: said once.
        assert_eq!(stopped, [format!("abc123: {MISSING}")]);
        assert_eq!(
            (rollback, by),
            (Rollback::Done(OLD.into()), RolledBackBy::Mysfits)
        );
        assert_eq!(
            updates.num_calls(),
            1,
            "one UpdateService, to the old revision"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("event rolling web back to lab-web:1 now")),
            "{lines:#?}"
        );
    }

    #[tokio::test]
    async fn the_previous_revision_is_found_among_the_deployments_on_a_re_run() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(rolling)
            .output(back_on_old)
            .repeatedly()
            .build();
        // The futile stop happened before this run began: still this rollout's.
        let (list, tasks) = stopped(
            vec![vec!["abc123"]],
            vec![task(
                "abc123",
                NEW,
                TaskStopCode::TaskFailedToStart,
                MISSING,
            )],
        );
        let updates = mock!(Client::update_service)
            .match_requests(|r| r.task_definition() == Some(OLD))
            .then_output(|| UpdateServiceOutput::builder().build());
        let client = client(&[&describe, &list, &tasks, &updates]);
        let outcome = watch(&client, Duration::from_secs(60)).await;
        assert!(
            matches!(
                &outcome,
                Outcome::Failed { rollback: Rollback::Done(td), by: RolledBackBy::Mysfits, .. } if td == OLD
            ),
            "{outcome:?}"
        );
        assert_eq!(updates.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_time_out_pulling_is_left_to_the_breaker() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(rolling)
            .times(3)
            .output(|| only(NEW, 1, DeploymentRolloutState::Completed))
            .build();
        let timeout = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref x: dial tcp 10.0.3.17:443: i/o timeout";
        let (client, updates) = one_stop_client(&describe, timeout);
        let outcome = watch_with(&client, Duration::from_secs(60), previous_old(), &Silent).await;
        assert_eq!(outcome, Outcome::Completed);
        assert_eq!(updates.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_rollback_whose_tasks_fail_too_is_reported_at_its_first_failure() {
        // The case: the breaker rolls back to a revision (up's placeholder) whose
        // tasks cannot start either. Its first failure comes in the same look as the
        // breaker's verdict.
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(|| only(NEW, 0, DeploymentRolloutState::InProgress))
            .output(tripped)
            .repeatedly()
            .build();
        let placeholder = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/nginx/nginx:stable-alpine: not found";
        let (list, tasks) = stopped(
            vec![vec!["old"], vec!["old", "new1", "back1"]],
            vec![
                task("old", OLD, TaskStopCode::TaskFailedToStart, placeholder),
                task(
                    "new1",
                    NEW,
                    TaskStopCode::EssentialContainerExited,
                    "Essential container in task exited",
                ),
                task("back1", OLD, TaskStopCode::TaskFailedToStart, placeholder),
            ],
        );
        let (client, updates) = with_stops(&describe, &list, &tasks);
        let (outcome, lines) = watch_recorded(&client, Duration::from_secs(3600), None).await;
        let rollback = Rollback::AlsoFails {
            revision: OLD.into(),
            reason: placeholder.into(),
        };
        let stopped = "new1: Essential container in task exited";
        assert_eq!(outcome, breaker_failed(stopped, rollback));
        assert_eq!(
            describe.num_calls(),
            3,
            "reported at the first look at the rollback"
        );
        assert_eq!(updates.num_calls(), 0);
        assert!(
            lines.contains(&format!(
                "failed Rollback of web to lab-web:1: FAILED: back1: {placeholder}"
            )),
            "{lines:#?}"
        );
    }

    #[tokio::test]
    async fn a_rollback_the_breaker_fails_too_is_reported() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(rolling)
            .output(|| {
                services(vec![
                    dep(
                        OLD,
                        "PRIMARY",
                        0,
                        DeploymentRolloutState::Failed,
                        Some(BREAKER),
                    ),
                    dep(NEW, "ACTIVE", 0, DeploymentRolloutState::Failed, Some("x")),
                ])
            })
            .repeatedly()
            .build();
        let list = no_stopped_tasks();
        let client = client(&[&describe, &list]);
        let outcome = watch(&client, Duration::from_secs(3600)).await;
        assert!(
            matches!(&outcome, Outcome::Failed { rollback: Rollback::AlsoFails { revision, .. }, .. } if revision == OLD),
            "{outcome:?}"
        );
    }

    #[tokio::test]
    async fn no_completed_deployment_means_no_rollback() {
        // A first deployment (split's) that the breaker fails: nothing to go back to.
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(|| {
                services(vec![dep(
                    NEW,
                    "PRIMARY",
                    0,
                    DeploymentRolloutState::Failed,
                    Some(BREAKER),
                )])
            })
            .repeatedly()
            .build();
        let list = no_stopped_tasks();
        let client = client(&[&describe, &list]);
        let outcome = watch(&client, Duration::from_secs(3600)).await;
        assert!(
            matches!(
                &outcome,
                Outcome::Failed {
                    rollback: Rollback::Nothing,
                    by: RolledBackBy::Breaker,
                    ..
                }
            ),
            "{outcome:?}"
        );
        assert_eq!(describe.num_calls(), 2 + NO_ROLLBACK_LOOKS as usize);
    }

    #[tokio::test]
    async fn a_futile_stop_without_a_previous_revision_ends_the_wait() {
        let (client, updates) = one_stop_client(&never_running(), MISSING);
        let outcome = watch(&client, Duration::from_secs(3600)).await;
        assert!(
            matches!(
                &outcome,
                Outcome::Failed {
                    rollback: Rollback::Nothing,
                    by: RolledBackBy::Mysfits,
                    ..
                }
            ),
            "{outcome:?}"
        );
        assert_eq!(updates.num_calls(), 0);
    }

    #[tokio::test]
    async fn a_wait_that_times_out() {
        let list = no_stopped_tasks();
        let client = client(&[&never_running(), &list]);
        match watch(&client, Duration::from_millis(20)).await {
            Outcome::TimedOut { last } => assert_eq!(last, "new lab-web:2: 0/1 running, 1 pending"),
            other => panic!("{other:?}"),
        }
    }
}
