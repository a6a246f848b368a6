//! The gradual cut-over (`split --canary`, `--steps`, the automatic rollback) on the
//! local engine: real containers behind the real load balancer, the 5xx watch reading
//! the CloudWatch metrics the engine's load balancer writes from what it answered.
//! Weights are read through the ELBv2 API, shares counted from the answers themselves.

use std::collections::BTreeMap;
use std::io::Read;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_elasticloadbalancingv2 as elb;

use crate::common;
use crate::local_engine::{alb, app_env, deploy, manifest, through};
use common::engine::Engine;
use common::Run;

const PATH: &str = "/mysfits/1/like";
const PATTERN: &str = "/mysfits/*/like";
const LIKE_TG: &str = "mysfits-like";
const DEFAULT_TG: &str = "mysfits-default";

/// The lab up to the cut-over: `web` (the default route) and `like` deployed, `like`'s
/// image built in `like_mode` (tests/fixtures/echo-app), not split yet.
pub(crate) async fn lab(like_mode: &str) -> (Engine, Api, (u16, String)) {
    let engine = Engine::start();
    manifest(&engine);
    engine.run(&["up"]).ok();
    deploy(&engine, "web", "v1", &[]).ok();
    app_env(&engine, like_mode, "1");
    deploy(&engine, "like", "v1", &[]).ok();
    let lb = alb(&engine);
    let api = Api::new(&engine).await;
    (engine, api, lb)
}

/// The split rule's forward action, as the API shows it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Forward {
    NoRule,
    /// `TargetGroupArn` only: what `split` without `--canary` makes.
    Plain(String),
    /// `ForwardConfig.TargetGroups`: target group name → weight.
    Weighted(BTreeMap<String, i32>),
}

impl Forward {
    fn weighted(pairs: &[(&str, i32)]) -> Self {
        Self::Weighted(pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect())
    }

    /// like's share in percent (weights here always sum to 100).
    pub(crate) fn like_share(&self) -> Option<i32> {
        match self {
            Self::NoRule => None,
            Self::Plain(tg) => Some(if tg == LIKE_TG { 100 } else { 0 }),
            Self::Weighted(w) => Some(w.get(LIKE_TG).copied().unwrap_or(0)),
        }
    }
}

fn tg_name(arn: &str) -> String {
    arn.split('/').nth(1).unwrap_or(arn).to_string()
}

pub(crate) struct Api {
    elb: elb::Client,
    cw: aws_sdk_cloudwatch::Client,
    listener: String,
}

