//! ECS services: created through the API as the lab does (CloudFormation-made ones lose
//! their Fargate and load-balancer fields in moto), rolled, and deleted.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_ecs::types::{
    DeploymentCircuitBreaker, DeploymentConfiguration, LaunchType, LoadBalancer, PropagateTags,
    ServiceField,
};

use super::{awsvpc, deployment_view, ecs_tags, no_cluster, tag_map};
use crate::aws::error::{Answer, AwsError, NoneIf};
use crate::aws::pages::all_pages;
use crate::aws::poll::{Look, Poll, Waited};
use crate::aws::Aws;
use crate::report::Row;
use mysfits_lab::names::owned_by;
use mysfits_lab::rollout::DeploymentView;

/// A service's deletion (draining its tasks) is waited for this long.
const SERVICE_DELETE_TIMEOUT: Duration = Duration::from_secs(900);

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
    /// ECS's health-check grace period, from the target group's health check.
    pub grace_seconds: u32,
    pub tags: Vec<(String, String)>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ServiceInfo {
    pub name: String,
    pub arn: String,
    pub status: String,
    #[serde(skip)]
    pub deleted: bool,
    pub task_definition: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub deployments: Vec<DeploymentView>,
    pub target_groups: Vec<String>,
    #[serde(skip)]
    pub grace_seconds: Option<i32>,
    #[serde(skip)]
    pub tags: BTreeMap<String, String>,
    /// Its tasks' network: subnets, security groups, whether they get a public IP.
    #[serde(skip)]
    pub network: (Vec<String>, Vec<String>, bool),
}

fn service_info(s: &aws_sdk_ecs::types::Service) -> ServiceInfo {
    ServiceInfo {
        name: s.service_name().unwrap_or_default().to_string(),
        arn: s.service_arn().unwrap_or_default().to_string(),
        status: s.status().unwrap_or_default().to_string(),
        // A string in the ECS API: ACTIVE, DRAINING or INACTIVE (deleted, listed for a while).
        deleted: s.status() == Some("INACTIVE"),
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
        grace_seconds: s.health_check_grace_period_seconds(),
        tags: tag_map(s.tags()),
        network: s
            .network_configuration()
            .and_then(|n| n.awsvpc_configuration())
            .map(|v| {
                let public = v
                    .assign_public_ip()
                    .is_some_and(|p| p.as_str() == "ENABLED");
                (v.subnets().to_vec(), v.security_groups().to_vec(), public)
            })
            .unwrap_or_default(),
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
            .find(|s| !s.deleted))
    }

    /// Up to 10 services per call, with their tags.
    pub async fn describe_services(
        &self,
        cluster: &str,
        names: &[String],
    ) -> Result<Vec<ServiceInfo>, AwsError> {
        let mut out = Vec::new();
        for chunk in names.chunks(10) {
            let call = self
                .ecs
                .describe_services()
                .cluster(cluster)
                .set_services(Some(chunk.to_vec()))
                .include(ServiceField::Tags);
            let answer = call.send().answer("describe services").await;
            let Some(resp) = answer.none_if(no_cluster)? else {
                return Ok(vec![]);
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
        let all = self.cluster_services(cluster).await?;
        Ok(all.into_iter().filter(|s| owned_by(&s.tags, lab)).collect())
    }

    /// Every service of the cluster not deleted, with its tags; a missing cluster has none.
    pub async fn cluster_services(&self, cluster: &str) -> Result<Vec<ServiceInfo>, AwsError> {
        let pages = self.ecs.list_services().cluster(cluster).into_paginator();
        let arns = all_pages(pages.send(), "list services", |p| p.service_arns().to_vec());
        let Some(arns) = arns.await.none_if(no_cluster)? else {
            return Ok(vec![]);
        };
        Ok(self
            .describe_services(cluster, &arns)
            .await?
            .into_iter()
            .filter(|s| !s.deleted)
            .collect())
    }

    pub async fn create_service(&self, spec: &ServiceSpec) -> Result<ServiceInfo, AwsError> {
        let network = awsvpc(
            "create service",
            spec.subnets.clone(),
            &spec.security_group,
            spec.public_ip,
        )?;
        let call = self
            .ecs
            .create_service()
            .cluster(&spec.cluster)
            .service_name(&spec.name)
            .task_definition(&spec.task_definition)
            .desired_count(spec.desired as i32)
            .launch_type(LaunchType::Fargate)
            .network_configuration(network)
            .load_balancers(
                LoadBalancer::builder()
                    .target_group_arn(&spec.target_group)
                    .container_name(&spec.container)
                    .container_port(spec.port as i32)
                    .build(),
            )
            // Time for a new task to pass its first health checks before ECS judges it.
            .health_check_grace_period_seconds(spec.grace_seconds as i32)
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
            .set_tags(Some(ecs_tags(&spec.tags)));
        let out = call.send().answer("create service").await?;
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
        row: &Row<'_>,
    ) -> Result<(), AwsError> {
        row.update("scaling to 0");
        self.ecs
            .update_service()
            .cluster(cluster)
            .service(name)
            .desired_count(0)
            .send()
            .answer("scale service to 0")
            .await?;
        row.update("deleting");
        self.ecs
            .delete_service()
            .cluster(cluster)
            .service(name)
            .force(true)
            .send()
            .answer("delete service")
            .await?;
        let mut poll = Poll::new(Duration::from_secs(2), SERVICE_DELETE_TIMEOUT);
        let gone = poll
            .until(async || {
                match self
                    .describe_services(cluster, &[name.to_string()])
                    .await?
                    .first()
                {
                    None => Ok(Look::Done(())),
                    Some(s) if s.deleted => Ok(Look::Done(())),
                    Some(s) => {
                        row.update(&format!("{} ({} running)", s.status, s.running));
                        Ok(Look::Pending(()))
                    }
                }
            })
            .await?;
        match gone {
            Waited::Done(()) => Ok(()),
            Waited::Expired(()) => Err(AwsError::NotDone {
                op: "delete service",
                waited: SERVICE_DELETE_TIMEOUT.as_secs(),
            }),
        }
    }

    /// Changes only the service's health-check grace period: no new deployment.
    pub async fn set_grace_period(
        &self,
        cluster: &str,
        name: &str,
        seconds: u32,
    ) -> Result<(), AwsError> {
        let call = self
            .ecs
            .update_service()
            .cluster(cluster)
            .service(name)
            .health_check_grace_period_seconds(seconds as i32);
        call.send().answer("set service grace period").await?;
        Ok(())
    }

    /// Points the service at a revision (and a desired count, when given); ECS starts a
    /// deployment.
    pub async fn update_service_revision(
        &self,
        cluster: &str,
        name: &str,
        revision: &str,
        desired: Option<i32>,
    ) -> Result<(), AwsError> {
        update_service(&self.ecs, cluster, name, revision, desired).await
    }
}

/// UpdateService to `revision`, and to `desired` tasks when given.
pub async fn update_service(
    ecs: &aws_sdk_ecs::Client,
    cluster: &str,
    name: &str,
    revision: &str,
    desired: Option<i32>,
) -> Result<(), AwsError> {
    let call = ecs
        .update_service()
        .cluster(cluster)
        .service(name)
        .task_definition(revision)
        .set_desired_count(desired);
    call.send().answer("update service").await?;
    Ok(())
}
