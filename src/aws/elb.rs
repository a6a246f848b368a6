//! Elastic Load Balancing v2: listener rules, target groups, target health.

use std::collections::BTreeMap;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, ForwardActionConfig, HostHeaderConditionConfig,
    PathPatternConditionConfig, ProtocolEnum, RuleCondition, Tag, TargetGroupAttribute,
    TargetGroupStickinessConfig, TargetGroupTuple, TargetTypeEnum,
};

use super::error::{Answer, AwsError, NoneIf};
use super::pages::all_pages;
use super::pairs::pairs;
use super::Aws;
use mysfits_lab::alb::{Cidr, Conditions, Glob, Header, QueryPair};
use mysfits_lab::health::HealthCheck;
use mysfits_lab::names::owned_by;
use mysfits_lab::weights::Forward;

#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleInfo {
    pub arn: String,
    /// `None` for the listener's default rule.
    pub priority: Option<u32>,
    pub patterns: Vec<String>,
    /// Its conditions besides paths (host, header, method, query string, source IP).
    #[serde(skip_serializing_if = "Conditions::is_empty")]
    pub conditions: Conditions,
    pub target_groups: Vec<String>,
    /// The forward action, plain or weighted; `None` for other actions.
    pub forward: Option<Forward>,
    /// The action's type as ALB names it (`forward`, `redirect`, `fixed-response`…).
    pub action: String,
}

