//! Watching an ECS deployment until the circuit breaker's verdict: progress rows, service
//! events and the stop reasons of failed tasks, as they happen.

use std::collections::HashSet;
use std::time::Duration;

use aws_sdk_ecs::types::DesiredStatus;

use super::ecs::deployment_view;
use super::error::{map, AwsError};
use super::poll::Poll;
use crate::lab::rollout::{judge, rolled_back_to, short, DeploymentView, Verdict};
use crate::report::Reporter;
use crate::report::Row;

#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Completed,
    /// The breaker failed the rollout; `back_on` is the revision ECS rolled back to, once
    /// that rollback completed with running tasks.
    Failed {
        reason: String,
        stopped: Vec<String>,
        back_on: Option<String>,
    },
    TimedOut {
        last: String,
    },
}

pub struct Watch<'a> {
    pub ecs: &'a aws_sdk_ecs::Client,
    pub cluster: &'a str,
    pub service: &'a str,
    pub revision: &'a str,
    pub timeout: Duration,
    pub interval: Duration,
}

impl Watch<'_> {
    pub async fn run(&self, reporter: &dyn Reporter) -> Result<Outcome, AwsError> {
        let mut poll = Poll::new(self.interval, self.timeout);
        let row = Row::new(
            reporter,
            &format!("Deployment of {} to {}", self.service, short(self.revision)),
        );
        let mut seen_events: HashSet<String> = HashSet::new();
        let mut seen_tasks: HashSet<String> = HashSet::new();
        // This service's deployments: a deleted service of the same name leaves stopped
        // tasks (same revision, too) that are none of this rollout's business.
        let mut ours: HashSet<String> = HashSet::new();
        let mut stopped = Vec::new();
        let mut first = true;
        let mut last;
        loop {
            let service = self.describe().await?;
            // Events come newest first; show the new ones oldest first. The ones before the
            // watch began are history, not news.
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
            first = false;
            ours.extend(
                service
                    .deployments()
                    .iter()
                    .filter_map(|d| d.id())
                    .map(String::from),
            );
            for reason in self.stopped_tasks(&mut seen_tasks, &ours).await? {
                reporter.event(&format!("task stopped: {reason}"));
                stopped.push(reason);
            }
            let deployments: Vec<DeploymentView> =
                service.deployments().iter().map(deployment_view).collect();
            match judge(&deployments, self.revision) {
                Verdict::Completed => {
                    row.finish("COMPLETED", true);
                    return Ok(Outcome::Completed);
                }
                Verdict::Failed(reason) => {
                    row.finish(&format!("FAILED: {reason}"), false);
                    let back_on = self.await_rollback(reporter, &mut poll).await?;
                    return Ok(Outcome::Failed {
                        reason,
                        stopped,
                        back_on,
                    });
                }
                Verdict::Rolling(line) => {
                    row.update(&line);
                    last = line;
                }
            }
            if poll.expired() {
                row.finish("still rolling (timed out)", false);
                return Ok(Outcome::TimedOut { last });
            }
            poll.wait().await;
        }
    }

    async fn describe(&self) -> Result<aws_sdk_ecs::types::Service, AwsError> {
        let out = self
            .ecs
            .describe_services()
            .cluster(self.cluster)
            .services(self.service)
            .send()
            .await
            .map_err(map("describe service"))?;
        out.services().first().cloned().ok_or(AwsError::Other {
            op: "describe service",
            detail: format!("service {} disappeared during the deployment", self.service),
        })
    }

    /// Stop reasons of this revision's tasks that stopped since the last look, started by
    /// one of `ours` (ECS: a service's task has its deployment's id as `startedBy`).
    async fn stopped_tasks(
        &self,
        seen: &mut HashSet<String>,
        ours: &HashSet<String>,
    ) -> Result<Vec<String>, AwsError> {
        let list = self
            .ecs
            .list_tasks()
            .cluster(self.cluster)
            .service_name(self.service)
            .desired_status(DesiredStatus::Stopped)
            .send()
            .await
            .map_err(map("list stopped tasks"))?;
        let new: Vec<String> = list
            .task_arns()
            .iter()
            .filter(|a| !seen.contains(*a))
            .cloned()
            .collect();
        if new.is_empty() {
            return Ok(vec![]);
        }
        let tasks = self
            .ecs
            .describe_tasks()
            .cluster(self.cluster)
            .set_tasks(Some(new.clone()))
            .send()
            .await
            .map_err(map("describe stopped tasks"))?;
        seen.extend(new);
        Ok(tasks
            .tasks()
            .iter()
            .filter(|t| t.task_definition_arn() == Some(self.revision))
            .filter(|t| t.started_by().is_some_and(|by| ours.contains(by)))
            .map(|t| {
                let mut reason = t.stopped_reason().unwrap_or("stopped").to_string();
                for c in t.containers() {
                    if let Some(r) = c.reason() {
                        reason.push_str(&format!("; {}: {r}", c.name().unwrap_or("container")));
                    } else if let Some(code) = c.exit_code().filter(|c| *c != 0) {
                        reason.push_str(&format!(
                            "; {} exited {code}",
                            c.name().unwrap_or("container")
                        ));
                    }
                }
                format!("{}: {reason}", short(t.task_arn().unwrap_or_default()))
            })
            .collect())
    }

    /// After a failed rollout, waits for ECS's rollback to the previous revision to finish,
    /// so the user hears that the service is healthy again (or that it is not).
    async fn await_rollback(
        &self,
        reporter: &dyn Reporter,
        poll: &mut Poll,
    ) -> Result<Option<String>, AwsError> {
        let row = Row::new(reporter, &format!("Rollback of {}", self.service));
        loop {
            let service = self.describe().await?;
            let deployments: Vec<DeploymentView> =
                service.deployments().iter().map(deployment_view).collect();
            if let Some(td) = rolled_back_to(&deployments, self.revision) {
                row.finish(&format!("back on {}", short(td)), true);
                return Ok(Some(td.to_string()));
            }
            if let Some(p) = deployments.iter().find(|d| d.primary) {
                row.update(&format!(
                    "{}: {}/{} running",
                    short(&p.task_definition),
                    p.running,
                    p.desired
                ));
            }
            if poll.expired() {
                row.finish("not finished (timed out)", false);
                return Ok(None);
            }
            poll.wait().await;
        }
    }
}

