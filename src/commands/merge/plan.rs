//! `merge`'s plan: what goes, in order (the rule, the service, the target group), from
//! what was read, with no call. The same plan, question and `--yes` as `cleanup`.

use std::time::Duration;

use crate::aws::elb::{RuleInfo, TargetGroupInfo};
use crate::commands::ctx::routed_service;
use crate::commands::steps::rules::{shares_text, SplitState};
use crate::error::Error;
use mysfits_lab::manifest::Manifest;

/// The service to merge, checked offline: a service of the manifest, split out by path.
pub fn check(manifest: &Manifest, name: &str) -> Result<(), Error> {
    routed_service(manifest, name, Error::MergeDefault).map(drop)
}

/// What `merge` deletes, each part only when there.
#[derive(Debug)]
pub struct MergePlan {
    pub service: String,
    /// The rule that forwards to the service, deleted first.
    pub rule: Option<RuleInfo>,
    /// The lab's ECS service of that name, scaled to 0 and deleted.
    pub ecs_service: bool,
    pub tg_name: String,
    pub target_group: Option<TargetGroupInfo>,
    /// The plan as shown, one line per part.
    pub lines: Vec<String>,
    /// `--dry-run`: shown, not carried out.
    pub dry_run: bool,
    /// How long the rule waits for the default service's first healthy target.
    pub wait: Duration,
}

impl MergePlan {
    /// `ecs_service`: the lab's ECS service of that name exists (with the lab's tag).
    pub fn new(
        service: &str,
        state: &SplitState,
        ecs_service: bool,
        dry_run: bool,
        wait: Duration,
    ) -> Self {
        let rule = state.rule().cloned();
        let mut lines = Vec::new();
        if let Some(r) = &rule {
            // At any weight: the rule goes, and with it every share but the default's.
            let weights = state.live.weights(r);
            let shares = if weights.len() > 1 {
                format!(", {}", shares_text(&weights))
            } else {
                String::new()
            };
            lines.push(format!(
                "listener rule {} (priority {}{shares}): its paths go to {} again",
                r.patterns.join(", "),
                r.priority.unwrap_or_default(),
                state.live.default_target
            ));
        }
        if ecs_service {
            lines.push(format!("ECS service {service} (scaled to 0, then deleted)"));
        }
        if state.target_group.is_some() {
            lines.push(format!("target group {}", state.tg_name));
        }
        Self {
            service: service.to_string(),
            rule,
            ecs_service,
            tg_name: state.tg_name.clone(),
            target_group: state.target_group.clone(),
            lines,
            dry_run,
            wait,
        }
    }

    /// Nothing of the split is there: nothing to merge.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::ctx::testing::{manifest, outputs, target_group};
    use crate::commands::steps::rules::Live;
    use mysfits_lab::weights::Forward;
    use std::collections::BTreeMap;

    const TG: &str = "arn:aws:elasticloadbalancing:r:1:targetgroup/mysfits-like-service/1";
    const DEFAULT_TG: &str = "arn:aws:elasticloadbalancing:r:1:targetgroup/mysfits-default/2";

    /// What `merge` reads for like-service: the rule at `weight` (when given), the group.
    fn state(weight: Option<u8>, group: bool) -> SplitState {
        let rules = weight
            .map(|w| RuleInfo {
                action: "forward".into(),
                arn: "rule-1".into(),
                priority: Some(3),
                patterns: vec!["/mysfits/*/like".into()],
                conditions: Default::default(),
                target_groups: vec![TG.into(), DEFAULT_TG.into()],
                forward: Some(Forward::at(TG, DEFAULT_TG, w)),
            })
            .into_iter()
            .collect();
        SplitState {
            outputs: outputs(),
            live: Live {
                listener: "listener".into(),
                rules,
                model: Vec::new(),
                default_target: "monolith-service".into(),
                service_of: BTreeMap::from([
                    (TG.into(), "like-service".into()),
                    (DEFAULT_TG.into(), "monolith-service".into()),
                ]),
            },
            tg_name: "mysfits-like-service".into(),
            target_group: group.then(|| target_group(TG, &[])),
        }
    }

    fn plan(state: &SplitState, ecs_service: bool) -> MergePlan {
        MergePlan::new(
            "like-service",
            state,
            ecs_service,
            false,
            Duration::from_secs(60),
        )
    }

    #[test]
    fn a_whole_split_goes_rule_first_then_service_then_group() {
        let plan = plan(&state(Some(100), true), true);
        assert_eq!(
            plan.lines,
            [
                "listener rule /mysfits/*/like (priority 3): its paths go to monolith-service again",
                "ECS service like-service (scaled to 0, then deleted)",
                "target group mysfits-like-service",
            ]
        );
        assert_eq!(plan.rule.map(|r| r.arn), Some("rule-1".into()));
    }

    #[test]
    fn a_weighted_rule_names_the_shares_that_go_with_it() {
        let plan = plan(&state(Some(10), true), true);
        assert_eq!(
            plan.lines[0],
            "listener rule /mysfits/*/like (priority 3, like-service 10 %, monolith-service 90 %): its paths go to monolith-service again"
        );
    }

    #[test]
    fn what_is_gone_already_is_left_out_and_nothing_left_is_nothing_to_merge() {
        let half = plan(&state(None, true), false);
        assert_eq!(half.lines, ["target group mysfits-like-service"]);
        assert!(half.rule.is_none() && !half.is_empty());
        // A rule is found through the lab's group: without it, none is the service's.
        let none = plan(&state(Some(100), false), false);
        assert!(none.is_empty() && none.rule.is_none());
    }

    #[test]
    fn the_default_service_and_unknown_ones_are_refused_offline() {
        let m = manifest();
        assert!(check(&m, "like-service").is_ok());
        assert!(matches!(
            check(&m, "monolith-service"),
            Err(Error::MergeDefault(_))
        ));
        assert!(matches!(
            check(&m, "nope"),
            Err(Error::UnknownService { .. })
        ));
    }
}
