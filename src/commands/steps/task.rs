//! Task definitions of manifest services: the environment with its placeholders resolved,
//! the roles and log group from the stack.

use std::collections::BTreeMap;

use crate::aws::ecs::{ServiceInfo, ServiceSpec};
use crate::commands::Ctx;
use crate::error::Error;
use mysfits_lab::manifest::{resolve, Service};
use mysfits_lab::names::Lab;
use mysfits_lab::outputs::{MissingOutput, StackOutputs};
use mysfits_lab::task_definition::TaskSpec;

pub fn task_spec(
    lab: &Lab,
    service: &Service,
    outputs: &StackOutputs,
    region: &str,
    image: &str,
) -> Result<TaskSpec, MissingOutput> {
    let values = BTreeMap::from([
        ("alb_dns", outputs.alb_dns_name.clone()),
        // An attached lab has no table of its own: `${table}` is then empty.
        ("table", outputs.table_name.clone().unwrap_or_default()),
        ("region", region.to_string()),
        ("lab", lab.to_string()),
        // Likewise its clickstream.
        (
            "clicks_stream",
            outputs
                .modern
                .as_ref()
                .map(|m| m.clicks_stream.clone())
                .unwrap_or_default(),
        ),
    ]);
    Ok(TaskSpec {
        family: lab.family(&service.name),
        container: service.name.clone(),
        image: image.to_string(),
        port: service.port,
        cpu: service.cpu,
        memory: service.memory,
        environment: service
            .environment
            .iter()
            .map(|(k, v)| (k.clone(), resolve(v, &values)))
            .collect(),
        log_group: outputs.log_group_name.clone(),
        region: region.to_string(),
        execution_role: outputs.execution_role_arn.clone(),
        task_role: outputs.task_role_arn.clone(),
        platform: service.platform,
        tags: lab.tags(Some(&service.name)),
    })
}

/// A Fargate service of a manifest service behind `target_group`, placed where the stack
/// says tasks run (its `TaskSubnets` output follows `up --private-tasks`).
pub fn service_spec(
    lab: &Lab,
    service: &Service,
    outputs: &StackOutputs,
    task_definition: &str,
    target_group: &str,
) -> Result<ServiceSpec, MissingOutput> {
    Ok(ServiceSpec {
        cluster: outputs.cluster_name.clone(),
        name: service.name.clone(),
        task_definition: task_definition.to_string(),
        desired: service.count,
        subnets: outputs.task_subnets.clone(),
        security_group: outputs.task_security_group.clone(),
        public_ip: outputs.task_assign_public_ip.as_str() == "ENABLED",
        target_group: target_group.to_string(),
        container: service.name.clone(),
        port: service.port,
        grace_seconds: service.health_check.grace_seconds(),
        tags: lab.tags(Some(&service.name)),
    })
}

/// An existing service's grace period brought in line with its health check (the
/// manifest's changed since the service was made): what changed, for its row.
pub async fn ensure_grace(
    ctx: &Ctx<'_>,
    cluster: &str,
    existing: &ServiceInfo,
    service: &Service,
) -> Result<Option<String>, Error> {
    let wanted = service.health_check.grace_seconds();
    if existing.grace_seconds == Some(wanted as i32) {
        return Ok(None);
    }
    ctx.aws
        .set_grace_period(cluster, &service.name, wanted)
        .await?;
    let was = existing
        .grace_seconds
        .map_or("none".to_string(), |g| format!("{g} s"));
    Ok(Some(format!(
        "health-check grace period set to {wanted} s (was {was})"
    )))
}

/// A service of that name the lab did not make (an attached lab shares a cluster) is
/// refused before anything is built, registered or created: mysfits never adopts it.
pub async fn refuse_foreign_service(ctx: &Ctx<'_>, cluster: &str, name: &str) -> Result<(), Error> {
    if let Some(found) = ctx.aws.describe_service(cluster, name).await? {
        if !mysfits_lab::names::owned_by(&found.tags, ctx.lab.name()) {
            return Err(crate::error::AttachError::ForeignService {
                service: name.to_string(),
                cluster: cluster.to_string(),
                lab: ctx.lab.to_string(),
            }
            .into());
        }
    }
    Ok(())
}