/// Recorded response sequences for the states moto cannot reach (DESIGN.md §5): a rollout
/// that completes, one the circuit breaker rolls back, stopped tasks, a wait that times out.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Silent;
    use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
    use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
    use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
    use aws_sdk_ecs::types::{Container, Deployment, DeploymentRolloutState, Service, Task};
    use aws_sdk_ecs::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    const NEW: &str = "arn:aws:ecs:us-east-1:1:task-definition/lab-web:2";
    const OLD: &str = "arn:aws:ecs:us-east-1:1:task-definition/lab-web:1";

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

    /// One deployment per revision here: `ecs-svc/2` deploys `lab-web:2`.
    fn deployment_id(td: &str) -> String {
        format!("ecs-svc/{}", td.rsplit(':').next().unwrap_or_default())
    }

    fn services(deps: Vec<Deployment>) -> DescribeServicesOutput {
        DescribeServicesOutput::builder()
            .services(
                Service::builder()
                    .service_name("web")
                    .set_deployments(Some(deps))
                    .build(),
            )
            .build()
    }

    async fn watch(client: &Client, timeout: Duration) -> Outcome {
        watch_on(client, timeout, &Silent).await
    }

    async fn watch_on(client: &Client, timeout: Duration, reporter: &dyn Reporter) -> Outcome {
        Watch {
            ecs: client,
            cluster: "c",
            service: "web",
            revision: NEW,
            timeout,
            interval: Duration::from_millis(1),
        }
        .run(reporter)
        .await
        .unwrap()
    }

    fn no_stopped_tasks() -> aws_smithy_mocks::Rule {
        mock!(Client::list_tasks).then_output(|| ListTasksOutput::builder().build())
    }

    #[tokio::test]
    async fn a_rollout_that_completes() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(|| {
                services(vec![
                    dep(NEW, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
                    dep(OLD, "ACTIVE", 1, DeploymentRolloutState::Completed, None),
                ])
            })
            .times(2)
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
        let list = no_stopped_tasks();
        let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe, &list]);
        assert_eq!(
            watch(&client, Duration::from_secs(60)).await,
            Outcome::Completed
        );
        assert_eq!(describe.num_calls(), 3);
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
        let reporter = crate::report::Recorded::default();
        assert_eq!(
            watch_on(&client, Duration::from_secs(60), &reporter).await,
            Outcome::Completed
        );
        assert_eq!(tasks.num_calls(), 1, "the stopped task was looked at");
        assert!(reporter.events().is_empty(), "{:?}", reporter.events());
    }

    #[tokio::test]
    async fn the_breaker_rolls_back_and_stopped_tasks_say_why() {
        let describe = mock!(Client::describe_services)
            .sequence()
            .output(|| {
                services(vec![
                    dep(NEW, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
                    dep(OLD, "ACTIVE", 1, DeploymentRolloutState::Completed, None),
                ])
            })
            .output(|| {
                services(vec![
                    dep(OLD, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
                    dep(
                        NEW,
                        "ACTIVE",
                        0,
                        DeploymentRolloutState::Failed,
                        Some("ECS deployment circuit breaker: tasks failed to start."),
                    ),
                ])
            })
            .output(|| {
                services(vec![dep(
                    OLD,
                    "PRIMARY",
                    0,
                    DeploymentRolloutState::InProgress,
                    None,
                )])
            })
            .output(|| {
                services(vec![dep(
                    OLD,
                    "PRIMARY",
                    1,
                    DeploymentRolloutState::Completed,
                    None,
                )])
            })
            .build();
        let list = mock!(Client::list_tasks)
            .sequence()
            .output(|| ListTasksOutput::builder().build())
            .output(|| {
                ListTasksOutput::builder()
                    .task_arns("arn:aws:ecs:us-east-1:1:task/c/abc123")
                    .build()
            })
            .repeatedly()
            .build();
        let tasks = mock!(Client::describe_tasks).then_output(|| {
            DescribeTasksOutput::builder()
                .tasks(
                    Task::builder()
                        .task_arn("arn:aws:ecs:us-east-1:1:task/c/abc123")
                        .task_definition_arn(NEW)
                        .started_by(deployment_id(NEW))
                        .stopped_reason("Essential container in task exited")
                        .containers(Container::builder().name("web").exit_code(3).build())
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe, &list, &tasks]);
        match watch(&client, Duration::from_secs(60)).await {
            Outcome::Failed {
                reason,
                stopped,
                back_on,
            } => {
                assert_eq!(
                    reason,
                    "ECS deployment circuit breaker: tasks failed to start."
                );
                assert_eq!(
                    stopped,
                    ["abc123: Essential container in task exited; web exited 3"]
                );
                assert_eq!(back_on.as_deref(), Some(OLD));
            }
            other => panic!("{other:?}"),
        }
        // Each stopped task is described once, not at every poll.
        assert_eq!(tasks.num_calls(), 1);
    }

    #[tokio::test]
    async fn a_wait_that_times_out() {
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
            .repeatedly()
            .build();
        let list = no_stopped_tasks();
        let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe, &list]);
        match watch(&client, Duration::from_millis(20)).await {
            Outcome::TimedOut { last } => assert_eq!(last, "new lab-web:2: 0/1 running, 1 pending"),
            other => panic!("{other:?}"),
        }
    }
}
