//! Resolving a manifest's `attach:` section against AWS: the listener, its load
//! balancer, the default target group and what serves it, the cluster and subnets of
//! new tasks. Reads only; every refusal comes before any change (`attach`, `up`).

use crate::aws::existing::{DefaultAction, ListenerInfo, LoadBalancerInfo};
use crate::commands::Ctx;
use crate::error::{AttachError, Error};
use mysfits_lab::attach::{AttachSpec, Attached, DefaultBackend, ListenerRef};

/// An attached setup as read: what new services build on, and what the listener holds.
#[derive(Debug)]
pub struct Resolved {
    pub attached: Attached,
    pub load_balancer: LoadBalancerInfo,
    /// The default target group: its name, target type, port and health-check path.
    pub default_group: crate::aws::existing::TargetGroupKind,
    /// The security groups of the ECS service behind the default, if one is.
    pub default_security_groups: Vec<String>,
    /// The listener's rules, default included.
    pub rules: Vec<crate::aws::elb::RuleInfo>,
}

/// `arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/…`: its region and account.
fn arn_place(arn: &str) -> (Option<&str>, Option<&str>) {
    let mut parts = arn.split(':');
    let region = parts.nth(3).filter(|s| !s.is_empty());
    let account = parts.next().filter(|s| !s.is_empty());
    (region, account)
}

/// A load balancer (by ARN or name) and its listeners.
async fn load_balancer(
    ctx: &Ctx<'_>,
    arn_or_name: &str,
) -> Result<(LoadBalancerInfo, Vec<ListenerInfo>), Error> {
    let lb = ctx.aws.describe_load_balancer(arn_or_name).await?;
    let lb = lb.ok_or_else(|| AttachError::LoadBalancerNotFound(arn_or_name.to_string()))?;
    let listeners = ctx.aws.listeners_of(&lb.arn).await?;
    Ok((lb, listeners))
}

/// The listener, its load balancer and all the load balancer's listeners, each read once.
async fn listener(
    ctx: &Ctx<'_>,
    spec: &ListenerRef,
) -> Result<(ListenerInfo, LoadBalancerInfo, Vec<ListenerInfo>), Error> {
    match spec {
        ListenerRef::Arn(arn) => {
            let (region, account) = arn_place(arn);
            if let Some(r) = region.filter(|r| *r != ctx.aws.region) {
                return Err(AttachError::ListenerElsewhere {
                    listener: arn.clone(),
                    what: format!("region {r}"),
                    here: format!("region {}", ctx.aws.region),
                    region: Some(r.to_string()),
                }
                .into());
            }
            if let (Some(a), Some(here)) = (account, ctx.aws.account().await) {
                if a != here {
                    return Err(AttachError::ListenerElsewhere {
                        listener: arn.clone(),
                        what: format!("account {a}"),
                        here: format!("account {here}"),
                        region: None,
                    }
                    .into());
                }
            }
            let found = ctx.aws.describe_listener(arn).await?;
            let listener = found.ok_or_else(|| AttachError::ListenerNotFound {
                listener: arn.clone(),
                region: ctx.aws.region.clone(),
            })?;
            let (lb, listeners) = load_balancer(ctx, &listener.load_balancer_arn).await?;
            Ok((listener, lb, listeners))
        }
        ListenerRef::ByPort {
            load_balancer: name,
            port,
        } => {
            let (lb, listeners) = load_balancer(ctx, name).await?;
            let Some(listener) = listeners.iter().find(|l| l.port == *port).cloned() else {
                let ports: Vec<String> = listeners.iter().map(|l| l.port.to_string()).collect();
                return Err(AttachError::NoListenerOnPort {
                    load_balancer: name.clone(),
                    port: *port,
                    ports: if ports.is_empty() {
                        "none".into()
                    } else {
                        ports.join(", ")
                    },
                }
                .into());
            };
            Ok((listener, lb, listeners))
        }
    }
}

