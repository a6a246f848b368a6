//! A service's target-group settings from the manifest: the load balancer's health check
//! and the draining time (ALB's deregistration delay), checked against ALB's limits
//! before any call, and compared with what a target group has.
//!
//! `health_check: /path` keeps AWS-free defaults of the lab; the mapping form sets any of
//! `path`, `interval`, `timeout`, `healthy_threshold`, `unhealthy_threshold`. Durations
//! are humantime (`5s`, `1m`) or a plain number of seconds.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

/// The lab's defaults: quicker than AWS's (30 s checks, healthy after 5, 300 s draining),
/// so a rollout is judged in about 20 s and an old task is gone 15 s after it leaves.
pub const DEFAULT_PATH: &str = "/";
pub const DEFAULT_INTERVAL: u32 = 10;
pub const DEFAULT_TIMEOUT: u32 = 5;
pub const DEFAULT_HEALTHY: u32 = 2;
pub const DEFAULT_UNHEALTHY: u32 = 3;
pub const DEFAULT_DRAINING: u32 = 15;

// ALB's limits, from the ELBv2 API reference: CreateTargetGroup / ModifyTargetGroup
// ("HealthCheckIntervalSeconds ... The range is 5-300", "HealthCheckTimeoutSeconds ...
// The range is 2–120 seconds", "HealthyThresholdCount / UnhealthyThresholdCount ... The
// range is 2-10") and TargetGroupAttribute ("deregistration_delay.timeout_seconds ...
// The range is 0-3600 seconds"). AWS also refuses a timeout that is not smaller than the
// interval (ValidationError "Health check timeout must be smaller than the interval").
pub const INTERVAL: (u32, u32) = (5, 300);
pub const TIMEOUT: (u32, u32) = (2, 120);
pub const THRESHOLD: (u32, u32) = (2, 10);
pub const DRAINING: (u32, u32) = (0, 3600);

/// How the load balancer checks a service's targets. Seconds and counts, as the API takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HealthCheck {
    pub path: String,
    pub interval: u32,
    pub timeout: u32,
    pub healthy_threshold: u32,
    pub unhealthy_threshold: u32,
}

impl Default for HealthCheck {
    fn default() -> Self {
        Self {
            path: DEFAULT_PATH.into(),
            interval: DEFAULT_INTERVAL,
            timeout: DEFAULT_TIMEOUT,
            healthy_threshold: DEFAULT_HEALTHY,
            unhealthy_threshold: DEFAULT_UNHEALTHY,
        }
    }
}

impl HealthCheck {
    /// ECS's health-check grace period for the service: long enough for a slow starter to
    /// fail every check ELB allows, then pass enough to be healthy, plus one interval.
    /// The defaults give 60 s; the fastest settings (5 s, 2 and 2) give 25 s.
    pub fn grace_seconds(&self) -> u32 {
        self.interval * (self.healthy_threshold + self.unhealthy_threshold + 1)
    }

    /// What differs from `current` (what a target group has), one phrase per setting,
    /// e.g. "health-check interval set to 5 s (was 10 s)". Empty when nothing does.
    pub fn changes_from(&self, current: &HealthCheck) -> Vec<String> {
        let mut out = Vec::new();
        if self.path != current.path {
            out.push(format!(
                "health-check path set to {} (was {})",
                self.path, current.path
            ));
        }
        let counts = [
            (
                "health-check interval",
                self.interval,
                current.interval,
                " s",
            ),
            ("health-check timeout", self.timeout, current.timeout, " s"),
            (
                "healthy threshold",
                self.healthy_threshold,
                current.healthy_threshold,
                "",
            ),
            (
                "unhealthy threshold",
                self.unhealthy_threshold,
                current.unhealthy_threshold,
                "",
            ),
        ];
        for (what, want, was, unit) in counts {
            if want != was {
                out.push(format!("{what} set to {want}{unit} (was {was}{unit})"));
            }
        }
        out
    }

    /// Checks and completes the manifest's `health_check`. The error names the key
    /// under `health_check` and the text to find its line by.
    pub fn from_raw(raw: Option<RawHealthCheck>) -> Result<Self, Bad> {
        let raw = raw.unwrap_or_default();
        let path = raw.path.unwrap_or_else(|| DEFAULT_PATH.into());
        if !path.starts_with('/') {
            return Err(Bad {
                key: "health_check".into(),
                needle: "health_check:".into(),
                message: format!("'{path}' must be a path starting with '/'"),
            });
        }
        let seconds = |s: Option<Seconds>, default: u32| s.map_or(default, |s| s.0);
        let interval = in_range(
            seconds(raw.interval, DEFAULT_INTERVAL),
            INTERVAL,
            "interval",
            " s",
        )?;
        // A timeout left out fits any interval: 5 s, or 1 s less than a shorter interval.
        let timeout = seconds(raw.timeout, DEFAULT_TIMEOUT.min(interval - 1));
        let timeout = in_range(timeout, TIMEOUT, "timeout", " s")?;
        if timeout >= interval {
            return Err(Bad {
                key: "health_check.timeout".into(),
                needle: "timeout:".into(),
                message: format!(
                    "{timeout} s must be less than the interval ({interval} s), as ALB requires"
                ),
            });
        }
        Ok(Self {
            path,
            interval,
            timeout,
            healthy_threshold: in_range(
                raw.healthy_threshold.unwrap_or(DEFAULT_HEALTHY),
                THRESHOLD,
                "healthy_threshold",
                "",
            )?,
            unhealthy_threshold: in_range(
                raw.unhealthy_threshold.unwrap_or(DEFAULT_UNHEALTHY),
                THRESHOLD,
                "unhealthy_threshold",
                "",
            )?,
        })
    }
}

