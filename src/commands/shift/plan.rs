//! `shift`'s plan: the rule whose weight is set, from what was read, with no call.

use std::time::Duration;

use crate::commands::ctx::routed_service;
use crate::commands::steps::cutover::Watch;
use crate::commands::steps::rules::SplitState;
use crate::error::Error;
use mysfits_lab::manifest::Manifest;
use mysfits_lab::weights::{next_weight, Forward};

/// What was asked, as plain values: the clap arguments stop here.
#[derive(Debug, Clone)]
pub struct ShiftRequest {
    pub service: String,
    pub weight: u8,
    pub bake: Option<Duration>,
    pub max_5xx: f64,
    pub timeout: Duration,
}

/// The service to shift, checked offline: a service of the manifest, split out by path.
pub fn check(manifest: &Manifest, name: &str) -> Result<(), Error> {
    routed_service(manifest, name, Error::ShiftDefault).map(drop)
}

/// What `shift` does: one weight set on the service's rule, baked when asked.
#[derive(Debug)]
pub struct ShiftPlan {
    pub service: String,
    pub weight: u8,
    pub rule_arn: String,
    pub patterns: Vec<String>,
    /// The service's target group (ARN).
    pub target_group: String,
    /// The rule's forward as read.
    pub current: Forward,
    /// `--bake`: the weight is watched after it is set.
    pub watch: Option<Watch>,
    /// How long a raise waits for the service's first healthy target.
    pub wait: Duration,
    /// The `next:` line: what, and the command.
    pub next: (&'static str, String),
}

impl ShiftPlan {
    /// A service with no rule forwarding to its group (or no group) is not split.
    pub fn new(req: &ShiftRequest, state: &SplitState) -> Result<Self, Error> {
        let name = &req.service;
        let (Some(tg), Some(rule)) = (state.target_group.as_ref(), state.rule()) else {
            return Err(Error::NotSplit(name.clone()));
        };
        let Some(current) = rule.forward.clone() else {
            return Err(Error::NotSplit(name.clone()));
        };
        let next = match req.weight {
            100 => ("take it back if needed", format!("mysfits merge {name}")),
            w => (
                "send it more",
                format!("mysfits shift {name} {}", next_weight(w)),
            ),
        };
        Ok(Self {
            service: name.clone(),
            weight: req.weight,
            rule_arn: rule.arn.clone(),
            patterns: rule.patterns.clone(),
            target_group: tg.arn.clone(),
            current,
            watch: req.bake.map(|b| Watch::new(Some(b), req.max_5xx)),
            wait: req.timeout,
            next,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::elb::RuleInfo;
    use crate::commands::ctx::testing::{manifest, outputs, target_group};
    use crate::commands::steps::rules::Live;
    use std::collections::BTreeMap;

    const TG: &str = "arn:aws:elasticloadbalancing:r:1:targetgroup/mysfits-like-service/1";
    const DEFAULT_TG: &str = "arn:aws:elasticloadbalancing:r:1:targetgroup/mysfits-default/2";

    fn state(forward: Option<Forward>, group: bool) -> SplitState {
        SplitState {
            outputs: outputs(),
            live: Live {
                listener: "listener".into(),
                rules: vec![RuleInfo {
                    action: "forward".into(),
                    arn: "rule-1".into(),
                    priority: Some(3),
                    patterns: vec!["/mysfits/*/like".into()],
                    conditions: Default::default(),
                    target_groups: vec![TG.into()],
                    forward,
                }],
                model: Vec::new(),
                default_target: "monolith-service".into(),
                service_of: BTreeMap::new(),
            },
            tg_name: "mysfits-like-service".into(),
            target_group: group.then(|| target_group(TG, &[])),
        }
    }

    fn req(weight: u8, bake: Option<Duration>) -> ShiftRequest {
        ShiftRequest {
            service: "like-service".into(),
            weight,
            bake,
            max_5xx: 1.0,
            timeout: Duration::from_secs(1200),
        }
    }

    #[test]
    fn a_split_rule_gets_the_weight_and_the_next_step_is_named() {
        let read = state(Some(Forward::at(TG, DEFAULT_TG, 10)), true);
        let plan = ShiftPlan::new(&req(10, None), &read).unwrap();
        assert_eq!(plan.rule_arn, "rule-1");
        assert_eq!(plan.current.percent(TG), 10);
        assert_eq!(plan.watch, None, "no --bake: not watched");
        assert_eq!(plan.next.1, "mysfits shift like-service 50");
        let all = ShiftPlan::new(&req(100, Some(Duration::from_secs(30))), &read).unwrap();
        assert_eq!(all.next.1, "mysfits merge like-service");
        assert_eq!(all.watch.map(|w| w.bake), Some(Duration::from_secs(30)));
    }

    #[test]
    fn no_group_or_no_forward_is_not_split() {
        let forward = Some(Forward::at(TG, DEFAULT_TG, 10));
        for read in [state(forward, false), state(None, true)] {
            assert!(matches!(
                ShiftPlan::new(&req(50, None), &read),
                Err(Error::NotSplit(_))
            ));
        }
    }

    #[test]
    fn the_default_service_is_refused_offline() {
        let m = manifest();
        assert!(matches!(
            check(&m, "monolith-service"),
            Err(Error::ShiftDefault(_))
        ));
        assert!(check(&m, "like-service").is_ok());
    }
}
