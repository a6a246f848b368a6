//! The gradual cut-over of a split service's paths: set a weight on its rule, bake it
//! (target health, the deployment, the load balancer's 5xx in CloudWatch), and on a
//! breach put everything back on the default service, saying why with the numbers.
//! No share moves onto a target group before it has a healthy target ([`first_healthy`]):
//! a request sent to a group with none is the load balancer's own 503, which no bake sees.

use std::time::{Duration, Instant, SystemTime};

use crate::aws::cloudwatch::MetricWindow;
use crate::aws::poll::{Look, Poll, Waited};
use crate::aws::AwsError;
use crate::commands::steps::rules::{tg_name, weight_parts, WeightPart};
use crate::commands::Ctx;
use crate::error::Error;
use crate::report::Row;
use mysfits_lab::arn::elb_dimension;
use mysfits_lab::bake::{self, judge, Limits, Sample};
use mysfits_lab::rollout::RolloutState;
use mysfits_lab::weights::{Forward, Step};

/// Watching applies to every bake unless said otherwise.
pub const DEFAULT_BAKE: Duration = Duration::from_secs(5 * 60);

/// How often a wait for a healthy target looks (the lab's health checks run every 10 s).
const HEALTH_EVERY: Duration = Duration::from_secs(3);

/// One bake as it ended.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BakePart {
    pub weight: u8,
    pub seconds: u64,
    /// `None`: CloudWatch had no data (no traffic, or no data plane publishing).
    pub requests: Option<u64>,
    pub errors_5xx: Option<u64>,
    pub healthy: usize,
    pub targets: usize,
}

/// A split service's rule and what its weights are between.
pub struct Cutover<'a> {
    pub service: &'a str,
    pub cluster: &'a str,
    pub rule_arn: String,
    pub target_group: String,
    pub default_target_group: String,
    pub default_service: String,
    pub load_balancer: String,
    /// The rule's action as it stands (kept up to date by `set`).
    pub current: Forward,
    /// How long a raise waits for the service's first healthy target; `None` looks once
    /// and holds the weight when there is none (`split --no-wait`).
    pub wait: Option<Duration>,
}

