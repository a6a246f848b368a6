//! The listener's rules as the ALB model sees them: each named for the service behind
//! it, and marked as the lab's own when its target groups carry the lab's tag.

use std::collections::{BTreeMap, BTreeSet};

use crate::aws::elb::RuleInfo;
use crate::commands::Ctx;
use crate::error::Error;
use mysfits_lab::alb::{PathPattern, Rule};
use mysfits_lab::names::owned_by;
use mysfits_lab::outputs::StackOutputs;
use mysfits_lab::weights::Forward;

pub struct Live {
    pub listener: String,
    pub rules: Vec<RuleInfo>,
    /// Non-default rules, for evaluation and placement.
    pub model: Vec<Rule>,
    /// The service behind the default action.
    pub default_target: String,
    /// The service behind each target group, from the services' load balancers.
    pub service_of: BTreeMap<String, String>,
}

impl Live {
    /// The (non-default) rule that forwards to the target group `tg_arn`.
    pub fn rule_of(&self, tg_arn: &str) -> Option<&RuleInfo> {
        self.rules
            .iter()
            .find(|r| r.priority.is_some() && r.target_groups.iter().any(|t| t == tg_arn))
    }

    /// The rule at `priority` (unique on a listener).
    pub fn arn_at(&self, priority: u32) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.priority == Some(priority))
            .map(|r| r.arn.as_str())
    }

    /// Who shares a rule's requests, and how much of them each gets.
    pub fn weights(&self, rule: &RuleInfo) -> Vec<WeightPart> {
        rule.forward
            .as_ref()
            .map(|f| weight_parts(f, |tg| self.service_of.get(tg).cloned()))
            .unwrap_or_default()
    }
}

/// One target group of a rule's forward action and its share of the requests.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WeightPart {
    pub service: String,
    pub target_group: String,
    pub weight: u8,
}

/// The forward's groups with their shares, each named for its service where one is known.
pub fn weight_parts(
    forward: &Forward,
    service: impl Fn(&str) -> Option<String>,
) -> Vec<WeightPart> {
    forward
        .shares()
        .into_iter()
        .map(|(tg, weight)| WeightPart {
            service: service(&tg).unwrap_or_else(|| tg_name(&tg)),
            target_group: tg_name(&tg),
            weight,
        })
        .collect()
}

/// `like-service 10 %, monolith-service 90 %`.
pub fn shares_text(parts: &[WeightPart]) -> String {
    parts
        .iter()
        .map(|p| format!("{} {} %", p.service, p.weight))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The lab's own target group of that name; one without the lab's tag is not ours.
pub async fn own_target_group(
    ctx: &Ctx<'_>,
    name: &str,
) -> Result<Option<crate::aws::elb::TargetGroupInfo>, Error> {
    Ok(ctx
        .aws
        .find_target_group(name)
        .await?
        .filter(|t| owned_by(&t.tags, ctx.lab.name())))
}

pub async fn live(ctx: &Ctx<'_>, outputs: &StackOutputs) -> Result<Live, Error> {
    let cluster = outputs.cluster_name.as_str();
    let services = ctx.aws.lab_services(cluster, ctx.lab.name()).await?;
    let by_tg: BTreeMap<&str, &str> = services
        .iter()
        .flat_map(|s| {
            s.target_groups
                .iter()
                .map(move |t| (t.as_str(), s.name.as_str()))
        })
        .collect();
    let name = |arns: &[String]| -> Option<String> {
        arns.first().map(|a| {
            by_tg
                .get(a.as_str())
                .map(|s| s.to_string())
                .unwrap_or_else(|| tg_name(a))
        })
    };
    // A rule that answers itself (a foreign fixed response or redirect) by its action, in
    // brackets so no service name can be it: `route` says what answers.
    let target = |r: &RuleInfo| name(&r.target_groups).unwrap_or_else(|| format!("({})", r.action));
    let listener = outputs.listener_arn.clone();
    let rules = ctx.aws.listener_rules(&listener).await?;
    // A rule is the lab's when every target group it forwards to carries the lab's tag,
    // as `split` checks before it uses a target group.
    let forwarded: BTreeSet<String> = rules
        .iter()
        .filter(|r| r.priority.is_some())
        .flat_map(|r| r.target_groups.iter().cloned())
        .collect();
    let tags = if forwarded.is_empty() {
        BTreeMap::new()
    } else {
        ctx.aws
            .elb_tags(&forwarded.into_iter().collect::<Vec<_>>())
            .await?
    };
    let ours = |arn: &String| tags.get(arn).is_some_and(|t| owned_by(t, ctx.lab.name()));
    let default_target = rules
        .iter()
        .find(|r| r.priority.is_none())
        .map(target)
        .or_else(|| ctx.manifest.map(|m| m.default_service().name.clone()))
        .unwrap_or_else(|| "(no default action)".into());
    let model = rules
        .iter()
        .filter_map(|r| {
            Some(Rule {
                priority: r.priority?,
                patterns: r
                    .patterns
                    .iter()
                    .filter_map(|p| PathPattern::parse(p).ok())
                    .collect(),
                when: r.conditions.clone(),
                target: target(r),
                owned: !r.target_groups.is_empty() && r.target_groups.iter().all(ours),
            })
        })
        .collect();
    let service_of = by_tg
        .iter()
        .map(|(tg, s)| (tg.to_string(), s.to_string()))
        .collect();
    Ok(Live {
        listener,
        rules,
        model,
        default_target,
        service_of,
    })
}

/// `arn:…:targetgroup/<name>/<id>` → `<name>`.
pub fn tg_name(arn: &str) -> String {
    arn.split('/').nth(1).unwrap_or(arn).to_string()
}

/// A split service as AWS has it (`merge`, `shift`): the stack's outputs, the listener's
/// rules, and the lab's own target group of the service.
pub struct SplitState {
    pub outputs: StackOutputs,
    pub live: Live,
    /// The target group's name, whether or not it exists.
    pub tg_name: String,
    pub target_group: Option<crate::aws::elb::TargetGroupInfo>,
}

impl SplitState {
    /// The rule forwarding to the service's target group, when both exist.
    pub fn rule(&self) -> Option<&RuleInfo> {
        self.target_group
            .as_ref()
            .and_then(|t| self.live.rule_of(&t.arn))
    }
}

/// Reads the split of `service`, from a stack that changes may build on.
pub async fn split_state(ctx: &Ctx<'_>, service: &str) -> Result<SplitState, Error> {
    let tg_name = ctx.lab.target_group(service)?;
    let outputs = ctx.outputs_for_change().await?;
    let live = live(ctx, &outputs).await?;
    let target_group = own_target_group(ctx, &tg_name).await?;
    Ok(SplitState {
        outputs,
        live,
        tg_name,
        target_group,
    })
}
