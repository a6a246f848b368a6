//! Task definitions of manifest services: the environment with its placeholders resolved,
//! the roles and log group from the stack.

use std::collections::BTreeMap;

use crate::aws::ecs::{ServiceSpec, TaskSpec};
use crate::lab::manifest::{resolve, Service};
use crate::lab::names::Lab;
use crate::lab::outputs::{MissingOutput, StackOutputs};

pub fn task_spec(
    lab: &Lab,
    service: &Service,
    outputs: &StackOutputs,
    region: &str,
    image: &str,
) -> Result<TaskSpec, MissingOutput> {
    let values = BTreeMap::from([
        ("alb_dns", outputs.get("AlbDnsName")?.to_string()),
        ("table", outputs.get("TableName")?.to_string()),
        ("region", region.to_string()),
        ("lab", lab.to_string()),
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
        log_group: outputs.get("LogGroupName")?.to_string(),
        region: region.to_string(),
        execution_role: outputs.get("ExecutionRoleArn")?.to_string(),
        task_role: outputs.get("TaskRoleArn")?.to_string(),
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
        cluster: outputs.get("ClusterName")?.to_string(),
        name: service.name.clone(),
        task_definition: task_definition.to_string(),
        desired: service.count,
        subnets: outputs.list("TaskSubnets")?,
        security_group: outputs.get("TaskSecurityGroup")?.to_string(),
        public_ip: outputs.get("TaskAssignPublicIp")? == "ENABLED",
        target_group: target_group.to_string(),
        container: service.name.clone(),
        port: service.port,
        tags: lab.tags(Some(&service.name)),
    })
}