impl RuleInfo {
    /// Its conditions as a person reads them: paths, then the others, ANDed.
    pub fn conditions_text(&self) -> String {
        let mut parts = Vec::new();
        if !self.patterns.is_empty() {
            parts.push(format!("path {}", self.patterns.join(" or ")));
        }
        parts.extend(self.conditions.describe());
        parts.join(" and ")
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetGroupInfo {
    pub arn: String,
    pub name: String,
    pub port: Option<i32>,
    pub health_check_path: Option<String>,
    /// The health check as the target group has it (0 for a setting AWS did not return).
    #[serde(skip)]
    pub health_check: HealthCheck,
    #[serde(skip)]
    pub tags: BTreeMap<String, String>,
}

/// A described target group, its tags not read yet.
fn target_group_info(t: &aws_sdk_elasticloadbalancingv2::types::TargetGroup) -> TargetGroupInfo {
    TargetGroupInfo {
        arn: t.target_group_arn().unwrap_or_default().to_string(),
        name: t.target_group_name().unwrap_or_default().to_string(),
        port: t.port(),
        health_check_path: t.health_check_path().map(String::from),
        health_check: health_check_of(t),
        tags: BTreeMap::new(),
    }
}

/// A described target group's health check, to compare with the manifest's.
fn health_check_of(t: &aws_sdk_elasticloadbalancingv2::types::TargetGroup) -> HealthCheck {
    let n = |v: Option<i32>| v.and_then(|v| u32::try_from(v).ok()).unwrap_or(0);
    HealthCheck {
        path: t.health_check_path().unwrap_or_default().to_string(),
        interval: n(t.health_check_interval_seconds()),
        timeout: n(t.health_check_timeout_seconds()),
        healthy_threshold: n(t.healthy_threshold_count()),
        unhealthy_threshold: n(t.unhealthy_threshold_count()),
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetHealth {
    pub id: String,
    pub port: Option<i32>,
    pub state: String,
    pub reason: Option<String>,
}

/// The draining time's attribute: the manifest's `draining` (15 s by default instead of
/// AWS's 300), so rollouts and merges do not wait five minutes per task.
const DRAINING_KEY: &str = "deregistration_delay.timeout_seconds";

/// Create and modify set a health check's every setting, on two builder types.
macro_rules! health_check {
    ($builder:expr, $hc:expr) => {
        $builder
            .health_check_path(&$hc.path)
            .health_check_interval_seconds($hc.interval as i32)
            .health_check_timeout_seconds($hc.timeout as i32)
            .healthy_threshold_count($hc.healthy_threshold as i32)
            .unhealthy_threshold_count($hc.unhealthy_threshold as i32)
    };
}

impl Aws {
    /// Every rule of the listener, all pages (moto answers 50 a page, AWS up to 400:
    /// placement must see them all).
    pub async fn listener_rules(&self, listener: &str) -> Result<Vec<RuleInfo>, AwsError> {
        let pages = self
            .elb
            .describe_rules()
            .listener_arn(listener)
            .into_paginator()
            .send();
        all_pages(pages, "describe listener rules", |p| {
            p.rules().iter().map(rule_info).collect()
        })
        .await
    }

    /// Tags of up to any number of ELB resources (20 per call).
    pub async fn elb_tags(
        &self,
        arns: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, AwsError> {
        let mut out = BTreeMap::new();
        for chunk in arns.chunks(20) {
            let call = self
                .elb
                .describe_tags()
                .set_resource_arns(Some(chunk.to_vec()));
            let resp = call.send().answer("describe load balancer tags").await?;
            for d in resp.tag_descriptions() {
                // A tag with no value is one with an empty value.
                let tags = pairs(d.tags(), |t| (t.key(), Some(t.value().unwrap_or_default())));
                out.insert(d.resource_arn().unwrap_or_default().to_string(), tags);
            }
        }
        Ok(out)
    }

    /// Every target group in the region carrying the lab's tag.
    pub async fn lab_target_groups(&self, lab: &str) -> Result<Vec<TargetGroupInfo>, AwsError> {
        let pages = self.elb.describe_target_groups().into_paginator().send();
        let groups = all_pages(pages, "describe target groups", |p| {
            p.target_groups().iter().map(target_group_info).collect()
        })
        .await?;
        let arns: Vec<String> = groups.iter().map(|g| g.arn.clone()).collect();
        let mut tags = self.elb_tags(&arns).await?;
        Ok(groups
            .into_iter()
            .filter_map(|mut g| {
                g.tags = tags.remove(&g.arn).unwrap_or_default();
                owned_by(&g.tags, lab).then_some(g)
            })
            .collect())
    }

    pub async fn target_health(&self, target_group: &str) -> Result<Vec<TargetHealth>, AwsError> {
        let call = self
            .elb
            .describe_target_health()
            .target_group_arn(target_group);
        let out = call.send().answer("describe target health").await?;
        Ok(out
            .target_health_descriptions()
            .iter()
            .map(|d| TargetHealth {
                id: d
                    .target()
                    .and_then(|t| t.id())
                    .unwrap_or_default()
                    .to_string(),
                port: d.target().and_then(|t| t.port()),
                state: d
                    .target_health()
                    .and_then(|h| h.state())
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                reason: d
                    .target_health()
                    .and_then(|h| h.description())
                    .map(String::from),
            })
            .collect())
    }

    pub async fn delete_rule(&self, arn: &str) -> Result<(), AwsError> {
        let call = self.elb.delete_rule().rule_arn(arn);
        call.send().answer("delete listener rule").await?;
        Ok(())
    }

    pub async fn delete_target_group(&self, arn: &str) -> Result<(), AwsError> {
        let call = self.elb.delete_target_group().target_group_arn(arn);
        call.send().answer("delete target group").await?;
        Ok(())
    }

    /// A target group by name, with its tags; `None` when there is none.
    pub async fn find_target_group(&self, name: &str) -> Result<Option<TargetGroupInfo>, AwsError> {
        let call = self.elb.describe_target_groups().names(name);
        let answer = call.send().answer("describe target group").await;
        let out = answer.none_if(|e| {
            e.code()
                .is_some_and(|c| c.starts_with("TargetGroupNotFound"))
        })?;
        let Some(mut group) = out.and_then(|o| o.target_groups().first().map(target_group_info))
        else {
            return Ok(None);
        };
        let arn = std::slice::from_ref(&group.arn);
        group.tags = self
            .elb_tags(arn)
            .await?
            .remove(&group.arn)
            .unwrap_or_default();
        Ok(Some(group))
    }

    /// A target group for Fargate tasks (target type ip) with the manifest's health check
    /// and draining time.
    pub async fn create_target_group(
        &self,
        name: &str,
        port: u16,
        vpc: &str,
        health_check: &HealthCheck,
        draining: u32,
        tags: &[(String, String)],
    ) -> Result<String, AwsError> {
        let create = self
            .elb
            .create_target_group()
            .name(name)
            .protocol(ProtocolEnum::Http)
            .port(port as i32)
            .vpc_id(vpc)
            .target_type(TargetTypeEnum::Ip);
        let out = health_check!(create, health_check)
            .set_tags(Some(elb_tags(tags)))
            .send()
            .answer("create target group")
            .await?;
        let arn = out
            .target_groups()
            .first()
            .and_then(|t| t.target_group_arn())
            .unwrap_or_default()
            .to_string();
        self.set_draining_time(&arn, draining).await?;
        Ok(arn)
    }

    /// Sets a target group's health check in one call (every setting, as the manifest has it).
    pub async fn modify_health_check(
        &self,
        arn: &str,
        health_check: &HealthCheck,
    ) -> Result<(), AwsError> {
        let modify = self.elb.modify_target_group().target_group_arn(arn);
        health_check!(modify, health_check)
            .send()
            .answer("modify target group health check")
            .await?;
        Ok(())
    }

    async fn set_draining_time(&self, arn: &str, seconds: u32) -> Result<(), AwsError> {
        let call = self
            .elb
            .modify_target_group_attributes()
            .target_group_arn(arn)
            .attributes(
                TargetGroupAttribute::builder()
                    .key(DRAINING_KEY)
                    .value(seconds.to_string())
                    .build(),
            );
        call.send().answer("set target group draining time").await?;
        Ok(())
    }

    /// Sets a target group's draining time when it differs (a changed manifest, or a
    /// creation cut short before it was set): `Some(previous)` when it had to be set.
    pub async fn ensure_draining_time(
        &self,
        arn: &str,
        seconds: u32,
    ) -> Result<Option<String>, AwsError> {
        let call = self
            .elb
            .describe_target_group_attributes()
            .target_group_arn(arn);
        let out = call
            .send()
            .answer("describe target group attributes")
            .await?;
        let current = out
            .attributes()
            .iter()
            .find(|a| a.key() == Some(DRAINING_KEY))
            .and_then(|a| a.value())
            .unwrap_or("300")
            .to_string();
        if current == seconds.to_string() {
            return Ok(None);
        }
        self.set_draining_time(arn, seconds).await?;
        Ok(Some(current))
    }

    pub async fn create_rule(
        &self,
        listener: &str,
        priority: u32,
        patterns: &[String],
        hosts: &[String],
        forward: &Forward,
        tags: &[(String, String)],
    ) -> Result<String, AwsError> {
        let call = self
            .elb
            .create_rule()
            .listener_arn(listener)
            .priority(priority as i32)
            .set_conditions(Some(rule_conditions(patterns, hosts)))
            .actions(forward_action(forward))
            .set_tags(Some(elb_tags(tags)));
        let out = call.send().answer("create listener rule").await?;
        Ok(out
            .rules()
            .first()
            .and_then(|r| r.rule_arn())
            .unwrap_or_default()
            .to_string())
    }

    /// Renumbers rules in one call: AWS checks the new order as a whole ("You can
    /// reorder the rules as long as there are no priority conflicts in the new order").
    pub async fn set_rule_priorities(&self, pairs: &[(String, u32)]) -> Result<(), AwsError> {
        let pairs = pairs
            .iter()
            .map(|(rule, priority)| {
                aws_sdk_elasticloadbalancingv2::types::RulePriorityPair::builder()
                    .rule_arn(rule)
                    .priority(*priority as i32)
                    .build()
            })
            .collect();
        let call = self
            .elb
            .set_rule_priorities()
            .set_rule_priorities(Some(pairs));
        call.send().answer("set listener rule priorities").await?;
        Ok(())
    }

    /// Changes a rule's path patterns (and host condition) in place: no moment without
    /// a rule.
    pub async fn modify_rule_patterns(
        &self,
        rule: &str,
        patterns: &[String],
        hosts: &[String],
    ) -> Result<(), AwsError> {
        let call = self
            .elb
            .modify_rule()
            .rule_arn(rule)
            .set_conditions(Some(rule_conditions(patterns, hosts)));
        call.send().answer("modify listener rule").await?;
        Ok(())
    }

    /// Changes a rule's forward action (its weights) in place, in one call: ALB applies it
    /// to new requests at once, with no moment without a rule.
    pub async fn modify_rule_forward(&self, rule: &str, forward: &Forward) -> Result<(), AwsError> {
        let call = self
            .elb
            .modify_rule()
            .rule_arn(rule)
            .actions(forward_action(forward));
        call.send().answer("modify listener rule weights").await?;
        Ok(())
    }
}

/// A plain forward is exactly what `split` has always made (one `TargetGroupArn`); a
/// weighted one lists its groups, stickiness off so each request is weighed afresh.
fn forward_action(forward: &Forward) -> Action {
    let action = Action::builder().r#type(ActionTypeEnum::Forward);
    match forward {
        Forward::Plain(tg) => action.target_group_arn(tg).build(),
        Forward::Weighted(groups) => action
            .forward_config(
                ForwardActionConfig::builder()
                    .set_target_groups(Some(
                        groups
                            .iter()
                            .map(|(tg, w)| {
                                TargetGroupTuple::builder()
                                    .target_group_arn(tg)
                                    .weight(*w as i32)
                                    .build()
                            })
                            .collect(),
                    ))
                    .target_group_stickiness_config(
                        TargetGroupStickinessConfig::builder()
                            .enabled(false)
                            .build(),
                    )
                    .build(),
            )
            .build(),
    }
}

/// A described rule as plain data.
fn rule_info(r: &aws_sdk_elasticloadbalancingv2::types::Rule) -> RuleInfo {
    let (patterns, conditions) = read_conditions(r.conditions());
    let forward = r
        .actions()
        .iter()
        .find(|a| a.r#type() == Some(&ActionTypeEnum::Forward))
        .and_then(|a| {
            let groups: Vec<(String, Option<i32>)> = a
                .forward_config()
                .map(|f| {
                    f.target_groups()
                        .iter()
                        .filter_map(|t| Some((t.target_group_arn()?.to_string(), t.weight())))
                        .collect()
                })
                .unwrap_or_default();
            Forward::read(a.target_group_arn(), &groups)
        });
    let target_groups = match &forward {
        Some(f) => f.shares().into_iter().map(|(tg, _)| tg).collect(),
        None => Vec::new(),
    };
    // The last action is the one that answers (an authenticate action may come first).
    let action = r
        .actions()
        .iter()
        .max_by_key(|a| a.order())
        .and_then(|a| a.r#type())
        .map(|t| t.as_str().to_string())
        .unwrap_or_default();
    RuleInfo {
        action,
        arn: r.rule_arn().unwrap_or_default().to_string(),
        priority: r.priority().and_then(|p| p.parse().ok()),
        patterns,
        conditions,
        target_groups,
        forward,
    }
}

/// The path-pattern condition, and a host-header one when hosts are given (ANDed).
fn rule_conditions(patterns: &[String], hosts: &[String]) -> Vec<RuleCondition> {
    let mut out = vec![RuleCondition::builder()
        .field("path-pattern")
        .path_pattern_config(
            PathPatternConditionConfig::builder()
                .set_values(Some(patterns.to_vec()))
                .build(),
        )
        .build()];
    if !hosts.is_empty() {
        out.push(
            RuleCondition::builder()
                .field("host-header")
                .host_header_config(
                    HostHeaderConditionConfig::builder()
                        .set_values(Some(hosts.to_vec()))
                        .build(),
                )
                .build(),
        );
    }
    out
}

/// A rule's path patterns and its other conditions, from their `*Config` forms or
/// the legacy `Values` (which only path-pattern and host-header have).
fn read_conditions(conditions: &[RuleCondition]) -> (Vec<String>, Conditions) {
    let mut patterns = Vec::new();
    let mut when = Conditions::default();
    // The `*Config` values when there are some, else the legacy `Values`.
    let pick = |config: Option<&[String]>, legacy: &[String]| -> Vec<String> {
        match config {
            Some(v) if !v.is_empty() => v.to_vec(),
            _ => legacy.to_vec(),
        }
    };
    for c in conditions {
        let legacy = c.values();
        match c.field().unwrap_or_default() {
            "path-pattern" => {
                patterns.extend(pick(c.path_pattern_config().map(|x| x.values()), legacy))
            }
            "host-header" => when.hosts.extend(
                pick(c.host_header_config().map(|x| x.values()), legacy)
                    .iter()
                    .map(|v| Glob::new(v)),
            ),
            "http-request-method" => when.methods.extend(pick(
                c.http_request_method_config().map(|x| x.values()),
                legacy,
            )),
            "http-header" => {
                if let Some(h) = c.http_header_config() {
                    when.headers.push(Header {
                        name: h.http_header_name().unwrap_or_default().to_string(),
                        values: h.values().iter().map(|v| Glob::new(v)).collect(),
                    });
                }
            }
            "query-string" => {
                if let Some(q) = c.query_string_config() {
                    when.queries.push(
                        q.values()
                            .iter()
                            .map(|kv| QueryPair {
                                key: kv.key().map(Glob::new),
                                value: Glob::new(kv.value().unwrap_or_default()),
                            })
                            .collect(),
                    );
                }
            }
            "source-ip" => when.source_ips.extend(
                pick(c.source_ip_config().map(|x| x.values()), legacy)
                    .iter()
                    .filter_map(|v| Cidr::parse(v)),
            ),
            _ => {}
        }
    }
    (patterns, when)
}

fn elb_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}
