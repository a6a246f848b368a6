//! One-off ECS tasks: `mysfits run`'s smoke test, followed until it runs, then stopped.

use aws_sdk_ecs::types::LaunchType;

use super::{awsvpc, ecs_tags, no_cluster};
use crate::aws::error::{Answer, AwsError, NoneIf};
use crate::aws::Aws;
use mysfits_lab::task::TaskPhase;

/// A one-off task as `run` follows it.
#[derive(Debug, Clone)]
pub struct TaskState {
    /// As ECS names it, for the progress row.
    pub last_status: String,
    pub phase: TaskPhase,
    pub stopped_reason: Option<String>,
    pub network_interface: Option<String>,
}

impl Aws {
    /// One Fargate task outside any service, tagged as the lab's.
    pub async fn run_task(
        &self,
        cluster: &str,
        task_definition: &str,
        subnets: Vec<String>,
        security_group: &str,
        public_ip: bool,
        tags: &[(String, String)],
    ) -> Result<String, AwsError> {
        let network = awsvpc("run task", subnets, security_group, public_ip)?;
        let call = self
            .ecs
            .run_task()
            .cluster(cluster)
            .task_definition(task_definition)
            .launch_type(LaunchType::Fargate)
            .count(1)
            .started_by("mysfits-run")
            .network_configuration(network)
            .set_tags(Some(ecs_tags(tags)));
        let out = call.send().answer("run task").await?;
        if let Some(f) = out.failures().first() {
            return Err(AwsError::Other {
                op: "run task",
                detail: format!(
                    "{}: {}",
                    f.reason().unwrap_or("failed"),
                    f.detail().unwrap_or_default()
                ),
            });
        }
        out.tasks()
            .first()
            .and_then(|t| t.task_arn())
            .map(String::from)
            .ok_or(AwsError::Other {
                op: "run task",
                detail: "the answer held no task".into(),
            })
    }

    pub async fn describe_task(&self, cluster: &str, arn: &str) -> Result<TaskState, AwsError> {
        let call = self.ecs.describe_tasks().cluster(cluster).tasks(arn);
        let out = call.send().answer("describe task").await?;
        let t = out.tasks().first().ok_or(AwsError::Other {
            op: "describe task",
            detail: format!("task {arn} is gone"),
        })?;
        Ok(TaskState {
            last_status: t.last_status().unwrap_or_default().to_string(),
            phase: TaskPhase::of(t.last_status().unwrap_or_default()),
            stopped_reason: t.stopped_reason().map(String::from),
            network_interface: t
                .attachments()
                .iter()
                .flat_map(|a| a.details())
                .find(|d| d.name() == Some("networkInterfaceId"))
                .and_then(|d| d.value())
                .map(String::from),
        })
    }

    /// Tasks `mysfits run` started (and `--keep` left) that have not stopped.
    pub async fn run_tasks(&self, cluster: &str) -> Result<Vec<String>, AwsError> {
        let call = self
            .ecs
            .list_tasks()
            .cluster(cluster)
            .started_by("mysfits-run")
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Running);
        let answer = call.send().answer("list run tasks").await;
        Ok(answer
            .none_if(no_cluster)?
            .map(|out| out.task_arns().to_vec())
            .unwrap_or_default())
    }

    pub async fn stop_task(&self, cluster: &str, arn: &str, reason: &str) -> Result<(), AwsError> {
        let call = self
            .ecs
            .stop_task()
            .cluster(cluster)
            .task(arn)
            .reason(reason);
        call.send().answer("stop task").await?;
        Ok(())
    }
}