/// Everything `spec` leaves out, read from AWS; refused when it cannot work.
pub async fn resolve(ctx: &Ctx<'_>, spec: &AttachSpec) -> Result<Resolved, Error> {
    let (listener, lb, listeners) = listener(ctx, &spec.listener).await?;
    if lb.kind != "application" {
        return Err(AttachError::NotApplication {
            name: lb.name.clone(),
            kind: lb.kind.clone(),
        }
        .into());
    }
    let group = match &listener.default {
        DefaultAction::Forward(group) => group.clone(),
        DefaultAction::Other(action) => {
            let forwarding = listeners
                .iter()
                .filter(|l| matches!(l.default, DefaultAction::Forward(_)))
                .map(|l| l.port)
                .collect();
            return Err(AttachError::DefaultNotForward {
                port: listener.port,
                action: action.clone(),
                forwarding,
            }
            .into());
        }
    };
    let kind = ctx
        .aws
        .target_group_kind(&group)
        .await?
        .ok_or_else(|| AttachError::DefaultGroupGone(group.clone()))?;
    let rules = ctx.aws.listener_rules(&listener.arn).await?;
    // ALB's quota counts the rules of every listener of the load balancer, defaults not.
    let mut counted = 0;
    for other in &listeners {
        let of = if other.arn == listener.arn {
            rules.clone()
        } else {
            ctx.aws.listener_rules(&other.arn).await?
        };
        counted += of.iter().filter(|r| r.priority.is_some()).count();
    }
    if counted >= mysfits_lab::alb::MAX_RULES_PER_LISTENER {
        return Err(AttachError::ListenerFull { rules: counted }.into());
    }
    // What serves the default: an ECS service of the named cluster (or of any, when none
    // is named and the targets are IPs), else instances, IPs or a function.
    let clusters = match (&spec.cluster, kind.target_type.as_str()) {
        (Some(c), _) => vec![c.clone()],
        (None, "ip") => ctx.aws.cluster_names().await?,
        _ => vec![],
    };
    let mut service = None;
    for cluster in &clusters {
        service = ctx.aws.service_behind(cluster, &group).await?;
        if service.is_some() {
            break;
        }
    }
    let default = match (&service, kind.target_type.as_str()) {
        (Some(s), _) => DefaultBackend::EcsService {
            cluster: s.cluster.clone(),
            service: s.name.clone(),
        },
        (None, "instance") => DefaultBackend::Instances,
        (None, "lambda") => DefaultBackend::Lambda,
        (None, _) => DefaultBackend::Ips,
    };
    let cluster_name = match (&spec.cluster, &service) {
        (Some(c), _) => c.clone(),
        (None, Some(s)) => s.cluster.clone(),
        (None, None) => {
            return Err(AttachError::NeedsCluster {
                group: kind.name.clone(),
                kind: kind.target_type.clone(),
            }
            .into())
        }
    };
    let cluster_arn = ctx
        .aws
        .cluster_arn(&cluster_name)
        .await?
        .ok_or_else(|| AttachError::ClusterNotFound(cluster_name.clone()))?;
    let subnets = if !spec.subnets.is_empty() {
        spec.subnets.clone()
    } else if let Some(s) = service.as_ref().filter(|s| !s.subnets.is_empty()) {
        s.subnets.clone()
    } else {
        lb.subnets.clone()
    };
    let found = ctx.aws.subnet_vpcs(&subnets).await?;
    for subnet in &subnets {
        match found.iter().find(|(id, _)| id == subnet) {
            None => return Err(AttachError::SubnetNotFound(subnet.clone()).into()),
            Some((_, vpc)) if *vpc != lb.vpc_id => {
                return Err(AttachError::SubnetOtherVpc {
                    subnet: subnet.clone(),
                    vpc: vpc.clone(),
                    lb_vpc: lb.vpc_id.clone(),
                }
                .into())
            }
            Some(_) => {}
        }
    }
    let public_ip = spec
        .public_ip
        .or(service.as_ref().map(|s| s.public_ip))
        .unwrap_or(true);
    Ok(Resolved {
        attached: Attached {
            listener_arn: listener.arn.clone(),
            listener_port: listener.port,
            listener_protocol: listener.protocol.clone(),
            alb_arn: lb.arn.clone(),
            alb_dns_name: lb.dns_name.clone(),
            alb_security_groups: lb.security_groups.clone(),
            vpc_id: lb.vpc_id.clone(),
            default_target_group_arn: group,
            default,
            cluster_name,
            cluster_arn,
            subnets,
            security_groups: spec.security_groups.clone(),
            log_group: spec.log_group.clone(),
            public_ip,
        },
        load_balancer: lb,
        default_security_groups: service.map(|s| s.security_groups).unwrap_or_default(),
        default_group: kind,
        rules,
    })
}

#[cfg(test)]
mod tests {
    use super::arn_place;

    #[test]
    fn a_listener_arn_names_its_region_and_account() {
        let arn = "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shop/1/2";
        assert_eq!(arn_place(arn), (Some("eu-west-1"), Some("123456789012")));
        assert_eq!(arn_place("arn:aws:x"), (None, None));
    }
}
