//! The bake of one cut-over step: what is watched (target health, the deployment, the
//! load balancer's 5xx for the new target group), when it is a breach, and how it reads.

use std::time::Duration;

/// Where the load balancer's counters are, in CloudWatch.
pub const NAMESPACE: &str = "AWS/ApplicationELB";
pub const METRIC_5XX: &str = "HTTPCode_Target_5XX_Count";
pub const METRIC_REQUESTS: &str = "RequestCount";
pub const PERIOD_SECONDS: i32 = 60;
/// Fewer 5xx than this never breach, so one blip does not roll back.
pub const MIN_5XX: f64 = 5.0;

/// The limits a step is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    /// Percent of the target group's requests that may answer 5xx.
    pub max_5xx: f64,
}

/// What one poll saw since the step began. `None` counters: CloudWatch had no data
/// (moto has no data plane; a quiet service has no datapoints), which is not a breach.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    pub weight: u8,
    pub elapsed: Duration,
    pub requests: Option<f64>,
    pub errors: Option<f64>,
    pub healthy: usize,
    pub targets: usize,
    /// Unhealthy targets, each `id (reason)`.
    pub unhealthy: Vec<String>,
    /// The service's rollout failed (circuit breaker), with its reason; or it is gone.
    pub rollout_failed: Option<String>,
}

/// Why a step was rolled back, with the numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Breach {
    Errors {
        errors: f64,
        requests: f64,
        seconds: u64,
        weight: u8,
        limit: f64,
    },
    Unhealthy {
        unhealthy: Vec<String>,
        targets: usize,
        weight: u8,
    },
    Rollout {
        reason: String,
        weight: u8,
    },
}

/// The first reason to roll back, if any: a failed rollout, then unhealthy targets, then
/// a 5xx share above the limit once at least [`MIN_5XX`] were counted.
pub fn judge(s: &Sample, limits: &Limits) -> Option<Breach> {
    if let Some(reason) = &s.rollout_failed {
        return Some(Breach::Rollout {
            reason: reason.clone(),
            weight: s.weight,
        });
    }
    if !s.unhealthy.is_empty() {
        return Some(Breach::Unhealthy {
            unhealthy: s.unhealthy.clone(),
            targets: s.targets,
            weight: s.weight,
        });
    }
    let errors = s.errors.unwrap_or(0.0);
    // 5xx without a request count (metrics published apart) count as requests too.
    let requests = s.requests.unwrap_or(0.0).max(errors);
    if errors >= MIN_5XX && errors * 100.0 > limits.max_5xx * requests {
        return Some(Breach::Errors {
            errors,
            requests,
            seconds: s.elapsed.as_secs(),
            weight: s.weight,
            limit: limits.max_5xx,
        });
    }
    None
}

impl std::fmt::Display for Breach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Breach::Errors {
                errors,
                requests,
                seconds,
                weight,
                limit,
            } => write!(
                f,
                "{} of {} requests ({:.1} %) answered 5xx in {seconds} s at {weight} % (limit {} %)",
                *errors as u64,
                *requests as u64,
                errors * 100.0 / requests,
                percent(*limit)
            ),
            Breach::Unhealthy {
                unhealthy,
                targets,
                weight,
            } => write!(
                f,
                "{} of {targets} targets unhealthy at {weight} %: {}",
                unhealthy.len(),
                unhealthy.join(", ")
            ),
            Breach::Rollout { reason, weight } => {
                write!(f, "its deployment failed at {weight} %: {reason}")
            }
        }
    }
}

/// The progress row of a bake: `baking 3m12s left · 0 of 130 5xx · 2/2 healthy`.
pub fn progress(s: &Sample, left: Duration) -> String {
    format!(
        "baking {} left · {} · {}/{} healthy",
        short_duration(left),
        counts(s),
        s.healthy,
        s.targets
    )
}

/// The row's end: `baked 5m · 0 of 130 5xx · 2/2 healthy`.
pub fn baked(s: &Sample, bake: Duration) -> String {
    format!(
        "baked {} · {} · {}/{} healthy",
        short_duration(bake),
        counts(s),
        s.healthy,
        s.targets
    )
}

fn counts(s: &Sample) -> String {
    match (s.errors, s.requests) {
        (None, None) => "no request data yet".to_string(),
        (e, r) => format!(
            "{} of {} 5xx",
            e.unwrap_or(0.0) as u64,
            r.unwrap_or(0.0).max(e.unwrap_or(0.0)) as u64
        ),
    }
}