/// The manifest's `draining` (ALB's deregistration delay), in seconds.
pub fn draining_from_raw(raw: Option<Seconds>) -> Result<u32, Bad> {
    let seconds = raw.map(|s| s.0).unwrap_or(DEFAULT_DRAINING);
    if !(DRAINING.0..=DRAINING.1).contains(&seconds) {
        return Err(Bad {
            key: "draining".into(),
            needle: "draining:".into(),
            message: format!(
                "{seconds} s is out of range; ALB's deregistration delay takes {} s to {} s",
                DRAINING.0, DRAINING.1
            ),
        });
    }
    Ok(seconds)
}

/// `value` when ALB takes it; `name` is the key under `health_check` and its line's text.
fn in_range(value: u32, (lo, hi): (u32, u32), name: &'static str, unit: &str) -> Result<u32, Bad> {
    if (lo..=hi).contains(&value) {
        return Ok(value);
    }
    Err(Bad {
        key: format!("health_check.{name}"),
        needle: format!("{name}:"),
        message: format!("{value}{unit} is out of range; ALB takes {lo}{unit} to {hi}{unit}"),
    })
}

/// A setting ALB would refuse: its key (`draining`, or one under `health_check`), the
/// text its line holds, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bad {
    pub key: String,
    pub needle: String,
    pub message: String,
}

/// `health_check` as written: a path, or a mapping of any of its settings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawHealthCheck {
    path: Option<String>,
    interval: Option<Seconds>,
    timeout: Option<Seconds>,
    healthy_threshold: Option<u32>,
    unhealthy_threshold: Option<u32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSettings {
    path: Option<String>,
    interval: Option<Seconds>,
    timeout: Option<Seconds>,
    healthy_threshold: Option<u32>,
    unhealthy_threshold: Option<u32>,
}

impl<'de> Deserialize<'de> for RawHealthCheck {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Form;
        impl<'de> Visitor<'de> for Form {
            type Value = RawHealthCheck;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a path such as /health, or a mapping of path, interval, timeout, healthy_threshold, unhealthy_threshold")
            }
            fn visit_str<E: de::Error>(self, path: &str) -> Result<Self::Value, E> {
                Ok(RawHealthCheck {
                    path: Some(path.to_string()),
                    ..Default::default()
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                let s = RawSettings::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(RawHealthCheck {
                    path: s.path,
                    interval: s.interval,
                    timeout: s.timeout,
                    healthy_threshold: s.healthy_threshold,
                    unhealthy_threshold: s.unhealthy_threshold,
                })
            }
        }
        d.deserialize_any(Form)
    }
}

