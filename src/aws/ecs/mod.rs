//! ECS, by resource: services, task-definition revisions, one-off tasks.

mod services;
mod task_definitions;
mod tasks;

pub use services::{update_service, ServiceInfo, ServiceSpec};

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, DeploymentRolloutState, NetworkConfiguration, Tag,
};

use crate::aws::error::{unbuilt, AwsError};
use crate::aws::pairs::pairs;
use mysfits_lab::rollout::{DeploymentView, RolloutState};

fn ecs_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A Fargate task's network (`awsvpc`): these subnets and security group, with a public
/// IP or not; `op` names the call in the error.
fn awsvpc(
    op: &'static str,
    subnets: Vec<String>,
    security_group: &str,
    public_ip: bool,
) -> Result<NetworkConfiguration, AwsError> {
    // An attached lab's tasks may join more than mysfits' own group (comma-separated).
    let groups = security_group
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(String::from)
        .collect();
    let vpc = AwsVpcConfiguration::builder()
        .set_subnets(Some(subnets))
        .set_security_groups(Some(groups))
        .assign_public_ip(if public_ip {
            AssignPublicIp::Enabled
        } else {
            AssignPublicIp::Disabled
        })
        .build()
        .map_err(unbuilt(op))?;
    Ok(NetworkConfiguration::builder()
        .awsvpc_configuration(vpc)
        .build())
}

/// ECS's tags as pairs (as a map: for the ownership check, `names::owned_by`).
fn tag_map<C: FromIterator<(String, String)>>(tags: &[Tag]) -> C {
    pairs(tags, |t| (t.key(), t.value()))
}

/// ECS's answer for a cluster that does not exist: it has no services or tasks.
fn no_cluster(e: &AwsError) -> bool {
    e.is_code("ClusterNotFoundException")
}

/// A deployment as the rollout model reads it.
pub fn deployment_view(d: &aws_sdk_ecs::types::Deployment) -> DeploymentView {
    DeploymentView {
        // ECS's deployment status is a string in the API: PRIMARY, ACTIVE or INACTIVE.
        primary: d.status() == Some("PRIMARY"),
        task_definition: d.task_definition().unwrap_or_default().to_string(),
        desired: d.desired_count(),
        running: d.running_count(),
        pending: d.pending_count(),
        rollout_state: d.rollout_state().and_then(|r| match r {
            DeploymentRolloutState::InProgress => Some(RolloutState::InProgress),
            DeploymentRolloutState::Completed => Some(RolloutState::Completed),
            DeploymentRolloutState::Failed => Some(RolloutState::Failed),
            _ => None,
        }),
        rollout_reason: d.rollout_state_reason().map(String::from),
    }
}
