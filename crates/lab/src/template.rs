//! The core stack's template: `templates/core.yaml` plus, per manifest service,
//! an ECR repository and its output. Rendering is text-level so CloudFormation's
//! short-form tags (`!Sub`, `!Ref`) reach the API exactly as written and linted.

use std::collections::BTreeMap;

use crate::attach::{Attached, DefaultBackend};
use crate::manifest::{Manifest, Route};
use crate::names::{logical_id, Lab};

const CORE: &str = include_str!("../../../templates/core.yaml");
const REPO: &str = include_str!("../../../templates/service-repo.yaml");
const REPO_OUTPUT: &str = include_str!("../../../templates/service-repo-output.yaml");
const RUN_INGRESS: &str = include_str!("../../../templates/service-run-ingress.yaml");
const ATTACH: &str = include_str!("../../../templates/attach.yaml");
const ATTACH_INGRESS: &str = include_str!("../../../templates/attach-ingress.yaml");

/// Options of `up` that reach the template as parameters.
#[derive(Debug, Clone)]
pub struct StackOptions {
    pub private_tasks: bool,
    /// Firehose's buffering interval for the clicks (0-900 s; 60 s unless told).
    pub clicks_buffer_seconds: u32,
}

/// Firehose's own range for an S3 destination's buffering interval.
pub const CLICKS_BUFFER_MAX: u32 = 900;

impl Default for StackOptions {
    fn default() -> Self {
        Self {
            private_tasks: false,
            clicks_buffer_seconds: 60,
        }
    }
}

/// The template body for a lab's manifest.
pub fn render(manifest: &Manifest) -> String {
    let services: Vec<_> = manifest.services.iter().collect();
    with_services(CORE, &services, "")
}

/// The stack of an attached lab (`templates/attach.yaml`): repositories and run ingress
/// for the services mysfits deploys (never the default, which is not its own), and an
/// ingress from each of the load balancer's security groups.
pub fn render_attached(manifest: &Manifest, attached: &Attached) -> String {
    let services: Vec<_> = manifest
        .services
        .iter()
        .filter(|s| s.route != Route::Default)
        .collect();
    let ingress: String = attached
        .alb_security_groups
        .iter()
        .enumerate()
        .map(|(i, sg)| fragment(ATTACH_INGRESS, &(i + 1).to_string()).replace("__SG__", sg))
        .collect();
    with_services(ATTACH, &services, &ingress)
}

/// `base` with each service's repository, run ingress and repository output appended.
fn with_services(base: &str, services: &[&crate::manifest::Service], extra: &str) -> String {
    let (resources, outputs) = base
        .split_once("\nOutputs:\n")
        .expect("a template ends with an Outputs section");
    let mut body = resources.trim_end().to_string();
    body.push('\n');
    body.push_str(extra);
    for service in services {
        body.push_str(&fragment(REPO, &service.name));
    }
    // One ingress per distinct port: two services on port 80 share a rule.
    let mut ports = std::collections::BTreeSet::new();
    for service in services {
        if ports.insert(service.port) {
            body.push_str(
                &fragment(RUN_INGRESS, &service.name)
                    .replace("__PORT__", &service.port.to_string()),
            );
        }
    }
    body.push_str("Outputs:\n");
    body.push_str(outputs.trim_end());
    body.push('\n');
    for service in services {
        body.push_str(&fragment(REPO_OUTPUT, &service.name));
    }
    body
}

