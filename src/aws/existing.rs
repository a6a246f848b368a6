//! Reads of a setup mysfits did not make (`attach`): a listener, its load balancer, the
//! default target group and what serves it, subnets and security groups. Nothing here
//! changes anything.

use aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum;

use super::error::{Answer, AwsError, NoneIf};
use super::pages::all_pages;
use super::Aws;

#[derive(Debug, Clone)]
pub struct ListenerInfo {
    pub arn: String,
    pub load_balancer_arn: String,
    pub port: u16,
    pub protocol: String,
    pub default: DefaultAction,
}

/// The listener's default action as far as attaching cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DefaultAction {
    /// Forwards everything to one target group.
    Forward(String),
    /// Anything else (a redirect, a fixed response, a weighted forward to several groups).
    Other(String),
}

#[derive(Debug, Clone)]
pub struct LoadBalancerInfo {
    pub arn: String,
    pub name: String,
    pub dns_name: String,
    pub kind: String,
    pub vpc_id: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TargetGroupKind {
    pub name: String,
    /// `instance`, `ip`, `lambda` or `alb`.
    pub target_type: String,
    pub port: Option<i32>,
    pub health_check_path: Option<String>,
}

/// An ECS service made elsewhere that registers the default target group.
#[derive(Debug, Clone)]
pub struct ForeignService {
    pub cluster: String,
    pub name: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub public_ip: bool,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct SecurityGroupInfo {
    pub id: String,
    pub name: String,
    pub vpc_id: String,
    /// Whether its egress rules let traffic out to anywhere on any TCP port.
    #[serde(skip)]
    pub open_egress: bool,
}

fn listener_info(l: &aws_sdk_elasticloadbalancingv2::types::Listener) -> ListenerInfo {
    let default = match l.default_actions().first() {
        Some(a) if a.r#type() == Some(&ActionTypeEnum::Forward) => {
            let groups: Vec<String> = match a.forward_config() {
                Some(f) if !f.target_groups().is_empty() => f
                    .target_groups()
                    .iter()
                    .filter(|t| t.weight().unwrap_or(1) > 0)
                    .filter_map(|t| t.target_group_arn().map(String::from))
                    .collect(),
                _ => a.target_group_arn().map(String::from).into_iter().collect(),
            };
            match groups.as_slice() {
                [one] => DefaultAction::Forward(one.clone()),
                _ => DefaultAction::Other(format!("forward to {} target groups", groups.len())),
            }
        }
        Some(a) => DefaultAction::Other(
            a.r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
        ),
        None => DefaultAction::Other("none".into()),
    };
    ListenerInfo {
        arn: l.listener_arn().unwrap_or_default().to_string(),
        load_balancer_arn: l.load_balancer_arn().unwrap_or_default().to_string(),
        port: l.port().unwrap_or_default() as u16,
        protocol: l
            .protocol()
            .map(|p| p.as_str().to_string())
            .unwrap_or_default(),
        default,
    }
}

fn not_found(e: &AwsError) -> bool {
    e.code().is_some_and(|c| c.contains("NotFound"))
}

impl Aws {
    /// A listener by ARN; `None` when there is none.
    pub async fn describe_listener(&self, arn: &str) -> Result<Option<ListenerInfo>, AwsError> {
        let call = self.elb.describe_listeners().listener_arns(arn);
        let out = call
            .send()
            .answer("describe listener")
            .await
            .none_if(not_found)?;
        Ok(out.and_then(|o| o.listeners().first().map(listener_info)))
    }

    /// A load balancer's listeners.
    pub async fn listeners_of(&self, load_balancer: &str) -> Result<Vec<ListenerInfo>, AwsError> {
        let pages = self
            .elb
            .describe_listeners()
            .load_balancer_arn(load_balancer)
            .into_paginator()
            .send();
        all_pages(pages, "describe listeners", |p| {
            p.listeners().iter().map(listener_info).collect()
        })
        .await
    }

    /// A load balancer by ARN or by name; `None` when there is none.
    pub async fn describe_load_balancer(
        &self,
        arn_or_name: &str,
    ) -> Result<Option<LoadBalancerInfo>, AwsError> {
        let call = self.elb.describe_load_balancers();
        let call = if arn_or_name.starts_with("arn:") {
            call.load_balancer_arns(arn_or_name)
        } else {
            call.names(arn_or_name)
        };
        let out = call.send().answer("describe load balancer").await;
        let Some(out) = out.none_if(not_found)? else {
            return Ok(None);
        };
        Ok(out.load_balancers().first().map(|lb| LoadBalancerInfo {
            arn: lb.load_balancer_arn().unwrap_or_default().into(),
            name: lb.load_balancer_name().unwrap_or_default().into(),
            dns_name: lb.dns_name().unwrap_or_default().into(),
            kind: lb
                .r#type()
                .map(|t| t.as_str().to_string())
                .unwrap_or_default(),
            vpc_id: lb.vpc_id().unwrap_or_default().into(),
            subnets: lb
                .availability_zones()
                .iter()
                .filter_map(|z| z.subnet_id().map(String::from))
                .collect(),
            security_groups: lb.security_groups().to_vec(),
        }))
    }