impl Cutover<'_> {
    /// The service's share now.
    pub fn weight(&self) -> u8 {
        self.current.percent(&self.target_group)
    }

    /// The rule's groups with their shares, named.
    pub fn weights(&self) -> Vec<WeightPart> {
        weight_parts(&self.current, |tg| {
            if tg == self.target_group {
                Some(self.service.to_string())
            } else if tg == self.default_target_group {
                Some(self.default_service.clone())
            } else {
                None
            }
        })
    }

    /// Sets the service's share: one ModifyRule, or none when it is there already. A raise
    /// waits for the service's first healthy target; `false`: held where it was, because
    /// there is none yet and `wait` is `None`.
    pub async fn set(&mut self, ctx: &Ctx<'_>, weight: u8) -> Result<bool, Error> {
        let wanted = Forward::at(&self.target_group, &self.default_target_group, weight);
        let row = Row::new(&ctx.reporter, &format!("{} {weight} %", self.service));
        if wanted.same(&self.current) {
            row.finish("already set", true);
            return Ok(true);
        }
        let was = self.weight();
        if weight > was && !first_healthy(ctx, &row, &self.target_group, self.wait).await? {
            let Some(waited) = self.wait else {
                row.finish(&format!("held at {was} %: no healthy target yet"), true);
                return Ok(false);
            };
            row.finish(&format!("held at {was} %: no healthy target"), false);
            return Err(Error::NoHealthyTarget {
                service: self.service.to_string(),
                target_group: tg_name(&self.target_group),
                waited: waited.as_secs(),
                kept: format!("its share stays at {was} %"),
                rerun: crate::commands::steps::interrupt::command_line(),
            });
        }
        ctx.aws.modify_rule_forward(&self.rule_arn, &wanted).await?;
        self.current = wanted;
        row.finish(
            &format!(
                "set (was {was} %): {} {} %",
                self.default_service,
                100 - weight.min(100)
            ),
            true,
        );
        Ok(true)
    }

    /// Walks the steps, baking those marked so; the first breach rolls back and ends it.
    pub async fn walk(
        &mut self,
        ctx: &Ctx<'_>,
        steps: &[Step],
        watch: &Watch,
    ) -> Result<Vec<BakePart>, Error> {
        let mut bakes = Vec::new();
        for step in steps {
            if !self.set(ctx, step.weight).await? {
                break;
            }
            if step.bake {
                bakes.push(self.bake(ctx, watch).await?);
            }
        }
        Ok(bakes)
    }

    /// Watches the current weight for `watch.bake`, polling every `min(5 s, bake/10)`.
    pub async fn bake(&mut self, ctx: &Ctx<'_>, watch: &Watch) -> Result<BakePart, Error> {
        let weight = self.weight();
        let row = Row::new(&ctx.reporter, &format!("{} {weight} %", self.service));
        let started = Instant::now();
        let since = SystemTime::now();
        let mut poll = Poll::new(bake::interval(watch.bake), watch.bake);
        let left = |s: &Sample| bake::progress(s, watch.bake.saturating_sub(started.elapsed()));
        let end = poll
            .until_showing(
                async || {
                    let sample = self.sample(ctx, weight, started, since).await?;
                    Ok::<_, Error>(match judge(&sample, &watch.limits) {
                        Some(breach) => Look::Done(breach),
                        None => Look::Pending(sample),
                    })
                },
                |sample| row.update(&left(sample)),
            )
            .await?;
        let sample = match end {
            Waited::Expired(sample) => sample,
            Waited::Done(breach) => {
                row.finish(&format!("breach: {breach}"), false);
                let at = Instant::now();
                self.set(ctx, 0).await?;
                ctx.printer.detail(&format!(
                    "rollback took {} ms from the breach seen to 0 % set",
                    at.elapsed().as_millis()
                ));
                return Err(Error::RolledBack {
                    service: self.service.to_string(),
                    breach: breach.to_string(),
                    rerun: crate::commands::steps::interrupt::command_line(),
                });
            }
        };
        row.finish(&bake::baked(&sample, watch.bake), true);
        Ok(BakePart {
            weight,
            seconds: started.elapsed().as_secs(),
            requests: sample.requests.map(|r| r as u64),
            errors_5xx: sample.errors.map(|e| e as u64),
            healthy: sample.healthy,
            targets: sample.targets,
        })
    }

    /// One look: target health, the deployment, and the 5xx and requests since `since`.
    async fn sample(
        &self,
        ctx: &Ctx<'_>,
        weight: u8,
        started: Instant,
        since: SystemTime,
    ) -> Result<Sample, Error> {
        let health = ctx.aws.target_health(&self.target_group).await?;
        let unhealthy: Vec<String> = health
            .iter()
            .filter(|t| t.state == "unhealthy")
            .map(|t| {
                format!(
                    "{}:{} ({})",
                    t.id,
                    t.port.unwrap_or_default(),
                    t.reason.as_deref().unwrap_or("failed its health checks")
                )
            })
            .collect();
        let rollout_failed = match ctx.aws.describe_service(self.cluster, self.service).await? {
            None => Some(format!("ECS service {} is gone", self.service)),
            Some(s) => s
                .deployments
                .iter()
                .find(|d| d.rollout_state == Some(RolloutState::Failed))
                .map(|d| {
                    d.rollout_reason
                        .clone()
                        .unwrap_or_else(|| "rollout failed".into())
                }),
        };
        let tg = elb_dimension(&self.target_group);
        let lb = elb_dimension(&self.load_balancer);
        let dimensions = [("TargetGroup", tg), ("LoadBalancer", lb)];
        // A minute past now: the current minute's datapoint is in the window, and the
        // window is never empty (CloudWatch refuses start >= end).
        let end = SystemTime::now() + Duration::from_secs(60);
        let window = |metric| MetricWindow {
            namespace: bake::NAMESPACE,
            metric,
            dimensions: &dimensions,
            start: since,
            end,
            period: bake::PERIOD_SECONDS,
        };
        let errors = ctx.aws.metric_sum(&window(bake::METRIC_5XX)).await?;
        let requests = ctx.aws.metric_sum(&window(bake::METRIC_REQUESTS)).await?;
        Ok(Sample {
            weight,
            elapsed: started.elapsed(),
            requests,
            errors,
            healthy: health.iter().filter(|t| t.state == "healthy").count(),
            targets: health.len(),
            unhealthy,
            rollout_failed,
        })
    }
}

/// Whether `target_group` has a healthy target, waiting up to `wait` for the first one
/// (`None`: one look), with what it sees on `row`. Traffic must not move onto a group
/// before this: ALB answers a request for a group with no healthy target itself, 503.
pub async fn first_healthy(
    ctx: &Ctx<'_>,
    row: &Row<'_>,
    target_group: &str,
    wait: Option<Duration>,
) -> Result<bool, Error> {
    let mut poll = Poll::new(HEALTH_EVERY, wait.unwrap_or_default());
    let end = poll
        .until_showing(
            async || {
                let health = ctx.aws.target_health(target_group).await?;
                let healthy = health.iter().any(|t| t.state == "healthy");
                Ok::<_, AwsError>(if healthy {
                    Look::Done(())
                } else {
                    Look::Pending(health)
                })
            },
            |health| {
                row.update(&format!(
                    "waiting for a healthy target in {}: {}",
                    tg_name(target_group),
                    states(health)
                ))
            },
        )
        .await?;
    Ok(matches!(end, Waited::Done(())))
}

/// `2 initial, 1 unhealthy`, or that nothing is registered yet.
fn states(health: &[crate::aws::elb::TargetHealth]) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for t in health {
        *counts.entry(t.state.as_str()).or_default() += 1;
    }
    if counts.is_empty() {
        return "no target registered yet".into();
    }
    counts
        .iter()
        .map(|(state, n)| format!("{n} {state}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// How each weight is watched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Watch {
    pub bake: Duration,
    pub limits: Limits,
}

impl Watch {
    /// `bake` when given, else the default; `max_5xx` the percent that breaches.
    pub fn new(bake: Option<Duration>, max_5xx: f64) -> Self {
        Self {
            bake: bake.unwrap_or(DEFAULT_BAKE),
            limits: Limits { max_5xx },
        }
    }
}
