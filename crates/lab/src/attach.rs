//! The manifest's `attach:` section: an existing load balancer's listener that mysfits
//! adds its services to, and where their tasks run. Attached, mysfits makes no network,
//! load balancer or cluster: it adds a small stack of its own (a security group that
//! admits the load balancer's, task roles, repositories) and its rules, target groups
//! and services, and never changes what it did not make.

use serde::Deserialize;

/// How the manifest names the listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListenerRef {
    Arn(String),
    /// A load balancer by name and one of its listeners by port.
    ByPort {
        load_balancer: String,
        port: u16,
    },
}

impl std::fmt::Display for ListenerRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ListenerRef::Arn(arn) => f.write_str(arn),
            ListenerRef::ByPort {
                load_balancer,
                port,
            } => write!(f, "load balancer {load_balancer}, port {port}"),
        }
    }
}

/// What the manifest says; whatever it leaves out is read from the listener, its
/// default target group and the service behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachSpec {
    pub listener: ListenerRef,
    /// The ECS cluster of new services; needed when the default is not an ECS service.
    pub cluster: Option<String>,
    /// Subnets of new tasks (default: those of the default ECS service, else the load
    /// balancer's).
    pub subnets: Vec<String>,
    /// Security groups new tasks also join, beside mysfits' own.
    pub security_groups: Vec<String>,
    /// An existing log group for new tasks (default: one mysfits makes).
    pub log_group: Option<String>,
    /// Whether tasks get a public IP (default: as the default service's, else yes).
    pub public_ip: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAttach {
    listener: Option<String>,
    load_balancer: Option<String>,
    port: Option<u16>,
    cluster: Option<String>,
    #[serde(default)]
    subnets: Vec<String>,
    #[serde(default)]
    security_groups: Vec<String>,
    log_group: Option<String>,
    public_ip: Option<bool>,
}

impl AttachSpec {
    /// The spec `mysfits attach` was given on its command line, checked as the manifest's is.
    pub fn from_flags(
        listener: Option<String>,
        load_balancer: Option<String>,
        port: Option<u16>,
        cluster: Option<String>,
        subnets: Vec<String>,
    ) -> Result<Self, String> {
        RawAttach {
            listener,
            load_balancer,
            port,
            cluster,
            subnets,
            security_groups: vec![],
            log_group: None,
            public_ip: None,
        }
        .check()
    }
}

impl RawAttach {
    /// The spec, or what is wrong with the section (one line, naming the keys).
    pub(crate) fn check(self) -> Result<AttachSpec, String> {
        let listener = match (self.listener, self.load_balancer, self.port) {
            (Some(arn), None, None) => {
                if !arn.starts_with("arn:") || !arn.contains(":listener/") {
                    return Err(format!(
                        "attach.listener: '{arn}' is not a listener ARN (arn:aws:elasticloadbalancing:REGION:ACCOUNT:listener/app/NAME/ID/ID)"
                    ));
                }
                ListenerRef::Arn(arn)
            }
            (None, Some(load_balancer), Some(port)) => ListenerRef::ByPort {
                load_balancer,
                port,
            },
            (None, Some(_), None) => {
                return Err("attach.port: name the listener's port beside attach.load_balancer (e.g. port: 443)".into())
            }
            (None, None, _) => {
                return Err("attach: name the listener, by `listener: ARN` or by `load_balancer: NAME` and `port: N`".into())
            }
            (Some(_), _, _) => {
                return Err("attach: `listener` names the listener already; drop `load_balancer` and `port`".into())
            }
        };
        for (key, ids, prefix) in [
            ("subnets", &self.subnets, "subnet-"),
            ("security_groups", &self.security_groups, "sg-"),
        ] {
            if let Some(bad) = ids.iter().find(|id| !id.starts_with(prefix)) {
                return Err(format!("attach.{key}: '{bad}' is not an id ({prefix}…)"));
            }
        }
        Ok(AttachSpec {
            listener,
            cluster: self.cluster,
            subnets: self.subnets,
            security_groups: self.security_groups,
            log_group: self.log_group,
            public_ip: self.public_ip,
        })
    }
}

