//! The listener's rules as the ALB model sees them: each named for the service behind
//! it, and marked as the lab's own when its target groups carry the lab's tag.

use std::collections::{BTreeMap, BTreeSet};

use crate::aws::elb::RuleInfo;
use crate::commands::Ctx;
use crate::error::Error;
use crate::lab::alb::{PathPattern, Rule};
use crate::lab::names::TAG_LAB;
use crate::lab::outputs::StackOutputs;

pub struct Live {
    pub listener: String,
    pub rules: Vec<RuleInfo>,
    /// Non-default rules, for evaluation and placement.
    pub model: Vec<Rule>,
    /// The service behind the default action.
    pub default_target: String,
}

impl Live {
    /// The rule at `priority` (unique on a listener).
    pub fn arn_at(&self, priority: u32) -> Option<&str> {
        self.rules
            .iter()
            .find(|r| r.priority == Some(priority))
            .map(|r| r.arn.as_str())
    }
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
    let name = |arns: &[String]| -> String {
        arns.first()
            .map(|a| {
                by_tg
                    .get(a.as_str())
                    .map(|s| s.to_string())
                    .unwrap_or_else(|| tg_name(a))
            })
            .unwrap_or_else(|| "(no target)".into())
    };
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
    let ours = |arn: &String| {
        tags.get(arn)
            .and_then(|t| t.get(TAG_LAB))
            .map(String::as_str)
            == Some(ctx.lab.name())
    };
    let default_target = rules
        .iter()
        .find(|r| r.priority.is_none())
        .map(|r| name(&r.target_groups))
        .unwrap_or_else(|| ctx.manifest().default_service().name.clone());
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
                target: name(&r.target_groups),
                owned: !r.target_groups.is_empty() && r.target_groups.iter().all(ours),
            })
        })
        .collect();
    Ok(Live {
        listener,
        rules,
        model,
        default_target,
    })
}

/// `arn:…:targetgroup/<name>/<id>` → `<name>`.
pub fn tg_name(arn: &str) -> String {
    arn.split('/').nth(1).unwrap_or(arn).to_string()
}
