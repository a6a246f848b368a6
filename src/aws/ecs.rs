//! ECS: task-definition revisions and Fargate services, created through the API as the
//! lab does (CloudFormation-made ones lose their Fargate and load-balancer fields in moto).

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, Compatibility, ContainerDefinition, CpuArchitecture,
    DeploymentCircuitBreaker, DeploymentConfiguration, KeyValuePair, LaunchType, LoadBalancer,
    LogConfiguration, LogDriver, NetworkConfiguration, NetworkMode, OsFamily, PortMapping,
    PropagateTags, RuntimePlatform, ServiceField, Tag, TaskDefinitionField, TransportProtocol,
};

use super::error::{map, AwsError};
use super::poll::Poll;

/// A service's deletion (draining its tasks) is waited for this long.
const SERVICE_DELETE_TIMEOUT: Duration = Duration::from_secs(900);
use super::Aws;
use crate::lab::names::TAG_LAB;
use crate::lab::platform::Platform;
use crate::lab::rollout::DeploymentView;
use crate::report::Reporter;

/// Everything a revision of a service's task definition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub family: String,
    pub container: String,
    pub image: String,
    pub port: u16,
    pub cpu: u32,
    pub memory: u32,
    pub environment: BTreeMap<String, String>,
    pub log_group: String,
    pub region: String,
    pub execution_role: String,
    pub task_role: String,
    /// The image's platform: the revision's `runtimePlatform`.
    pub platform: Platform,
    pub tags: Vec<(String, String)>,
}

/// Where and how a Fargate service runs.
#[derive(Debug, Clone)]
pub struct ServiceSpec {
    pub cluster: String,
    pub name: String,
    pub task_definition: String,
    pub desired: u32,
    pub subnets: Vec<String>,
    pub security_group: String,
    pub public_ip: bool,
    pub target_group: String,
    pub container: String,
    pub port: u16,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ServiceInfo {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub task_definition: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub deployments: Vec<DeploymentView>,
    pub target_groups: Vec<String>,
    #[serde(skip)]
    pub tags: BTreeMap<String, String>,
}

fn ecs_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// A deployment as the rollout model reads it.
pub fn deployment_view(d: &aws_sdk_ecs::types::Deployment) -> DeploymentView {
    DeploymentView {
        status: d.status().unwrap_or_default().to_string(),
        task_definition: d.task_definition().unwrap_or_default().to_string(),
        desired: d.desired_count(),
        running: d.running_count(),
        pending: d.pending_count(),
        rollout_state: d.rollout_state().map(|r| r.as_str().to_string()),
        rollout_reason: d.rollout_state_reason().map(String::from),
    }
}

fn service_info(s: &aws_sdk_ecs::types::Service) -> ServiceInfo {
    ServiceInfo {
        name: s.service_name().unwrap_or_default().to_string(),
        arn: s.service_arn().unwrap_or_default().to_string(),
        status: s.status().unwrap_or_default().to_string(),
        task_definition: s.task_definition().unwrap_or_default().to_string(),
        desired: s.desired_count(),
        running: s.running_count(),
        pending: s.pending_count(),
        deployments: s.deployments().iter().map(deployment_view).collect(),
        target_groups: s
            .load_balancers()
            .iter()
            .filter_map(|lb| lb.target_group_arn().map(String::from))
            .collect(),
        tags: s
            .tags()
            .iter()
            .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
            .collect(),
    }
}

impl Aws {
    /// The service when it exists and is not deleted.
    pub async fn describe_service(
        &self,
        cluster: &str,
        name: &str,
    ) -> Result<Option<ServiceInfo>, AwsError> {
        Ok(self
            .describe_services(cluster, &[name.to_string()])
            .await?
            .into_iter()
            .find(|s| s.status != "INACTIVE"))
    }

    /// Up to 10 services per call, with their tags.
    pub async fn describe_services(
        &self,
        cluster: &str,
        names: &[String],
    ) -> Result<Vec<ServiceInfo>, AwsError> {
        let mut out = Vec::new();
        for chunk in names.chunks(10) {
            let resp = match self
                .ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .include(ServiceField::Tags)
                .send()
                .await
                .map_err(map("describe services"))
            {
                Ok(r) => r,
                Err(e) if e.is_code("ClusterNotFoundException") => return Ok(vec![]),
                Err(e) => return Err(e),
            };
            out.extend(resp.services().iter().map(service_info));
        }
        Ok(out)
    }

