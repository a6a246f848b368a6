//! ECS, by resource: services, task-definition revisions, one-off tasks.

mod services;
mod task_definitions;
mod tasks;

pub use services::{update_service, ServiceInfo, ServiceSpec};
pub use task_definitions::TaskSpec;

use aws_sdk_ecs::types::{DeploymentRolloutState, Tag};

use mysfits_lab::rollout::{DeploymentView, RolloutState};

fn ecs_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// ECS's tags as a map, for the ownership check (`names::owned_by`).
fn tag_map(tags: &[Tag]) -> std::collections::BTreeMap<String, String> {
    tags.iter()
        .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
        .collect()
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
