//! `mysfits status`: one screen with the stack, its services, rules and target health.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::aws::elb::TargetHealth;
use crate::commands::steps::rules::{shares_text, tg_name, weight_parts, WeightPart};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::table::table;
use crate::output::{lines, Render};

#[derive(Debug, Serialize)]
pub struct Report {
    lab: String,
    stack: StackPart,
    /// The lab's page (`WebsiteUrl`); `None` for a stack made before the lab had one.
    site_url: Option<String>,
    /// The API in front of the load balancer (`ApiUrl`); `None` for an attached lab or a
    /// stack made before the lab had one.
    api_url: Option<String>,
    outputs: BTreeMap<String, String>,
    services: Vec<ServicePart>,
    rules: Vec<RulePart>,
    target_groups: Vec<TargetGroupPart>,
}

#[derive(Debug, Serialize)]
struct StackPart {
    name: String,
    status: String,
}

#[derive(Debug, Serialize)]
struct ServicePart {
    name: String,
    status: String,
    task_definition: String,
    image: Option<String>,
    desired: i32,
    running: i32,
    pending: i32,
}

#[derive(Debug, Serialize)]
struct RulePart {
    /// `None` is the listener's default action.
    priority: Option<u32>,
    patterns: Vec<String>,
    /// Its other conditions, one each (`host a.example.com`); none for a paths-only rule.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    conditions: Vec<String>,
    target_group: Option<String>,
    service: Option<String>,
    /// Who shares the rule's requests: one group at 100 % for a plain forward.
    weights: Vec<WeightPart>,
}

#[derive(Debug, Serialize)]
struct TargetGroupPart {
    name: String,
    arn: String,
    targets: Vec<TargetHealth>,
}

/// Where `status` looks, from the stack's outputs: a stack cut short may lack some.
#[derive(Debug, PartialEq)]
struct StatusPlan {
    cluster: Option<String>,
    listener: Option<String>,
}

impl StatusPlan {
    fn new(outputs: &BTreeMap<String, String>) -> Self {
        Self {
            cluster: outputs.get("ClusterName").cloned(),
            listener: outputs.get("ListenerArn").cloned(),
        }
    }

    /// The target groups whose health is shown: each one a rule forwards to, once, in
    /// the rules' order.
    fn target_groups(rules: &[crate::aws::elb::RuleInfo]) -> Vec<String> {
        let mut arns: Vec<String> = Vec::new();
        for arn in rules.iter().flat_map(|r| &r.target_groups) {
            if !arns.contains(arn) {
                arns.push(arn.clone());
            }
        }
        arns
    }
}

pub async fn run(ctx: &Ctx<'_>) -> Result<Report, Error> {
    let Some(stack) = ctx.aws.describe_stack(ctx.lab.stack()).await? else {
        return Err(ctx.not_set_up().await);
    };
    let StatusPlan { cluster, listener } = StatusPlan::new(&stack.outputs);

    let mut services = Vec::new();
    if let Some(cluster) = &cluster {
        for s in ctx.aws.lab_services(cluster, ctx.lab.name()).await? {
            let image = ctx.aws.task_definition_image(&s.task_definition).await?;
            services.push((s, image));
        }
    }
    let rules = match &listener {
        Some(l) => ctx.aws.listener_rules(l).await?,
        None => vec![],
    };
    // Which service sits behind each target group, from the services' own load balancers.
    let service_of: BTreeMap<&str, &str> = services
        .iter()
        .flat_map(|(s, _)| {
            s.target_groups
                .iter()
                .map(move |tg| (tg.as_str(), s.name.as_str()))
        })
        .collect();
    let mut target_groups = Vec::new();
    for arn in &StatusPlan::target_groups(&rules) {
        target_groups.push(TargetGroupPart {
            name: tg_name(arn),
            arn: arn.clone(),
            targets: ctx.aws.target_health(arn).await?,
        });
    }

    let report = Report {
        lab: ctx.lab.to_string(),
        stack: StackPart {
            name: stack.name.clone(),
            status: stack.status.to_string(),
        },
        site_url: stack.outputs.get("WebsiteUrl").cloned(),
        api_url: stack.outputs.get("ApiUrl").cloned(),
        outputs: stack.outputs.clone(),
        services: services
            .iter()
            .map(|(s, image)| ServicePart {
                name: s.name.clone(),
                status: s.status.clone(),
                task_definition: mysfits_lab::arn::tail(&s.task_definition).to_string(),
                image: image.clone(),
                desired: s.desired,
                running: s.running,
                pending: s.pending,
            })
            .collect(),
        rules: rules
            .iter()
            .map(|r| {
                let tg = r.target_groups.first().cloned();
                RulePart {
                    priority: r.priority,
                    patterns: r.patterns.clone(),
                    conditions: r.conditions.describe(),
                    service: tg
                        .as_deref()
                        .and_then(|t| service_of.get(t))
                        .map(|s| s.to_string()),
                    target_group: tg.as_deref().map(tg_name),
                    weights: r
                        .forward
                        .as_ref()
                        .map(|f| weight_parts(f, |t| service_of.get(t).map(|s| s.to_string())))
                        .unwrap_or_default(),
                }
            })
            .collect(),
        target_groups,
    };
    Ok(report)
}