    /// Services in the cluster that carry this lab's tag; a missing cluster has none.
    pub async fn lab_services(
        &self,
        cluster: &str,
        lab: &str,
    ) -> Result<Vec<ServiceInfo>, AwsError> {
        let mut arns = Vec::new();
        let mut pages = self
            .ecs
            .list_services()
            .cluster(cluster)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page.map_err(map("list services")) {
                Ok(p) => arns.extend(p.service_arns().iter().cloned()),
                Err(e) if e.is_code("ClusterNotFoundException") => return Ok(vec![]),
                Err(e) => return Err(e),
            }
        }
        Ok(self
            .describe_services(cluster, &arns)
            .await?
            .into_iter()
            .filter(|s| {
                s.status != "INACTIVE" && s.tags.get(TAG_LAB).map(String::as_str) == Some(lab)
            })
            .collect())
    }

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
                    .map_err(|e| AwsError::Other {
                        op: "register task definition",
                        detail: e.to_string(),
                    })?,
            )
            .build();
        let out = self
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
            .set_tags(Some(ecs_tags(&spec.tags)))
            .send()
            .await
            .map_err(map("register task definition"))?;
        Ok(out
            .task_definition()
            .and_then(|t| t.task_definition_arn())
            .unwrap_or_default()
            .to_string())
    }

    pub async fn create_service(&self, spec: &ServiceSpec) -> Result<ServiceInfo, AwsError> {
        let network = AwsVpcConfiguration::builder()
            .set_subnets(Some(spec.subnets.clone()))
            .security_groups(&spec.security_group)
            .assign_public_ip(if spec.public_ip {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            })
            .build()
            .map_err(|e| AwsError::Other {
                op: "create service",
                detail: e.to_string(),
            })?;
        let out = self
            .ecs
            .create_service()
            .cluster(&spec.cluster)
            .service_name(&spec.name)
            .task_definition(&spec.task_definition)
            .desired_count(spec.desired as i32)
            .launch_type(LaunchType::Fargate)
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(network)
                    .build(),
            )
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(&spec.target_group)
                    .container_name(&spec.container)
                    .container_port(spec.port as i32)
                    .build(),
            )
            // Time for a new task to pass its first health checks before ECS judges it.
            .health_check_grace_period_seconds(60)
            .deployment_configuration(
                DeploymentConfiguration::builder()
                    .deployment_circuit_breaker(
                        DeploymentCircuitBreaker::builder()
                            .enable(true)
                            .rollback(true)
                            .build(),
                    )
                    .maximum_percent(200)
                    .minimum_healthy_percent(100)
                    .build(),
            )
            .propagate_tags(PropagateTags::Service)
            .enable_ecs_managed_tags(true)
            .set_tags(Some(ecs_tags(&spec.tags)))
            .send()
            .await
            .map_err(map("create service"))?;
        out.service()
            .map(service_info)
            .ok_or_else(|| AwsError::Other {
                op: "create service",
                detail: "the answer held no service".into(),
            })
    }

    /// Scales to zero, deletes, and waits until ECS reports the service gone.
    pub async fn delete_service(
        &self,
        cluster: &str,
        name: &str,
        reporter: &dyn Reporter,
    ) -> Result<(), AwsError> {
        reporter.update(name, "scaling to 0");
        self.ecs
            .update_service()
            .cluster(cluster)
            .service(name)
            .desired_count(0)
            .send()
            .await
            .map_err(map("scale service to 0"))?;
        reporter.update(name, "deleting");
        self.ecs
            .delete_service()
            .cluster(cluster)
            .service(name)
            .force(true)
            .send()
            .await
            .map_err(map("delete service"))?;
        let mut poll = Poll::new(Duration::from_secs(2), SERVICE_DELETE_TIMEOUT);
        loop {
            match self
                .describe_services(cluster, &[name.to_string()])
                .await?
                .first()
            {
                None => return Ok(()),
                Some(s) if s.status == "INACTIVE" => return Ok(()),
                Some(s) => reporter.update(name, &format!("{} ({} running)", s.status, s.running)),
            }
            if poll.expired() {
                return Err(AwsError::NotDone {
                    op: "delete service",
                    waited: SERVICE_DELETE_TIMEOUT.as_secs(),
                });
            }
            poll.wait().await;
        }
    }

    /// ACTIVE revisions of the lab's families (`<lab>-…`) that carry the lab's tag: the
    /// name alone would also catch a lab named `<lab>-dev`. (`familyPrefix` of
    /// ListTaskDefinitions takes a whole family name, so the prefix is matched here.)
    pub async fn lab_task_definitions(&self, lab: &str) -> Result<Vec<String>, AwsError> {
        let mut arns = Vec::new();
        let prefix = format!(":task-definition/{lab}-");
        let mut pages = self.ecs.list_task_definitions().into_paginator().send();
        while let Some(page) = pages.next().await {
            arns.extend(
                page.map_err(map("list task definitions"))?
                    .task_definition_arns()
                    .iter()
                    .filter(|a| a.contains(&prefix))
                    .cloned(),
            );
        }
        let checks = arns.iter().map(|arn| async move {
            let out = self
                .ecs
                .describe_task_definition()
                .task_definition(arn)
                .include(TaskDefinitionField::Tags)
                .send()
                .await
                .map_err(map("describe task definition"))?;
            let owned = out
                .tags()
                .iter()
                .any(|t| t.key() == Some(TAG_LAB) && t.value() == Some(lab));
            Ok::<_, AwsError>(owned.then(|| arn.clone()))
        });
        Ok(futures::future::try_join_all(checks)
            .await?
            .into_iter()
            .flatten()
            .collect())
    }

    pub async fn deregister_task_definition(&self, arn: &str) -> Result<(), AwsError> {
        self.ecs
            .deregister_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(map("deregister task definition"))?;
        Ok(())
    }

    /// The image of a revision's first container.
    pub async fn task_definition_image(&self, arn: &str) -> Result<Option<String>, AwsError> {
        let out = self
            .ecs
            .describe_task_definition()
            .task_definition(arn)
            .send()
            .await
            .map_err(map("describe task definition"))?;
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
        let out = match self
            .ecs
            .describe_task_definition()
            .task_definition(family)
            .include(TaskDefinitionField::Tags)
            .send()
            .await
            .map_err(map("describe task definition"))
        {
            Ok(out) => out,
            // ECS answers a family with no ACTIVE revision with a ClientException.
            Err(e) if e.is_code("ClientException") => return Ok(None),
            Err(e) => return Err(e),
        };
        let Some(td) = out.task_definition() else {
            return Ok(None);
        };
        if td.status().map(|s| s.as_str()) != Some("ACTIVE") {
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
            environment: c
                .environment()
                .iter()
                .filter_map(|kv| Some((kv.name()?.to_string(), kv.value()?.to_string())))
                .collect(),
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
            tags: out
                .tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value()?.to_string())))
                .collect(),
        };
        Ok(Some((
            td.task_definition_arn().unwrap_or_default().to_string(),
            spec,
        )))
    }

    /// Points the service at a revision; ECS starts a deployment.
    pub async fn update_service_revision(
        &self,
        cluster: &str,
        name: &str,
        revision: &str,
    ) -> Result<(), AwsError> {
        self.ecs
            .update_service()
            .cluster(cluster)
            .service(name)
            .task_definition(revision)
            .send()
            .await
            .map_err(map("update service"))?;
        Ok(())
    }
}

