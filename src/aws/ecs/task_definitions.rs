//! ECS task-definition revisions: registered only when something changed, found by
//! family, and deregistered by cleanup.

use aws_sdk_ecs::operation::describe_task_definition::DescribeTaskDefinitionOutput;
use aws_sdk_ecs::types::{
    Compatibility, ContainerDefinition, CpuArchitecture, KeyValuePair, LogConfiguration, LogDriver,
    NetworkMode, OsFamily, PortMapping, RuntimePlatform, TaskDefinitionField, TaskDefinitionStatus,
    TransportProtocol,
};

use super::ecs_tags;
use crate::aws::error::{unbuilt, Answer, AwsError, NoneIf};
use crate::aws::pages::all_pages;
use crate::aws::pairs::pairs;
use crate::aws::Aws;
use mysfits_lab::names::owned_by;

use super::tag_map;
use mysfits_lab::platform::Platform;
use mysfits_lab::task_definition::TaskSpec;

impl Aws {
    pub async fn register_task_definition(&self, spec: &TaskSpec) -> Result<String, AwsError> {
        let container = ContainerDefinition::builder()
            .name(&spec.container)
            .image(&spec.image)
            .essential(true)
            // run-task on Fargate in moto needs a container-level reservation; AWS accepts it.
            .memory_reservation(spec.memory as i32)
            .port_mappings(
                PortMapping::builder()
                    .container_port(spec.port as i32)
                    .protocol(TransportProtocol::Tcp)
                    .build(),
            )
            .set_environment(Some(
                spec.environment
                    .iter()
                    .map(|(k, v)| KeyValuePair::builder().name(k).value(v).build())
                    .collect(),
            ))
            .log_configuration(
                LogConfiguration::builder()
                    .log_driver(LogDriver::Awslogs)
                    .options("awslogs-group", &spec.log_group)
                    .options("awslogs-region", &spec.region)
                    .options("awslogs-stream-prefix", &spec.container)
                    .build()
                    .map_err(unbuilt("register task definition"))?,
            )
            .build();
        let call = self
            .ecs
            .register_task_definition()
            .family(&spec.family)
            .requires_compatibilities(Compatibility::Fargate)
            .network_mode(NetworkMode::Awsvpc)
            .cpu(spec.cpu.to_string())
            .memory(spec.memory.to_string())
            .execution_role_arn(&spec.execution_role)
            .task_role_arn(&spec.task_role)
            .runtime_platform(
                RuntimePlatform::builder()
                    .cpu_architecture(CpuArchitecture::from(spec.platform.cpu_architecture()))
                    .operating_system_family(OsFamily::Linux)
                    .build(),
            )
            .container_definitions(container)
            .set_tags(Some(ecs_tags(&spec.tags)));
        let out = call.send().answer("register task definition").await?;
        Ok(out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string())
    }

    /// ACTIVE revisions of the lab's families (`<lab>-…`) that carry the lab's tag: the
    /// name alone would also catch a lab named `<lab>-dev`. (`familyPrefix` of
    /// ListTaskDefinitions takes a whole family name, so the prefix is matched here.)
    pub async fn lab_task_definitions(&self, lab: &str) -> Result<Vec<String>, AwsError> {
        let prefix = format!(":task-definition/{lab}-");
        let pages = self.ecs.list_task_definitions().into_paginator().send();
        let arns = all_pages(pages, "list task definitions", |p| {
            let arns = p.task_definition_arns().iter();
            arns.filter(|a| a.contains(&prefix)).cloned().collect()
        })
        .await?;
        let checks = arns.iter().map(|arn| async move {
            let out = self.describe_revision(arn, true).await?;
            let owned = owned_by(&tag_map(out.tags()), lab);
            Ok::<_, AwsError>(owned.then(|| arn.clone()))
        });
        Ok(futures::future::try_join_all(checks)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    /// A revision (an ARN, or a family for its latest), with its tags when asked.
    async fn describe_revision(
        &self,
        revision: &str,
        with_tags: bool,
    ) -> Result<DescribeTaskDefinitionOutput, AwsError> {
        let tags = with_tags.then(|| vec![TaskDefinitionField::Tags]);
        let call = self
            .ecs
            .describe_task_definition()
            .task_definition(revision);
        let answer = call.set_include(tags).send();
        answer.answer("describe task definition").await
    }

    pub async fn deregister_task_definition(&self, arn: &str) -> Result<(), AwsError> {
        let call = self.ecs.deregister_task_definition().task_definition(arn);
        call.send().answer("deregister task definition").await?;
        Ok(())
    }

    /// The image of a revision's first container.
    pub async fn task_definition_image(&self, arn: &str) -> Result<Option<String>, AwsError> {
        let out = self.describe_revision(arn, false).await?;
        Ok(out
            .task_definition()
            .and_then(|t| t.container_definitions().first())
            .and_then(|c| c.image())
            .map(String::from))
    }

    /// The family's latest ACTIVE revision, read back as a [`TaskSpec`] to compare with.
    pub async fn latest_revision(
        &self,
        family: &str,
    ) -> Result<Option<(String, TaskSpec)>, AwsError> {
        // ECS answers a family with no ACTIVE revision with a ClientException.
        let answer = self.describe_revision(family, true).await;
        let Some(out) = answer.none_if(|e| e.is_code("ClientException"))? else {
            return Ok(None);
        };
        let Some(td) = out.task_definition() else {
            return Ok(None);
        };
        if td.status() != Some(&TaskDefinitionStatus::Active) {
            return Ok(None);
        }
        let Some(c) = td.container_definitions().first() else {
            return Ok(None);
        };
        let log = c.log_configuration().and_then(|l| l.options());
        let opt = |k: &str| log.and_then(|o| o.get(k)).cloned().unwrap_or_default();
        let spec = TaskSpec {
            family: td.family().unwrap_or_default().to_string(),
            container: c.name().unwrap_or_default().to_string(),
            image: c.image().unwrap_or_default().to_string(),
            port: c
                .port_mappings()
                .first()
                .and_then(|p| p.container_port())
                .unwrap_or_default() as u16,
            cpu: td.cpu().and_then(|v| v.parse().ok()).unwrap_or_default(),
            memory: td.memory().and_then(|v| v.parse().ok()).unwrap_or_default(),
            environment: pairs(c.environment(), |kv| (kv.name(), kv.value())),
            log_group: opt("awslogs-group"),
            region: opt("awslogs-region"),
            execution_role: td.execution_role_arn().unwrap_or_default().to_string(),
            task_role: td.task_role_arn().unwrap_or_default().to_string(),
            // ECS names only these two today; none set means X86_64.
            platform: Platform::from_cpu_architecture(
                td.runtime_platform()
                    .and_then(|p| p.cpu_architecture())
                    .map(|a| a.as_str()),
            )
            .unwrap_or_default(),
            tags: tag_map(out.tags()),
        };
        Ok(Some((
            td.task_definition_arn().unwrap_or_default().to_string(),
            spec,
        )))
    }
}