    /// A target group's name, target type and VPC; `None` when there is none.
    pub async fn target_group_kind(&self, arn: &str) -> Result<Option<TargetGroupKind>, AwsError> {
        let call = self.elb.describe_target_groups().target_group_arns(arn);
        let out = call.send().answer("describe target group").await;
        let Some(out) = out.none_if(not_found)? else {
            return Ok(None);
        };
        Ok(out.target_groups().first().map(|t| TargetGroupKind {
            name: t.target_group_name().unwrap_or_default().into(),
            target_type: t
                .target_type()
                .map(|k| k.as_str().to_string())
                .unwrap_or_default(),
            port: t.port(),
            health_check_path: t.health_check_path().map(String::from),
        }))
    }

    /// The clusters to search when the manifest names none.
    pub async fn cluster_names(&self) -> Result<Vec<String>, AwsError> {
        let pages = self.ecs.list_clusters().into_paginator().send();
        let arns = all_pages(pages, "list clusters", |p| p.cluster_arns().to_vec()).await?;
        Ok(arns
            .iter()
            .map(|a| mysfits_lab::arn::tail(a).to_string())
            .collect())
    }

    /// An active cluster's ARN; `None` when there is none.
    pub async fn cluster_arn(&self, name: &str) -> Result<Option<String>, AwsError> {
        let call = self.ecs.describe_clusters().clusters(name);
        let out = call.send().answer("describe cluster").await?;
        Ok(out
            .clusters()
            .iter()
            .find(|c| c.status() == Some("ACTIVE"))
            .and_then(|c| c.cluster_arn().map(String::from)))
    }

    /// The service of `cluster` that registers `target_group`, if any.
    pub async fn service_behind(
        &self,
        cluster: &str,
        target_group: &str,
    ) -> Result<Option<ForeignService>, AwsError> {
        let services = self.cluster_services(cluster).await?;
        let found = services
            .into_iter()
            .find(|s| s.target_groups.iter().any(|t| t == target_group));
        Ok(found.map(|s| ForeignService {
            cluster: cluster.to_string(),
            name: s.name,
            subnets: s.network.0,
            security_groups: s.network.1,
            public_ip: s.network.2,
        }))
    }

    /// Each subnet's VPC (subnets that do not exist are missing from the answer).
    pub async fn subnet_vpcs(&self, ids: &[String]) -> Result<Vec<(String, String)>, AwsError> {
        let call = self
            .ec2
            .describe_subnets()
            .set_subnet_ids(Some(ids.to_vec()));
        let out = call
            .send()
            .answer("describe subnets")
            .await
            .none_if(not_found)?;
        Ok(out
            .map(|o| {
                o.subnets()
                    .iter()
                    .map(|s| {
                        (
                            s.subnet_id().unwrap_or_default().to_string(),
                            s.vpc_id().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default())
    }

    pub async fn security_groups(
        &self,
        ids: &[String],
    ) -> Result<Vec<SecurityGroupInfo>, AwsError> {
        if ids.is_empty() {
            return Ok(vec![]);
        }
        let call = self
            .ec2
            .describe_security_groups()
            .set_group_ids(Some(ids.to_vec()));
        let out = call
            .send()
            .answer("describe security groups")
            .await
            .none_if(not_found)?;
        Ok(out
            .map(|o| {
                o.security_groups()
                    .iter()
                    .map(|g| SecurityGroupInfo {
                        id: g.group_id().unwrap_or_default().into(),
                        name: g.group_name().unwrap_or_default().into(),
                        vpc_id: g.vpc_id().unwrap_or_default().into(),
                        open_egress: g.ip_permissions_egress().iter().any(|p| {
                            matches!(p.ip_protocol(), Some("-1") | Some("tcp"))
                                && p.from_port().unwrap_or(0) <= 1
                                && p.to_port().is_none_or(|t| t == -1 || t >= 65535)
                                && p.ip_ranges()
                                    .iter()
                                    .any(|r| r.cidr_ip() == Some("0.0.0.0/0"))
                        }),
                    })
                    .collect()
            })
            .unwrap_or_default())
    }
}