/// A one-off task as `run` follows it.
#[derive(Debug, Clone)]
pub struct TaskState {
    pub last_status: String,
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
        let network = AwsVpcConfiguration::builder()
            .set_subnets(Some(subnets))
            .security_groups(security_group)
            .assign_public_ip(if public_ip {
                AssignPublicIp::Enabled
            } else {
                AssignPublicIp::Disabled
            })
            .build()
            .map_err(|e| AwsError::Other {
                op: "run task",
                detail: e.to_string(),
            })?;
        let out = self
            .ecs
            .run_task()
            .cluster(cluster)
            .task_definition(task_definition)
            .launch_type(LaunchType::Fargate)
            .count(1)
            .started_by("mysfits-run")
            .network_configuration(
                NetworkConfiguration::builder()
                    .awsvpc_configuration(network)
                    .build(),
            )
            .set_tags(Some(ecs_tags(tags)))
            .send()
            .await
            .map_err(map("run task"))?;
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
        let out = self
            .ecs
            .describe_tasks()
            .cluster(cluster)
            .tasks(arn)
            .send()
            .await
            .map_err(map("describe task"))?;
        let t = out.tasks().first().ok_or(AwsError::Other {
            op: "describe task",
            detail: format!("task {arn} is gone"),
        })?;
        Ok(TaskState {
            last_status: t.last_status().unwrap_or_default().to_string(),
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
        match self
            .ecs
            .list_tasks()
            .cluster(cluster)
            .started_by("mysfits-run")
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
            .send()
            .await
            .map_err(map("list run tasks"))
        {
            Ok(out) => Ok(out.task_arns().to_vec()),
            Err(e) if e.is_code("ClusterNotFoundException") => Ok(vec![]),
            Err(e) => Err(e),
        }
    }

    pub async fn stop_task(&self, cluster: &str, arn: &str, reason: &str) -> Result<(), AwsError> {
        self.ecs
            .stop_task()
            .cluster(cluster)
            .task(arn)
            .reason(reason)
            .send()
            .await
            .map_err(map("stop task"))?;
        Ok(())
    }
}

impl TaskSpec {
    /// Whether a registered revision already runs this: tags and order do not matter.
    pub fn same_revision(&self, other: &TaskSpec) -> bool {
        let strip = |t: &TaskSpec| TaskSpec {
            tags: vec![],
            ..t.clone()
        };
        strip(self) == strip(other)
    }
}