impl Api {
    async fn new(engine: &Engine) -> Self {
        let sdk = engine.sdk().await;
        let stack = aws_sdk_cloudformation::Client::new(&sdk)
            .describe_stacks()
            .stack_name("mysfits")
            .send()
            .await
            .unwrap();
        let listener = stack.stacks()[0]
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some("ListenerArn"))
            .and_then(|o| o.output_value())
            .unwrap()
            .to_string();
        Self {
            elb: elb::Client::new(&sdk),
            cw: aws_sdk_cloudwatch::Client::new(&sdk),
            listener,
        }
    }

    /// The actions of the rule for PATTERN, if there is one.
    async fn actions(&self) -> Option<Vec<elb::types::Action>> {
        let out = self
            .elb
            .describe_rules()
            .listener_arn(&self.listener)
            .send()
            .await
            .unwrap();
        out.rules()
            .iter()
            .find(|r| {
                r.conditions().iter().any(|c| {
                    c.values().iter().any(|v| v == PATTERN)
                        || c.path_pattern_config()
                            .is_some_and(|p| p.values().iter().any(|v| v == PATTERN))
                })
            })
            .map(|r| r.actions().to_vec())
    }

    async fn forward(&self) -> Forward {
        let Some(actions) = self.actions().await else {
            return Forward::NoRule;
        };
        assert_eq!(actions.len(), 1, "{actions:?}");
        let action = &actions[0];
        assert_eq!(
            action.r#type(),
            Some(&elb::types::ActionTypeEnum::Forward),
            "{action:?}"
        );
        match action.forward_config() {
            Some(config) if !config.target_groups().is_empty() => Forward::Weighted(
                config
                    .target_groups()
                    .iter()
                    .map(|g| {
                        (
                            tg_name(g.target_group_arn().unwrap()),
                            g.weight().unwrap_or(1),
                        )
                    })
                    .collect(),
            ),
            _ => Forward::Plain(tg_name(action.target_group_arn().unwrap())),
        }
    }

    /// The Sum of `AWS/ApplicationELB` `metric` of target group `tg` since `since`, as
    /// the engine's load balancer counted it (Period 60, like the cut-over's watch).
    async fn metric_sum(&self, metric: &str, tg: &str, since: SystemTime) -> f64 {
        use aws_sdk_cloudwatch::types::{Dimension, Statistic};
        let groups = self
            .elb
            .describe_target_groups()
            .names(tg)
            .send()
            .await
            .unwrap();
        let group = &groups.target_groups()[0];
        let suffix = |arn: &str| {
            arn.split_once(":loadbalancer/")
                .map_or(arn, |(_, s)| s)
                .to_string()
        };
        let tg_arn = group.target_group_arn().unwrap();
        let lb_arn = &group.load_balancer_arns()[0];
        let dims = [
            ("TargetGroup", tg_arn.split(':').nth(5).unwrap().to_string()),
            ("LoadBalancer", suffix(lb_arn)),
        ];
        let out = self
            .cw
            .get_metric_statistics()
            .namespace("AWS/ApplicationELB")
            .metric_name(metric)
            .set_dimensions(Some(
                dims.iter()
                    .map(|(k, v)| Dimension::builder().name(*k).value(v).build())
                    .collect(),
            ))
            .start_time(since.into())
            .end_time(SystemTime::now().into())
            .period(60)
            .statistics(Statistic::Sum)
            .send()
            .await
            .unwrap();
        out.datapoints().iter().filter_map(|d| d.sum()).sum()
    }
}

/// The next whole second, once it has come: the engine's datapoints are per second, so
/// a query from it counts only what was sent after.
fn next_second() -> SystemTime {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap();
    let next = Duration::from_secs(now.as_secs() + 1);
    std::thread::sleep(next - now);
    SystemTime::UNIX_EPOCH + next
}

/// The two-sided `1 - alpha` interval of Binomial(n, p), exactly: the narrowest [lo, hi]
/// with P(X < lo) <= alpha/2 and P(X > hi) <= alpha/2.
fn binomial_interval(n: u64, p: f64, alpha: f64) -> (u64, u64) {
    let mut pmf = (1.0 - p).powi(n as i32); // P(X = 0)
    let mut cdf = 0.0;
    let mut lo = None;
    for k in 0..=n {
        cdf += pmf; // P(X <= k)
        if lo.is_none() && cdf > alpha / 2.0 {
            lo = Some(k);
        }
        if cdf >= 1.0 - alpha / 2.0 {
            return (lo.unwrap(), k);
        }
        pmf *= (n - k) as f64 / (k + 1) as f64 * p / (1.0 - p);
    }
    (lo.unwrap_or(0), n)
}

/// One answer the steady traffic got: when, status, which service answered.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) at: Instant,
    pub(crate) status: u16,
    pub(crate) service: String,
}

/// Requests to PATH through the load balancer, one every `every`, until stopped.
pub(crate) struct Traffic {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<Answer>>,
}

impl Traffic {
    pub(crate) fn start(lb: &(u16, String), every: Duration) -> Self {
        Self::on(lb, PATH, every)
    }

    /// Requests to `path` with the Host header `lb.1`, one every `every`, until stopped.
    pub(crate) fn on(lb: &(u16, String), path: &'static str, every: Duration) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let lb = lb.clone();
        let flag = stop.clone();
        let handle = std::thread::spawn(move || {
            let mut answers = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let (status, service, _) = through(&lb, "GET", path);
                answers.push(Answer {
                    at: Instant::now(),
                    status,
                    service,
                });
                std::thread::sleep(every);
            }
            answers
        });
        Self { stop, handle }
    }

    pub(crate) fn stop(self) -> Vec<Answer> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap()
    }
}

