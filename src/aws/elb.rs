//! Elastic Load Balancing v2: listener rules, target groups, target health.

use std::collections::BTreeMap;

use super::error::{map, AwsError};
use super::Aws;
use crate::lab::names::TAG_LAB;

#[derive(Debug, Clone, serde::Serialize)]
pub struct RuleInfo {
    pub arn: String,
    /// `None` for the listener's default rule.
    pub priority: Option<u32>,
    pub patterns: Vec<String>,
    pub target_groups: Vec<String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetGroupInfo {
    pub arn: String,
    pub name: String,
    pub port: Option<i32>,
    pub health_check_path: Option<String>,
    #[serde(skip)]
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TargetHealth {
    pub id: String,
    pub port: Option<i32>,
    pub state: String,
    pub reason: Option<String>,
}

impl Aws {
    pub async fn listener_rules(&self, listener: &str) -> Result<Vec<RuleInfo>, AwsError> {
        let out = self
            .elb
            .describe_rules()
            .listener_arn(listener)
            .send()
            .await
            .map_err(map("describe listener rules"))?;
        Ok(out
            .rules()
            .iter()
            .map(|r| {
                let mut patterns = Vec::new();
                for c in r.conditions() {
                    if c.field() == Some("path-pattern") {
                        match c.path_pattern_config() {
                            Some(cfg) if !cfg.values().is_empty() => {
                                patterns.extend(cfg.values().iter().cloned())
                            }
                            _ => patterns.extend(c.values().iter().cloned()),
                        }
                    }
                }
                let mut target_groups = Vec::new();
                for a in r.actions() {
                    if let Some(tg) = a.target_group_arn() {
                        target_groups.push(tg.to_string());
                    } else if let Some(fwd) = a.forward_config() {
                        target_groups.extend(
                            fwd.target_groups()
                                .iter()
                                .filter_map(|t| t.target_group_arn().map(String::from)),
                        );
                    }
                }
                RuleInfo {
                    arn: r.rule_arn().unwrap_or_default().to_string(),
                    priority: r.priority().and_then(|p| p.parse().ok()),
                    patterns,
                    target_groups,
                }
            })
            .collect())
    }

    /// Tags of up to any number of ELB resources (20 per call).
    pub async fn elb_tags(
        &self,
        arns: &[String],
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, AwsError> {
        let mut out = BTreeMap::new();
        for chunk in arns.chunks(20) {
            let resp = self
                .elb
                .describe_tags()
                .set_resource_arns(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(map("describe load balancer tags"))?;
            for d in resp.tag_descriptions() {
                let tags = d
                    .tags()
                    .iter()
                    .filter_map(|t| {
                        Some((
                            t.key()?.to_string(),
                            t.value().unwrap_or_default().to_string(),
                        ))
                    })
                    .collect();
                out.insert(d.resource_arn().unwrap_or_default().to_string(), tags);
            }
        }
        Ok(out)
    }

    /// Every target group in the region carrying the lab's tag.
    pub async fn lab_target_groups(&self, lab: &str) -> Result<Vec<TargetGroupInfo>, AwsError> {
        let mut groups = Vec::new();
        let mut pages = self.elb.describe_target_groups().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(map("describe target groups"))?;
            groups.extend(page.target_groups().iter().map(|t| TargetGroupInfo {
                arn: t.target_group_arn().unwrap_or_default().to_string(),
                name: t.target_group_name().unwrap_or_default().to_string(),
                port: t.port(),
                health_check_path: t.health_check_path().map(String::from),
                tags: BTreeMap::new(),
            }));
        }
        let arns: Vec<String> = groups.iter().map(|g| g.arn.clone()).collect();
        let mut tags = self.elb_tags(&arns).await?;
        Ok(groups
            .into_iter()
            .filter_map(|mut g| {
                g.tags = tags.remove(&g.arn).unwrap_or_default();
                (g.tags.get(TAG_LAB).map(String::as_str) == Some(lab)).then_some(g)
            })
            .collect())
    }

    pub async fn target_health(&self, target_group: &str) -> Result<Vec<TargetHealth>, AwsError> {
        let out = self
            .elb
            .describe_target_health()
            .target_group_arn(target_group)
            .send()
            .await
            .map_err(map("describe target health"))?;
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
        self.elb
            .delete_rule()
            .rule_arn(arn)
            .send()
            .await
            .map_err(map("delete listener rule"))?;
        Ok(())
    }

    pub async fn delete_target_group(&self, arn: &str) -> Result<(), AwsError> {
        self.elb
            .delete_target_group()
            .target_group_arn(arn)
            .send()
            .await
            .map_err(map("delete target group"))?;
        Ok(())
    }
}
