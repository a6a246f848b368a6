//! The listener's rules as the ALB model sees them: each named for the service behind it.

use std::collections::BTreeMap;

use crate::aws::elb::RuleInfo;
use crate::commands::Ctx;
use crate::error::Error;
use crate::lab::alb::{PathPattern, Rule};
use crate::lab::outputs::StackOutputs;

pub struct Live {
    pub rules: Vec<RuleInfo>,
    /// Non-default rules, for evaluation and priority choice.
    pub model: Vec<Rule>,
    /// The service behind the default action.
    pub default_target: String,
}

pub async fn live(ctx: &Ctx<'_>, outputs: &StackOutputs) -> Result<Live, Error> {
    let cluster = outputs.get("ClusterName")?;
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
    let rules = ctx.aws.listener_rules(outputs.get("ListenerArn")?).await?;
    let default_target = rules
        .iter()
        .find(|r| r.priority.is_none())
        .map(|r| name(&r.target_groups))
        .unwrap_or_else(|| ctx.manifest.default_service().name.clone());
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
            })
        })
        .collect();
    Ok(Live {
        rules,
        model,
        default_target,
    })
}

/// `arn:…:targetgroup/<name>/<id>` → `<name>`.
pub fn tg_name(arn: &str) -> String {
    arn.split('/').nth(1).unwrap_or(arn).to_string()
}