/// `1` for 1.0, `0.5` for 0.5: limits as the user typed them.
pub fn percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{}", p as u64)
    } else {
        format!("{p}")
    }
}

/// `3m12s`, `45s`, `1s`: whole seconds, rounded up so a bake never shows `0s` early.
pub fn short_duration(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    match (secs / 60, secs % 60) {
        (0, s) => format!("{s}s"),
        (m, 0) => format!("{m}m"),
        (m, s) => format!("{m}m{s}s"),
    }
}

/// How often a bake polls: every 5 s, or ten times per bake when it is shorter.
pub fn interval(bake: Duration) -> Duration {
    (bake / 10).clamp(Duration::from_millis(100), Duration::from_secs(5))
}

/// `--max-5xx 1` or `1%`: a percent from 0 to 100.
pub fn parse_percent(s: &str) -> Result<f64, String> {
    s.trim()
        .trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|p| (0.0..=100.0).contains(p))
        .ok_or_else(|| format!("'{s}' is not a percent from 0 to 100, e.g. 1 or 0.5"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(requests: Option<f64>, errors: Option<f64>) -> Sample {
        Sample {
            weight: 10,
            elapsed: Duration::from_secs(20),
            requests,
            errors,
            healthy: 2,
            targets: 2,
            ..Sample::default()
        }
    }

    const ONE: Limits = Limits { max_5xx: 1.0 };

    #[test]
    fn a_5xx_share_above_the_limit_breaches_with_the_numbers() {
        let b = judge(&sample(Some(130.0), Some(12.0)), &ONE).unwrap();
        assert_eq!(
            b.to_string(),
            "12 of 130 requests (9.2 %) answered 5xx in 20 s at 10 % (limit 1 %)"
        );
        // At or under the limit: fine.
        assert_eq!(judge(&sample(Some(1000.0), Some(10.0)), &ONE), None);
        assert!(judge(&sample(Some(999.0), Some(10.0)), &ONE).is_some());
        let half = Limits { max_5xx: 0.5 };
        assert!(judge(&sample(Some(1000.0), Some(6.0)), &half)
            .unwrap()
            .to_string()
            .ends_with("(limit 0.5 %)"));
    }

    #[test]
    fn fewer_than_five_5xx_never_breach_and_no_data_is_not_a_breach() {
        assert_eq!(judge(&sample(Some(4.0), Some(4.0)), &ONE), None);
        assert_eq!(judge(&sample(None, None), &ONE), None);
        assert_eq!(judge(&sample(Some(50.0), None), &ONE), None);
        // 5xx without a request count: each counts as a request.
        let b = judge(&sample(None, Some(5.0)), &ONE).unwrap();
        assert!(
            b.to_string().starts_with("5 of 5 requests (100.0 %)"),
            "{b}"
        );
    }

    #[test]
    fn unhealthy_targets_and_a_failed_rollout_breach_first() {
        let mut s = sample(Some(130.0), Some(12.0));
        s.unhealthy = vec!["10.0.1.7:80 (Target.ResponseCodeMismatch)".into()];
        s.healthy = 1;
        assert_eq!(
            judge(&s, &ONE).unwrap().to_string(),
            "1 of 2 targets unhealthy at 10 %: 10.0.1.7:80 (Target.ResponseCodeMismatch)"
        );
        s.rollout_failed = Some("tasks failed to start".into());
        assert_eq!(
            judge(&s, &ONE).unwrap().to_string(),
            "its deployment failed at 10 %: tasks failed to start"
        );
    }

    #[test]
    fn rows_say_what_is_left_and_what_was_seen() {
        let s = sample(Some(130.0), Some(0.0));
        assert_eq!(
            progress(&s, Duration::from_secs(192)),
            "baking 3m12s left · 0 of 130 5xx · 2/2 healthy"
        );
        assert_eq!(
            baked(&sample(None, None), Duration::from_secs(300)),
            "baked 5m · no request data yet · 2/2 healthy"
        );
        assert_eq!(short_duration(Duration::from_millis(300)), "1s");
        assert_eq!(interval(Duration::from_secs(300)), Duration::from_secs(5));
        assert_eq!(interval(Duration::from_secs(20)), Duration::from_secs(2));
        assert_eq!(
            interval(Duration::from_millis(10)),
            Duration::from_millis(100)
        );
        assert_eq!(parse_percent("1%"), Ok(1.0));
        assert_eq!(parse_percent("0.5"), Ok(0.5));
        assert!(parse_percent("101").is_err());
        assert!(parse_percent("-1").is_err());
    }
}