/// The attached stack's parameters: the existing resources it builds beside.
pub fn attached_parameters(lab: &Lab, attached: &Attached) -> BTreeMap<String, String> {
    let backend = match &attached.default {
        DefaultBackend::EcsService { cluster, service } => format!("ecs:{cluster}/{service}"),
        DefaultBackend::Instances => "instances".into(),
        DefaultBackend::Ips => "ips".into(),
        DefaultBackend::Lambda => "lambda".into(),
    };
    [
        ("LabName", lab.name().to_string()),
        ("VpcId", attached.vpc_id.clone()),
        ("TaskSubnets", attached.subnets.join(",")),
        (
            "TaskAssignPublicIp",
            if attached.public_ip {
                "ENABLED"
            } else {
                "DISABLED"
            }
            .into(),
        ),
        ("ExtraSecurityGroups", attached.security_groups.join(",")),
        ("AlbArn", attached.alb_arn.clone()),
        ("AlbDnsName", attached.alb_dns_name.clone()),
        ("AlbUrl", attached.url()),
        ("AlbSecurityGroup", attached.alb_security_groups.join(",")),
        ("ListenerArn", attached.listener_arn.clone()),
        (
            "DefaultTargetGroupArn",
            attached.default_target_group_arn.clone(),
        ),
        ("DefaultBackend", backend),
        ("ClusterName", attached.cluster_name.clone()),
        ("ClusterArn", attached.cluster_arn.clone()),
        (
            "LogGroupName",
            attached.log_group.clone().unwrap_or_default(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Indents a column-0 fragment under its section, with the service's names filled in.
fn fragment(text: &str, service: &str) -> String {
    let filled = text
        .replace("__LOGICAL__", &logical_id(service))
        .replace("__SERVICE__", service);
    filled
        .lines()
        .filter(|l| !l.trim_start().starts_with('#') && !l.trim().is_empty())
        .map(|l| format!("  {l}\n"))
        .collect()
}

/// The stack's parameters, by name.
pub fn parameters(
    lab: &Lab,
    manifest: &Manifest,
    options: &StackOptions,
) -> BTreeMap<String, String> {
    let default = manifest.default_service();
    debug_assert_eq!(default.route, Route::Default);
    let hc = &default.health_check;
    [
        ("LabName", lab.name().to_string()),
        ("DefaultServicePort", default.port.to_string()),
        ("DefaultHealthCheckPath", hc.path.clone()),
        ("DefaultHealthCheckIntervalSeconds", hc.interval.to_string()),
        ("DefaultHealthCheckTimeoutSeconds", hc.timeout.to_string()),
        (
            "DefaultHealthyThresholdCount",
            hc.healthy_threshold.to_string(),
        ),
        (
            "DefaultUnhealthyThresholdCount",
            hc.unhealthy_threshold.to_string(),
        ),
        ("DefaultDrainingSeconds", default.draining.to_string()),
        ("PrivateTasks", options.private_tasks.to_string()),
        (
            "ClicksBufferSeconds",
            options.clicks_buffer_seconds.to_string(),
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}

/// Name of the output holding a service's repository URI.
pub fn repo_output(service: &str) -> String {
    format!("RepoUri{}", logical_id(service))
}

/// Human descriptions of every resource, keyed by logical id: the progress rows of `up`
/// and `cleanup`.
pub fn descriptions(body: &str) -> BTreeMap<String, String> {
    // A template read back from AWS is not ours to vouch for: no labels rather than a panic.
    let Ok(doc) = serde_yaml_ng::from_str::<serde_yaml_ng::Value>(body) else {
        return BTreeMap::new();
    };
    let mut out = BTreeMap::new();
    if let Some(resources) = doc.get("Resources").and_then(|r| r.as_mapping()) {
        for (id, res) in resources {
            let id = id.as_str().unwrap_or_default().to_string();
            let desc = res
                .get("Metadata")
                .and_then(|m| m.get("Description"))
                .and_then(|d| d.as_str())
                .unwrap_or(&id)
                .to_string();
            out.insert(id, desc);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::OUTPUT_KEYS;
    use std::path::Path;

    fn rendered() -> (Manifest, serde_yaml_ng::Value) {
        let manifest = Manifest::parse(
            crate::manifest::DEFAULT_MANIFEST,
            "built-in",
            Path::new("."),
        )
        .unwrap();
        let body = render(&manifest);
        let doc = serde_yaml_ng::from_str(&body).unwrap();
        (manifest, doc)
    }

    #[test]
    fn every_resource_is_described() {
        let (_, doc) = rendered();
        let resources = doc["Resources"].as_mapping().unwrap();
        assert!(resources.len() > 20);
        for (id, res) in resources {
            let desc = res["Metadata"]["Description"].as_str();
            assert!(
                desc.is_some_and(|d| d.len() > 3),
                "{id:?} has no Metadata.Description"
            );
        }
    }

    #[test]
    fn every_output_is_read_and_every_read_output_exists() {
        let (manifest, doc) = rendered();
        let outputs: Vec<String> = doc["Outputs"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        let mut wanted: Vec<String> = OUTPUT_KEYS.iter().map(|s| s.to_string()).collect();
        wanted.extend(manifest.services.iter().map(|s| repo_output(&s.name)));
        let mut have = outputs.clone();
        have.sort();
        wanted.sort();
        assert_eq!(have, wanted);
    }

    #[test]
    fn every_parameter_is_passed_and_used() {
        let (manifest, doc) = rendered();
        let lab = Lab::parse("mysfits").unwrap();
        let params = parameters(&lab, &manifest, &StackOptions::default());
        let declared: Vec<&str> = doc["Parameters"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap())
            .collect();
        assert_eq!(declared.len(), params.len());
        let body = render(&manifest);
        for name in declared {
            assert!(params.contains_key(name), "parameter {name} is not passed");
            // Used somewhere beyond its declaration: a !Ref, a ${Name} in a !Sub, or a condition.
            assert!(
                body.matches(name).count() >= 2,
                "parameter {name} is never used"
            );
        }
    }

    const HEALTH_PARAMETERS: [&str; 6] = [
        "DefaultHealthCheckPath",
        "DefaultHealthCheckIntervalSeconds",
        "DefaultHealthCheckTimeoutSeconds",
        "DefaultHealthyThresholdCount",
        "DefaultUnhealthyThresholdCount",
        "DefaultDrainingSeconds",
    ];

    #[test]
    fn the_default_services_health_check_and_draining_are_parameters() {
        let lab = Lab::parse("mysfits").unwrap();
        let (manifest, _) = rendered();
        let params = parameters(&lab, &manifest, &StackOptions::default());
        let got = |k: &str| params[k].as_str();
        assert_eq!(
            HEALTH_PARAMETERS.map(got),
            ["/", "5", "4", "2", "3", "5"],
            "the built-in monolith's, as its manifest says"
        );
        let text = "services:\n  - name: web\n    build: .\n    route: default\n    health_check: {path: /up, interval: 5s, timeout: 2s, healthy_threshold: 4, unhealthy_threshold: 2}\n    draining: 3s\n";
        let manifest = Manifest::parse(text, "m", Path::new(".")).unwrap();
        let params = parameters(&lab, &manifest, &StackOptions::default());
        let got = |k: &str| params[k].as_str();
        assert_eq!(HEALTH_PARAMETERS.map(got), ["/up", "5", "2", "4", "2", "3"]);
    }

    #[test]
    fn repositories_are_emptied_on_delete() {
        let (manifest, doc) = rendered();
        for s in &manifest.services {
            let repo = &doc["Resources"][format!("Repo{}", logical_id(&s.name)).as_str()];
            assert_eq!(repo["Type"].as_str(), Some("AWS::ECR::Repository"));
            assert_eq!(repo["Properties"]["EmptyOnDelete"].as_bool(), Some(true));
        }
    }

    pub(crate) fn attached() -> Attached {
        Attached {
            listener_arn:
                "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/shop/1/2".into(),
            listener_port: 80,
            listener_protocol: "HTTP".into(),
            alb_arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/shop/1"
                .into(),
            alb_dns_name: "shop-1.us-east-1.elb.amazonaws.com".into(),
            alb_security_groups: vec!["sg-0a".into(), "sg-0b".into()],
            vpc_id: "vpc-0a".into(),
            default_target_group_arn: "arn:tg".into(),
            default: DefaultBackend::Instances,
            cluster_name: "shop".into(),
            cluster_arn: "arn:cluster".into(),
            subnets: vec!["subnet-1".into(), "subnet-2".into()],
            security_groups: vec![],
            log_group: None,
            public_ip: true,
        }
    }

    #[test]
    fn an_attached_stack_has_every_output_read_each_group_admitted_and_no_default_repo() {
        let (manifest, _) = rendered();
        let body = render_attached(&manifest, &attached());
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&body).unwrap();
        let mut have: Vec<String> = doc["Outputs"]
            .as_mapping()
            .unwrap()
            .keys()
            .map(|k| k.as_str().unwrap().to_string())
            .collect();
        let mut wanted: Vec<String> = crate::outputs::required_keys(true)
            .iter()
            .map(|s| s.to_string())
            .collect();
        wanted.push(repo_output("like-service"));
        wanted.push(repo_output("clicks-service"));
        have.sort();
        wanted.sort();
        assert_eq!(have, wanted, "the default (monolith) gets no repository");
        let resources = doc["Resources"].as_mapping().unwrap();
        for (id, res) in resources {
            assert!(res["Metadata"]["Description"].as_str().is_some(), "{id:?}");
        }
        for (i, sg) in ["sg-0a", "sg-0b"].iter().enumerate() {
            let ingress = &doc["Resources"][format!("AlbIngress{}", i + 1).as_str()];
            assert_eq!(
                ingress["Properties"]["SourceSecurityGroupId"].as_str(),
                Some(*sg)
            );
        }
        let lab = Lab::parse("shop").unwrap();
        let params = attached_parameters(&lab, &attached());
        let declared = doc["Parameters"].as_mapping().unwrap();
        assert_eq!(declared.len(), params.len());
        for (name, _) in declared {
            let name = name.as_str().unwrap();
            assert!(params.contains_key(name), "parameter {name} is not passed");
            assert!(body.matches(name).count() >= 2, "{name} is never used");
        }
        assert_eq!(params["DefaultBackend"], "instances");
        assert_eq!(
            params["AlbUrl"],
            "http://shop-1.us-east-1.elb.amazonaws.com"
        );
    }

    #[test]
    fn descriptions_name_rows() {
        let (manifest, _) = rendered();
        let d = descriptions(&render(&manifest));
        assert_eq!(d["RepoLikeService"], "ECR repository for like-service");
    }
}