impl Render for Report {
    fn text(&self) -> String {
        let r = self;
        let mut out: Vec<String> = Vec::new();
        out.push(format!(
            "Lab {}: stack {} is {}",
            r.lab, r.stack.name, r.stack.status
        ));
        if let Some(url) = &r.site_url {
            out.push(format!("Website: {url}"));
        }
        if let Some(url) = &r.api_url {
            out.push(format!("API: {url}"));
        }
        out.push(String::new());
        out.push("Outputs".into());
        // An attached lab's stack also says what serves the listener's default.
        let keys = [
            "AlbUrl",
            "ClusterName",
            "TableName",
            "LogGroupName",
            "UserPoolId",
            "ClicksStream",
            "DefaultBackend",
        ];
        out.push(table(
            &[],
            keys.iter()
                .filter_map(|k| r.outputs.get(*k).map(|v| vec![k.to_string(), v.clone()]))
                .chain(
                    r.outputs
                        .iter()
                        .filter(|(k, _)| k.starts_with("RepoUri"))
                        .map(|(k, v)| vec![k.clone(), v.clone()]),
                )
                .collect(),
        ));
        out.push(String::new());
        out.push("Services".into());
        if r.services.is_empty() {
            out.push("  (none)".into());
        } else {
            out.push(table(
                &["NAME", "STATUS", "REV", "IMAGE", "TASKS"],
                // Short forms, to fit 100 columns; `--output json` has the full values.
                r.services
                    .iter()
                    .map(|s| {
                        let rev = mysfits_lab::arn::revision_number(&s.task_definition);
                        let mut tasks = format!("{}/{} running", s.running, s.desired);
                        if s.pending > 0 {
                            tasks += &format!(", {} pending", s.pending);
                        }
                        vec![
                            s.name.clone(),
                            s.status.clone(),
                            rev.to_string(),
                            s.image
                                .as_deref()
                                .map(mysfits_lab::image::short)
                                .unwrap_or_default(),
                            tasks,
                        ]
                    })
                    .collect(),
            ));
        }
        out.push(String::new());
        out.push("Listener rules (evaluated by ascending priority, default last)".into());
        out.push(table(
            &["PRIORITY", "PATTERN", "TARGET GROUP", "SERVICE"],
            r.rules
                .iter()
                .map(|rule| {
                    vec![
                        rule.priority
                            .map(|n| n.to_string())
                            .unwrap_or_else(|| "default".into()),
                        match (rule.patterns.is_empty(), rule.conditions.is_empty()) {
                            (true, true) => "*".into(),
                            (false, true) => rule.patterns.join(", "),
                            (true, false) => {
                                format!("any path if {}", rule.conditions.join(" and "))
                            }
                            (false, false) => format!(
                                "{} if {}",
                                rule.patterns.join(", "),
                                rule.conditions.join(" and ")
                            ),
                        },
                        rule.target_group.clone().unwrap_or_default(),
                        // Weighted: every service with its share.
                        if rule.weights.len() > 1 {
                            shares_text(&rule.weights)
                        } else {
                            rule.service.clone().unwrap_or_default()
                        },
                    ]
                })
                .collect(),
        ));
        out.push(String::new());
        out.push("Target health".into());
        let rows: Vec<Vec<String>> = r
            .target_groups
            .iter()
            .flat_map(|tg| {
                if tg.targets.is_empty() {
                    vec![vec![tg.name.clone(), "(no targets)".into(), String::new()]]
                } else {
                    tg.targets
                        .iter()
                        .map(|t| {
                            vec![
                                tg.name.clone(),
                                format!("{}:{}", t.id, t.port.unwrap_or_default()),
                                t.state.clone(),
                            ]
                        })
                        .collect()
                }
            })
            .collect();
        out.push(table(&["TARGET GROUP", "TARGET", "STATE"], rows));
        lines(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::elb::RuleInfo;

    #[test]
    fn the_plan_looks_where_the_outputs_say_and_at_each_group_once() {
        let outputs = BTreeMap::from([("ClusterName".to_string(), "c".to_string())]);
        assert_eq!(
            StatusPlan::new(&outputs),
            StatusPlan {
                cluster: Some("c".into()),
                listener: None
            }
        );
        let rule = |tgs: &[&str]| RuleInfo {
            action: "forward".into(),
            arn: "r".into(),
            priority: None,
            patterns: vec![],
            conditions: Default::default(),
            target_groups: tgs.iter().map(|t| t.to_string()).collect(),
            forward: None,
        };
        let rules = [rule(&["tg/b", "tg/a"]), rule(&["tg/a"]), rule(&["tg/c"])];
        assert_eq!(StatusPlan::target_groups(&rules), ["tg/b", "tg/a", "tg/c"]);
    }
}
