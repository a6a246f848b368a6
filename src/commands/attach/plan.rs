//! `attach`'s plan: the manifest it writes and the lists it shows, from what was read,
//! with no call.

use mysfits_lab::attach::{Attached, DefaultBackend};
use mysfits_lab::names::SERVICE_MAX;

/// What `attach` writes and says, decided offline.
#[derive(Debug)]
pub struct AttachPlan {
    pub default_name: String,
    pub manifest: String,
    /// What mysfits will create beside the setup, and what it never touches.
    pub creates: Vec<String>,
    pub never: Vec<String>,
}

/// A service name the manifest takes (lowercase DNS label, at most 32) from a name
/// AWS allows (ECS services and target groups may have capitals and underscores).
pub fn service_name(from: &str) -> String {
    let mut name: String = from
        .to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    while name.contains("--") {
        name = name.replace("--", "-");
    }
    let name: String = name.trim_matches('-').chars().take(SERVICE_MAX).collect();
    let name = name.trim_end_matches('-').to_string();
    match name.chars().next() {
        Some(c) if c.is_ascii_lowercase() => name,
        _ => format!("app-{name}").chars().take(SERVICE_MAX).collect(),
    }
}

impl AttachPlan {
    pub fn new(
        a: &Attached,
        group_name: &str,
        port: Option<i32>,
        health_check_path: Option<&str>,
        listener_label: &str,
    ) -> Self {
        let default_name = service_name(match &a.default {
            DefaultBackend::EcsService { service, .. } => service,
            _ => group_name,
        });
        let list = |v: &[String]| format!("[{}]", v.join(", "));
        let mut attach = format!(
            "attach:\n  listener: {}\n  cluster: {}\n  subnets: {}\n  public_ip: {}\n",
            a.listener_arn,
            a.cluster_name,
            list(&a.subnets),
            a.public_ip
        );
        if !a.security_groups.is_empty() {
            attach.push_str(&format!(
                "  security_groups: {}\n",
                list(&a.security_groups)
            ));
        }
        if let Some(group) = &a.log_group {
            attach.push_str(&format!("  log_group: {group}\n"));
        }
        let port = port.filter(|p| (1..=65535).contains(p)).unwrap_or(80);
        let health = health_check_path.unwrap_or("/");
        let manifest = format!(
            "# Written by `mysfits attach` from {listener_label}.\n\
             # mysfits adds rules, target groups and services beside it; it never changes the\n\
             # listener's other rules, its default target group or what serves it ({}).\n\
             {attach}\
             services:\n\
             \x20 # The listener's default action: not mysfits' to deploy, scale or stop.\n\
             \x20 - name: {default_name}\n\
             \x20   route: default\n\
             \x20   port: {port}\n\
             \x20   health_check: {{path: {health}}}\n\
             \x20 # Add the services you carve out, e.g.:\n\
             \x20 # - name: orders\n\
             \x20 #   build: ./orders\n\
             \x20 #   port: 8080\n\
             \x20 #   route: /orders*\n",
            a.default
        );
        let lab_made = [
            "a security group for its tasks, admitting the load balancer's groups (CloudFormation stack)",
            "an execution role and a task role (same stack)",
            "an ECR repository per service it deploys (same stack)",
            "a target group, a listener rule, a task definition and an ECS service per service it splits out",
        ];
        let mut creates: Vec<String> = lab_made.iter().map(|s| s.to_string()).collect();
        if a.log_group.is_none() {
            creates.push("a log group for its tasks (same stack)".into());
        }
        let never = vec![
            format!("the listener ({listener_label}) and its other rules, priorities included"),
            format!("the default target group {group_name} and its attributes"),
            format!("{}", a.default),
            format!("the cluster {}", a.cluster_name),
            format!(
                "the load balancer's security groups ({}), the VPC {} and its subnets",
                a.alb_security_groups.join(", "),
                a.vpc_id
            ),
        ];
        Self {
            default_name,
            manifest,
            creates,
            never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysfits_lab::manifest::{Manifest, Route};

    fn attached(default: DefaultBackend) -> Attached {
        Attached {
            listener_arn:
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/1/2".into(),
            listener_port: 80,
            listener_protocol: "HTTP".into(),
            alb_arn: "arn:lb".into(),
            alb_dns_name: "shop.elb".into(),
            alb_security_groups: vec!["sg-1".into()],
            vpc_id: "vpc-1".into(),
            default_target_group_arn: "arn:tg".into(),
            default,
            cluster_name: "shop".into(),
            cluster_arn: "arn:c".into(),
            subnets: vec!["subnet-1".into(), "subnet-2".into()],
            security_groups: vec![],
            log_group: None,
            public_ip: true,
        }
    }

    #[test]
    fn the_manifest_written_is_one_mysfits_reads_back_attached() {
        let a = attached(DefaultBackend::EcsService {
            cluster: "shop".into(),
            service: "Shop_Monolith".into(),
        });
        let plan = AttachPlan::new(&a, "shop-monolith", Some(8080), Some("/health"), "HTTP:80");
        let m = Manifest::parse(&plan.manifest, "m", std::path::Path::new(".")).unwrap();
        let spec = m.attach.clone().unwrap();
        assert_eq!(spec.cluster.as_deref(), Some("shop"));
        assert_eq!(spec.subnets, ["subnet-1", "subnet-2"]);
        let default = m.default_service();
        assert_eq!(default.name, "shop-monolith");
        assert_eq!(default.route, Route::Default);
        assert_eq!(
            (default.port, default.health_check.path.as_str()),
            (8080, "/health")
        );
        assert!(plan.creates.iter().any(|c| c.contains("log group")));
    }

    #[test]
    fn instances_take_the_target_groups_name() {
        let plan = AttachPlan::new(
            &attached(DefaultBackend::Instances),
            "web-TG",
            None,
            None,
            "HTTP:80",
        );
        assert_eq!(plan.default_name, "web-tg");
        assert!(plan.never.iter().any(|n| n == "EC2 instances"));
    }

    #[test]
    fn service_names_become_manifest_names() {
        assert_eq!(service_name("My__App"), "my-app");
        assert_eq!(service_name("1st"), "app-1st");
        assert_eq!(service_name(&"a".repeat(40)).len(), 32);
    }
}
