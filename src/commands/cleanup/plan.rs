//! `cleanup`'s plan: what the lab owns, by phase in reverse dependency order, from what
//! was read (by the lab's tag and the stack's own resources), with no call.

use mysfits_lab::arn;
use mysfits_lab::names::TAG_SERVICE;
use mysfits_lab::plan::{cleanup_plan, Inventory, Named, Step};

/// What `cleanup` read of the lab, as plain values: the plan is made from them.
#[derive(Debug, Default)]
pub struct Reads {
    /// The core stack's name, status and outputs, when it exists.
    pub stack: Option<(String, String, std::collections::BTreeMap<String, String>)>,
    pub tasks: Vec<String>,
    pub services: Vec<Named>,
    /// The lab's target groups, by its tag.
    pub target_groups: Vec<crate::aws::elb::TargetGroupInfo>,
    /// The listener's rules, all of them.
    pub rules: Vec<crate::aws::elb::RuleInfo>,
    pub task_definitions: Vec<String>,
    /// The stack's repositories with their image counts.
    pub repositories: Vec<(String, usize)>,
    /// The stack's buckets (the page's, the clicks') and their object counts.
    pub buckets: Vec<(String, usize)>,
}

/// What `cleanup` deletes, by phase, and what the later steps need to know.
#[derive(Debug)]
pub struct CleanupPlan {
    pub steps: Vec<Step>,
    pub cluster: Option<String>,
    /// The stack's ECR repositories, for the sweep to check once the stack is gone.
    pub repositories: Vec<String>,
    /// The stack's buckets, likewise.
    pub buckets: Vec<String>,
}

impl CleanupPlan {
    pub fn new(reads: Reads) -> Self {
        let output = |key: &str| reads.stack.as_ref().and_then(|s| s.2.get(key).cloned());
        // Target groups the tool made carry the service tag; the stack's own go with the stack.
        let target_groups: Vec<_> = reads
            .target_groups
            .iter()
            .filter(|t| t.tags.contains_key(TAG_SERVICE))
            .collect();
        // Rules that forward to one of those: the lab's splits.
        let rules = reads.rules.iter().filter(|r| {
            r.priority.is_some()
                && r.target_groups
                    .iter()
                    .any(|tg| target_groups.iter().any(|t| &t.arn == tg))
        });
        let inventory = Inventory {
            stack: reads.stack.as_ref().map(|s| (s.0.clone(), s.1.clone())),
            tasks: reads
                .tasks
                .iter()
                .map(|arn| Named {
                    id: arn.clone(),
                    label: format!("task {}", arn::tail(arn)),
                })
                .collect(),
            services: reads.services.clone(),
            rules: rules
                .map(|r| Named {
                    id: r.arn.clone(),
                    label: format!(
                        "priority {}: {}",
                        r.priority.unwrap_or_default(),
                        r.patterns.join(", ")
                    ),
                })
                .collect(),
            target_groups: target_groups
                .iter()
                .map(|t| Named {
                    id: t.arn.clone(),
                    label: t.name.clone(),
                })
                .collect(),
            task_definitions: reads
                .task_definitions
                .iter()
                .map(|arn| Named {
                    id: arn.clone(),
                    label: arn::tail(arn).to_string(),
                })
                .collect(),
            images: reads
                .repositories
                .iter()
                .filter(|(_, n)| *n > 0)
                .cloned()
                .collect(),
            buckets: reads
                .buckets
                .iter()
                .filter(|(_, n)| *n > 0)
                .cloned()
                .collect(),
        };
        Self {
            steps: cleanup_plan(&inventory),
            cluster: output("ClusterName"),
            repositories: reads.repositories.iter().map(|(r, _)| r.clone()).collect(),
            buckets: reads.buckets.into_iter().map(|(b, _)| b).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::elb::{RuleInfo, TargetGroupInfo};
    use mysfits_lab::plan::Phase;
    use std::collections::BTreeMap;

    fn arn(name: &str) -> String {
        format!("arn:aws:elasticloadbalancing:r:1:targetgroup/{name}/1")
    }

    fn group(name: &str, made_by_the_tool: bool) -> TargetGroupInfo {
        let mut tags = vec![("mysfits:lab", "mysfits")];
        if made_by_the_tool {
            tags.push((TAG_SERVICE, name));
        }
        crate::commands::ctx::testing::target_group(&arn(name), &tags)
    }

    fn rule(arn: &str, priority: Option<u32>, tg: &str) -> RuleInfo {
        RuleInfo {
            action: "forward".into(),
            arn: arn.into(),
            priority,
            patterns: vec!["/mysfits/*/like".into()],
            conditions: Default::default(),
            target_groups: vec![tg.into()],
            forward: None,
        }
    }

    fn ids(plan: &CleanupPlan, phase: Phase) -> Vec<&str> {
        plan.steps
            .iter()
            .filter(|s| s.phase == phase)
            .flat_map(|s| s.items.iter().map(|i| i.id.as_str()))
            .collect()
    }

    #[test]
    fn only_the_tools_groups_and_the_rules_to_them_go_before_the_stack() {
        let reads = Reads {
            stack: Some((
                "mysfits".into(),
                "CREATE_COMPLETE".into(),
                BTreeMap::from([("ClusterName".to_string(), "lab-cluster".to_string())]),
            )),
            target_groups: vec![group("mysfits-like", true), group("mysfits-default", false)],
            rules: vec![
                rule("rule-like", Some(3), &arn("mysfits-like")),
                rule("rule-hand-made", Some(4), &arn("other")),
                rule("default", None, &arn("mysfits-default")),
            ],
            repositories: vec![("repo-a".into(), 2), ("repo-empty".into(), 0)],
            buckets: vec![("site".into(), 0)],
            ..Default::default()
        };
        let plan = CleanupPlan::new(reads);
        assert_eq!(ids(&plan, Phase::TargetGroups), [arn("mysfits-like")]);
        assert_eq!(ids(&plan, Phase::Rules), ["rule-like"]);
        assert_eq!(
            ids(&plan, Phase::Images),
            ["repo-a"],
            "empty repositories: no images"
        );
        assert!(
            ids(&plan, Phase::Buckets).is_empty(),
            "an empty bucket goes with the stack"
        );
        assert_eq!(ids(&plan, Phase::Stack), ["mysfits"]);
        assert_eq!(plan.cluster.as_deref(), Some("lab-cluster"));
        // The sweep checks every repository and the bucket, emptied or not.
        assert_eq!(plan.repositories, ["repo-a", "repo-empty"]);
        assert_eq!(plan.buckets, ["site"]);
    }

    #[test]
    fn no_stack_leaves_only_what_carries_the_tag() {
        let reads = Reads {
            task_definitions: vec!["arn:aws:ecs:r:1:task-definition/mysfits-like:3".into()],
            ..Default::default()
        };
        let plan = CleanupPlan::new(reads);
        assert_eq!(plan.steps.len(), 1);
        assert_eq!(plan.steps[0].items[0].label, "mysfits-like:3");
        assert_eq!(plan.cluster, None);
        assert!(CleanupPlan::new(Reads::default()).steps.is_empty());
    }
}
