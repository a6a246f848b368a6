//! What `cleanup` will delete, in reverse dependency order: services before the target
//! groups they use, rules before target groups, images before their repositories' stack.

use serde::Serialize;

#[derive(Debug, Clone, Default, Serialize)]
pub struct Inventory {
    /// The core stack and its status, when it exists.
    pub stack: Option<(String, String)>,
    /// One-off tasks `mysfits run --keep` left running.
    pub tasks: Vec<Named>,
    pub services: Vec<Named>,
    pub rules: Vec<Named>,
    pub target_groups: Vec<Named>,
    pub task_definitions: Vec<Named>,
    /// One entry per repository holding images: name and image count.
    pub images: Vec<(String, usize)>,
    /// The stack's buckets (the page's, the clicks') that hold objects: name and count.
    pub buckets: Vec<(String, usize)>,
}

/// A resource found by the lab's tag: its ARN (or name) and a label for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Named {
    pub id: String,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Phase {
    /// One-off tasks from `mysfits run`, stopped.
    Tasks,
    /// Scale to zero and delete; they hold the target groups.
    Services,
    /// Listener rules: traffic returns to the default action at once.
    Rules,
    TargetGroups,
    TaskDefinitions,
    /// Images first, so a repository never blocks the stack's deletion.
    Images,
    /// Emptied first too: CloudFormation cannot delete a bucket that holds objects.
    Buckets,
    Stack,
}

impl Phase {
    pub fn title(self) -> &'static str {
        match self {
            Phase::Tasks => "one-off tasks from `mysfits run` (stopped)",
            Phase::Services => "ECS services (scaled to 0, then deleted)",
            Phase::Rules => "listener rules",
            Phase::TargetGroups => "target groups",
            Phase::TaskDefinitions => "task-definition revisions (deregistered)",
            Phase::Images => "container images",
            Phase::Buckets => "files of the page and the clicks (the buckets go with the stack)",
            Phase::Stack => {
                "core stack (VPC, load balancer, cluster, table, repositories, logs, buckets, sign-in, API, clicks stream)"
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    pub phase: Phase,
    pub items: Vec<Named>,
}

/// Phases in the order they run; empty phases are left out.
pub fn cleanup_plan(inv: &Inventory) -> Vec<Step> {
    let images = inv
        .images
        .iter()
        .map(|(repo, n)| Named {
            id: repo.clone(),
            label: format!("{repo} ({n} image{})", if *n == 1 { "" } else { "s" }),
        })
        .collect();
    let buckets = inv
        .buckets
        .iter()
        .map(|(bucket, n)| Named {
            id: bucket.clone(),
            label: format!("{bucket} ({n} file{})", if *n == 1 { "" } else { "s" }),
        })
        .collect();
    let stack = inv
        .stack
        .iter()
        .map(|(name, status)| Named {
            id: name.clone(),
            label: format!("{name} ({status})"),
        })
        .collect();
    [
        (Phase::Tasks, inv.tasks.clone()),
        (Phase::Services, inv.services.clone()),
        (Phase::Rules, inv.rules.clone()),
        (Phase::TargetGroups, inv.target_groups.clone()),
        (Phase::TaskDefinitions, inv.task_definitions.clone()),
        (Phase::Images, images),
        (Phase::Buckets, buckets),
        (Phase::Stack, stack),
    ]
    .into_iter()
    .filter(|(_, items)| !items.is_empty())
    .map(|(phase, items)| Step { phase, items })
    .collect()
}

/// The plan as people read it.
pub fn render(plan: &[Step]) -> String {
    let mut out = String::new();
    for (i, step) in plan.iter().enumerate() {
        out.push_str(&format!("{}. {}\n", i + 1, step.phase.title()));
        for item in &step.items {
            out.push_str(&format!("   - {}\n", item.label));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(id: &str) -> Named {
        Named {
            id: id.into(),
            label: id.into(),
        }
    }

    #[test]
    fn phases_run_in_reverse_dependency_order() {
        let inv = Inventory {
            stack: Some(("mysfits".into(), "CREATE_COMPLETE".into())),
            tasks: vec![named("task/1")],
            services: vec![named("like-service"), named("monolith-service")],
            rules: vec![named("rule")],
            target_groups: vec![named("tg")],
            task_definitions: vec![named("td:1")],
            images: vec![("mysfits/like-service".into(), 2)],
            buckets: vec![("mysfits-websitebucket-x".into(), 5)],
        };
        let phases: Vec<Phase> = cleanup_plan(&inv).iter().map(|s| s.phase).collect();
        assert_eq!(
            phases,
            [
                Phase::Tasks,
                Phase::Services,
                Phase::Rules,
                Phase::TargetGroups,
                Phase::TaskDefinitions,
                Phase::Images,
                Phase::Buckets,
                Phase::Stack
            ]
        );
        let text = render(&cleanup_plan(&inv));
        assert!(text.contains("mysfits/like-service (2 images)"), "{text}");
        assert!(
            text.contains("7. files of the page and the clicks"),
            "{text}"
        );
        assert!(text.contains("mysfits-websitebucket-x (5 files)"), "{text}");
        assert!(text.starts_with("1. one-off tasks"), "{text}");
        assert!(text.contains("2. ECS services"), "{text}");
    }

    #[test]
    fn empty_phases_are_left_out() {
        let inv = Inventory {
            stack: Some(("mysfits".into(), "ROLLBACK_COMPLETE".into())),
            ..Default::default()
        };
        let plan = cleanup_plan(&inv);
        assert_eq!(plan.len(), 1);
        assert_eq!(plan[0].phase, Phase::Stack);
        assert!(cleanup_plan(&Inventory::default()).is_empty());
    }
}