/// What serves the listener's default action: never deployed, scaled or stopped by mysfits.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum DefaultBackend {
    /// An ECS service made elsewhere.
    EcsService { cluster: String, service: String },
    /// EC2 instances (an instance-type target group: the monolith on EC2).
    Instances,
    /// IP addresses (an ip-type target group no ECS service of the cluster registers).
    Ips,
    /// A Lambda function.
    Lambda,
}

impl std::fmt::Display for DefaultBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DefaultBackend::EcsService { cluster, service } => {
                write!(f, "ECS service {service} (cluster {cluster})")
            }
            DefaultBackend::Instances => f.write_str("EC2 instances"),
            DefaultBackend::Ips => f.write_str("IP targets"),
            DefaultBackend::Lambda => f.write_str("a Lambda function"),
        }
    }
}

/// Everything an attached lab builds on, resolved from the spec and what was read:
/// the attach stack's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attached {
    pub listener_arn: String,
    pub listener_port: u16,
    pub listener_protocol: String,
    pub alb_arn: String,
    pub alb_dns_name: String,
    pub alb_security_groups: Vec<String>,
    pub vpc_id: String,
    pub default_target_group_arn: String,
    pub default: DefaultBackend,
    pub cluster_name: String,
    pub cluster_arn: String,
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub log_group: Option<String>,
    pub public_ip: bool,
}

impl Attached {
    /// The load balancer's URL for this listener (what `AlbUrl` is in a core stack).
    pub fn url(&self) -> String {
        let scheme = if self.listener_protocol == "HTTPS" {
            "https"
        } else {
            "http"
        };
        let default_port = if scheme == "https" { 443 } else { 80 };
        if self.listener_port == default_port {
            format!("{scheme}://{}", self.alb_dns_name)
        } else {
            format!("{scheme}://{}:{}", self.alb_dns_name, self.listener_port)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(yaml: &str) -> Result<AttachSpec, String> {
        serde_yaml_ng::from_str::<RawAttach>(yaml).unwrap().check()
    }

    #[test]
    fn a_listener_by_arn_or_by_load_balancer_and_port() {
        let arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/1/2";
        let spec = check(&format!("listener: {arn}\nsubnets: [subnet-1]")).unwrap();
        assert_eq!(spec.listener, ListenerRef::Arn(arn.into()));
        assert_eq!(spec.subnets, ["subnet-1"]);
        let spec = check("load_balancer: shop\nport: 443").unwrap();
        assert_eq!(
            spec.listener,
            ListenerRef::ByPort {
                load_balancer: "shop".into(),
                port: 443
            }
        );
    }

    #[test]
    fn a_section_that_names_no_listener_or_two_is_refused() {
        for (yaml, says) in [
            ("cluster: c", "name the listener"),
            ("load_balancer: shop", "attach.port"),
            ("listener: shop", "not a listener ARN"),
            (
                "listener: arn:aws:elasticloadbalancing:r:1:listener/app/a/1/2\nport: 80",
                "drop",
            ),
            (
                "load_balancer: a\nport: 80\nsubnets: [vpc-1]",
                "attach.subnets: 'vpc-1'",
            ),
        ] {
            let err = check(yaml).unwrap_err();
            assert!(err.contains(says), "{yaml}: {err}");
        }
    }

    #[test]
    fn the_url_names_the_port_only_when_not_the_schemes_own() {
        let mut a = Attached {
            listener_arn: String::new(),
            listener_port: 443,
            listener_protocol: "HTTPS".into(),
            alb_arn: String::new(),
            alb_dns_name: "shop-1.elb.amazonaws.com".into(),
            alb_security_groups: vec![],
            vpc_id: String::new(),
            default_target_group_arn: String::new(),
            default: DefaultBackend::Instances,
            cluster_name: String::new(),
            cluster_arn: String::new(),
            subnets: vec![],
            security_groups: vec![],
            log_group: None,
            public_ip: true,
        };
        assert_eq!(a.url(), "https://shop-1.elb.amazonaws.com");
        a.listener_protocol = "HTTP".into();
        a.listener_port = 8080;
        assert_eq!(a.url(), "http://shop-1.elb.amazonaws.com:8080");
    }
}