/// Runs `mysfits args` while reading the split rule every 100 ms; returns its run and
/// each change of the rule's forward action, with when it was first seen.
pub(crate) async fn watched(
    engine: &Engine,
    api: &Api,
    args: &[&str],
) -> (Run, Vec<(Instant, Forward)>) {
    let mut child = engine
        .mysfits()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drained as it runs: a full pipe must not stall the command.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        stdout.read_to_end(&mut s).unwrap();
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        stderr.read_to_end(&mut s).unwrap();
        s
    });
    let mut seen: Vec<(Instant, Forward)> = Vec::new();
    let status = loop {
        let now = api.forward().await;
        if seen.last().map(|(_, f)| f) != Some(&now) {
            seen.push((Instant::now(), now));
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let run = Run::from(std::process::Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    });
    let last = api.forward().await;
    if seen.last().map(|(_, f)| f) != Some(&last) {
        seen.push((Instant::now(), last));
    }
    (run, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_canary_10_a_binomial_share_of_requests_reaches_the_new_service() {
    let (engine, api, lb) = lab("ok").await;
    let split = engine.run(&["split", "like", "--canary", "10"]).ok();
    assert!(
        format!("{}{}", split.stdout, split.stderr).contains("mysfits shift like 50"),
        "prints the next command:\n{}{}",
        split.stdout,
        split.stderr
    );
    assert_eq!(
        api.forward().await,
        Forward::weighted(&[(LIKE_TG, 10), (DEFAULT_TG, 90)])
    );
    let status = engine.run(&["status"]).ok();
    assert!(
        status.stdout.contains("like 10 %, web 90 %"),
        "{}",
        status.stdout
    );

    let since = next_second();
    let n = 1000;
    let mut like = 0;
    for _ in 0..n {
        match through(&lb, "GET", PATH) {
            (200, s, _) if s == "like" => like += 1,
            (200, s, _) if s == "web" => {}
            other => panic!("{PATH} answered {other:?}"),
        }
    }
    let (lo, hi) = binomial_interval(n, 0.1, 0.001);
    println!(
        "at 10 %: {like} of {n} requests answered by like; \
         99.9 % interval of Binomial({n}, 0.1): [{lo}, {hi}]"
    );
    assert!((lo..=hi).contains(&like), "{like} not in [{lo}, {hi}]");

    // The engine's CloudWatch counted the same requests, per target group (the watch's input).
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(
        (
            api.metric_sum("RequestCount", LIKE_TG, since).await,
            api.metric_sum("RequestCount", DEFAULT_TG, since).await,
            api.metric_sum("HTTPCode_Target_2XX_Count", LIKE_TG, since)
                .await,
        ),
        (like as f64, (n - like) as f64, like as f64)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_canary_answering_500_is_rolled_back_within_one_bake() {
    let bake = Duration::from_secs(20);
    let (engine, api, lb) = lab("errors").await;
    // Passes its health check, fails its users: only the 5xx watch can catch it.
    let traffic = Traffic::start(&lb, Duration::from_millis(20));
    let (split, seen) = watched(
        &engine,
        &api,
        &["split", "like", "--steps", "10,50,100", "--bake", "20s"],
    )
    .await;
    let answers = traffic.stop();
    println!("{}", split.stderr);
    assert_eq!(split.code, 1, "{}", split.stderr);
    for words in ["rolled back to 0 %", "5xx", "mysfits logs like"] {
        assert!(split.stderr.contains(words), "{words}:\n{}", split.stderr);
    }

    // All traffic back on the monolith, the rule kept for a look and a retry.
    let last = api.forward().await;
    assert_eq!(last, Forward::weighted(&[(LIKE_TG, 0), (DEFAULT_TG, 100)]));
    let shares: Vec<_> = seen.iter().filter_map(|(_, f)| f.like_share()).collect();
    // 0 % until like is up, 10 %, back to 0 %: never past the first step.
    assert_eq!(shares, vec![0, 10, 0], "{seen:?}");

    // Every 5xx is the canary's own 500: no share went to it before it had a healthy
    // target (that would be the load balancer's 503, which no bake watches).
    let elb_errors: Vec<_> = answers
        .iter()
        .filter(|a| a.status >= 500 && a.service != "like")
        .collect();
    assert!(elb_errors.is_empty(), "{elb_errors:?}");
    let first_5xx = answers
        .iter()
        .find(|a| a.status == 500 && a.service == "like")
        .expect("the canary answered 500s")
        .at;
    // The first 0 % after the 10 % (the new rule held 0 % before it, too).
    let canary = seen
        .iter()
        .position(|(_, f)| f.like_share() == Some(10))
        .unwrap();
    let restored = seen[canary..]
        .iter()
        .find(|(_, f)| f.like_share() == Some(0))
        .unwrap()
        .0;
    assert!(restored > first_5xx, "restored before any 5xx: {seen:?}");
    let latency = restored - first_5xx;
    println!(
        "rollback latency: {:.1} s from the first 5xx answered to weights 0/100 read back \
         ({} requests, {} answered 5xx)",
        latency.as_secs_f64(),
        answers.len(),
        answers.iter().filter(|a| a.status >= 500).count()
    );
    assert!(
        latency < bake,
        "{latency:?} is more than one bake ({bake:?})"
    );
    for _ in 0..20 {
        assert_eq!(through(&lb, "GET", PATH), (200, "web".into(), "1".into()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_healthy_canary_walks_10_50_100_and_ends_as_a_plain_split() {
    let (engine, api, lb) = lab("ok").await;
    let traffic = Traffic::start(&lb, Duration::from_millis(20));
    let walk = [
        "split",
        "like",
        "--steps",
        "10,50,100",
        "--bake",
        "3s",
        "-v",
    ];
    let (split, seen) = watched(&engine, &api, &walk).await;
    let answers = traffic.stop();
    assert_eq!(split.code, 0, "{}", split.stderr);
    let shares: Vec<_> = seen.iter().filter_map(|(_, f)| f.like_share()).collect();
    // The new rule holds 0 % until like is up, then the steps.
    assert_eq!(shares, vec![0, 10, 50, 100], "{seen:?}");
    // The end is today's plain split: one forward to like's group, no ForwardConfig.
    assert_eq!(api.forward().await, Forward::Plain(LIKE_TG.into()));
    let actions = api.actions().await.unwrap();
    assert!(actions[0].forward_config().is_none(), "{actions:?}");

    // Nobody saw an error during the cut-over, and both services answered.
    let failed: Vec<_> = answers.iter().filter(|a| a.status != 200).collect();
    assert!(
        failed.is_empty(),
        "{} of {}: {failed:?}",
        failed.len(),
        answers.len()
    );
    for service in ["like", "web"] {
        assert!(answers.iter().any(|a| a.service == service), "{service}");
    }

    // Idempotent: the same walk again, and a plain split, change nothing.
    for args in [&walk[..], &["split", "like", "-v"]] {
        let again = engine.run(args).ok();
        assert_eq!(again.api_calls().1, 0, "{args:?}:\n{}", again.stderr);
    }
    assert_eq!(api.forward().await, Forward::Plain(LIKE_TG.into()));
}

#[test]
fn the_binomial_interval_is_exact() {
    // Binomial(1000, 0.1), from math.comb: P(X <= 69) = 0.000378, P(X <= 70) = 0.000574;
    // P(X >= 133) = 0.000494, P(X >= 132) = 0.000695. Binomial(10, 0.5): P(X <= 1) =
    // 0.0107, P(X <= 2) = 0.0547, P(X >= 9) = 0.0107.
    assert_eq!(binomial_interval(1000, 0.1, 0.001), (70, 132));
    assert_eq!(binomial_interval(10, 0.5, 0.05), (2, 8));
}