/// Whole seconds, written `5s`, `1m30s` (humantime) or `5`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seconds(pub u32);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Form;
        impl Visitor<'_> for Form {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a duration such as 5s or 1m, or a number of seconds")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<Seconds, E> {
                u32::try_from(n)
                    .map(Seconds)
                    .map_err(|_| E::custom(format!("{n} seconds is too long")))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<Seconds, E> {
                u64::try_from(n)
                    .map_err(|_| E::custom(format!("{n} is negative; use seconds such as 5s")))
                    .and_then(|n| self.visit_u64(n))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Seconds, E> {
                let d = humantime::parse_duration(s.trim())
                    .map_err(|e| E::custom(format!("'{s}' is not a duration ({e}); e.g. 5s")))?;
                if d.subsec_nanos() != 0 {
                    return Err(E::custom(format!(
                        "'{s}' is not whole seconds; ALB counts in seconds"
                    )));
                }
                self.visit_u64(d.as_secs())
            }
        }
        d.deserialize_any(Form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Manifest;
    use std::path::Path;

    fn service(extra: &str) -> Result<Manifest, String> {
        let text = format!("services:\n  - name: web\n    build: .\n    route: default\n{extra}");
        Manifest::parse(&text, "mysfits.yaml", Path::new(".")).map_err(|e| e.to_string())
    }

    fn settings(extra: &str) -> (HealthCheck, u32) {
        let m = service(extra).unwrap();
        let s = m.default_service();
        (s.health_check.clone(), s.draining)
    }

    #[test]
    fn defaults_are_the_labs() {
        let (hc, draining) = settings("");
        assert_eq!(hc, HealthCheck::default());
        assert_eq!((hc.path.as_str(), hc.interval, hc.timeout), ("/", 10, 5));
        assert_eq!((hc.healthy_threshold, hc.unhealthy_threshold), (2, 3));
        assert_eq!(draining, 15);
        assert_eq!(hc.grace_seconds(), 60, "ECS grace as before");
    }

    #[test]
    fn a_plain_path_still_works() {
        let (hc, _) = settings("    health_check: /health\n");
        assert_eq!(
            hc,
            HealthCheck {
                path: "/health".into(),
                ..Default::default()
            }
        );
    }

    #[test]
    fn the_mapping_sets_each_setting() {
        let (hc, draining) = settings(
            "    health_check: {path: /, interval: 5s, timeout: 2s, healthy_threshold: 2, unhealthy_threshold: 2}\n    draining: 3s\n",
        );
        assert_eq!(
            hc,
            HealthCheck {
                path: "/".into(),
                interval: 5,
                timeout: 2,
                healthy_threshold: 2,
                unhealthy_threshold: 2,
            }
        );
        assert_eq!(draining, 3);
        assert_eq!(hc.grace_seconds(), 25);
    }

    #[test]
    fn block_mapping_plain_seconds_and_humantime() {
        let (hc, draining) =
            settings("    health_check:\n      interval: 1m\n      timeout: 30\n    draining: 0\n");
        assert_eq!((hc.interval, hc.timeout, hc.path.as_str()), (60, 30, "/"));
        assert_eq!(draining, 0, "0 is ALB's own lower bound");
    }

    #[test]
    fn a_short_interval_alone_gets_a_timeout_that_fits() {
        let (hc, _) = settings("    health_check: {interval: 5s}\n");
        assert_eq!((hc.interval, hc.timeout), (5, 4));
        let (hc, _) = settings("    health_check: {interval: 30s}\n");
        assert_eq!(hc.timeout, 5);
    }

    #[test]
    fn out_of_range_values_name_line_key_and_range() {
        let cases = [
            ("    health_check: {interval: 4s}\n", 5, "services[0].health_check.interval: 4 s is out of range; ALB takes 5 s to 300 s"),
            ("    health_check:\n      interval: 301s\n", 6, "health_check.interval: 301 s is out of range"),
            ("    health_check:\n      path: /\n      timeout: 1s\n", 7, "services[0].health_check.timeout: 1 s is out of range; ALB takes 2 s to 120 s"),
            ("    health_check: {interval: 5s, timeout: 5s}\n", 5, "services[0].health_check.timeout: 5 s must be less than the interval (5 s), as ALB requires"),
            ("    health_check: {timeout: 10s}\n", 5, "must be less than the interval (10 s)"),
            ("    health_check: {healthy_threshold: 1}\n", 5, "services[0].health_check.healthy_threshold: 1 is out of range; ALB takes 2 to 10"),
            ("    health_check: {unhealthy_threshold: 11}\n", 5, "services[0].health_check.unhealthy_threshold: 11 is out of range"),
            ("    draining: 2h\n", 5, "services[0].draining: 7200 s is out of range; ALB's deregistration delay takes 0 s to 3600 s"),
            ("    health_check: {path: health}\n", 5, "services[0].health_check: 'health' must be a path starting with '/'"),
        ];
        for (extra, line, want) in cases {
            let err = service(extra).unwrap_err();
            assert!(err.contains(want), "{want:?} not in {err:?}");
            assert!(
                err.starts_with(&format!("mysfits.yaml:{line}: ")),
                "{extra:?}: {err}"
            );
            assert_eq!(err.lines().count(), 1, "{err}");
        }
    }

    #[test]
    fn bad_forms_are_parse_errors_with_a_line() {
        let cases = [
            (
                "    health_check: {intervall: 5s}\n",
                "unknown field `intervall`",
            ),
            (
                "    health_check: {interval: 500ms}\n",
                "'500ms' is not whole seconds",
            ),
            (
                "    health_check: {interval: soon}\n",
                "'soon' is not a duration",
            ),
            ("    draining: -1\n", "-1 is negative"),
            (
                "    health_check: [/]\n",
                "a path such as /health, or a mapping",
            ),
        ];
        for (extra, want) in cases {
            let err = service(extra).unwrap_err();
            assert!(err.contains(want), "{want:?} not in {err:?}");
            assert!(err.starts_with("mysfits.yaml:5: "), "{err}");
        }
    }

    #[test]
    fn changes_name_each_setting_that_differs() {
        let wanted = HealthCheck {
            interval: 5,
            timeout: 2,
            unhealthy_threshold: 2,
            ..Default::default()
        };
        assert_eq!(wanted.changes_from(&wanted), Vec::<String>::new());
        assert_eq!(
            wanted.changes_from(&HealthCheck::default()),
            [
                "health-check interval set to 5 s (was 10 s)",
                "health-check timeout set to 2 s (was 5 s)",
                "unhealthy threshold set to 2 (was 3)",
            ]
        );
        let moved = HealthCheck {
            path: "/health".into(),
            healthy_threshold: 3,
            ..Default::default()
        };
        assert_eq!(
            moved.changes_from(&HealthCheck::default()),
            [
                "health-check path set to /health (was /)",
                "healthy threshold set to 3 (was 2)"
            ]
        );
    }
}
