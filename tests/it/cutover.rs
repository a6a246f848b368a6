//! The gradual cut-over against moto: `split --canary/--steps`, `shift`, the bake watch
//! and its rollback, the rule's ForwardConfig weights read back through the API at every
//! step, and the calls each step makes.

use crate::common;

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use aws_sdk_elasticloadbalancingv2 as elb;
use common::{Moto, Run};

/// A rule's forward action as the API has it: `[(target group name, weight)]` for a
/// weighted forward, `[(name, 100)]` for the plain one (TargetGroupArn, no config).
pub(crate) type Shares = Vec<(String, i32)>;

pub(crate) struct Lab {
    pub(crate) elb: elb::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    listener: String,
    alb: String,
}

impl Lab {
    /// `up`, the monolith deployed (`up` runs no task until then: merge waits for one),
    /// a revision of like-service, and the SDK clients that check what was done.
    pub(crate) async fn new(moto: &Moto) -> Self {
        moto.run(&["up"]).ok();
        moto.run(&["deploy", "monolith-service", "--image", "monolith:1"])
            .ok();
        Self::with_like(moto).await
    }

    /// As `new`, without deploying the monolith (its service runs no task).
    pub(crate) async fn without_monolith(moto: &Moto) -> Self {
        moto.run(&["up"]).ok();
        Self::with_like(moto).await
    }

    async fn with_like(moto: &Moto) -> Self {
        moto.run(&["deploy", "like-service", "--image", "like:1"])
            .ok();
        let sdk = moto.sdk().await;
        let cfn = aws_sdk_cloudformation::Client::new(&sdk);
        let stack = cfn
            .describe_stacks()
            .stack_name("mysfits")
            .send()
            .await
            .unwrap();
        let output = |key: &str| {
            stack.stacks()[0]
                .outputs()
                .iter()
                .find(|o| o.output_key() == Some(key))
                .and_then(|o| o.output_value())
                .unwrap()
                .to_string()
        };
        Self {
            elb: elb::Client::new(&sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(&sdk),
            listener: output("ListenerArn"),
            alb: output("AlbArn"),
        }
    }

    /// The one non-default rule's action, whole (to compare with a plain split's).
    async fn action(&self) -> Option<elb::types::Action> {
        let out = self
            .elb
            .describe_rules()
            .listener_arn(&self.listener)
            .send()
            .await
            .unwrap();
        let rule = out
            .rules()
            .iter()
            .find(|r| !r.is_default().unwrap_or(false))?
            .clone();
        Some(rule.actions()[0].clone())
    }

    /// The one non-default rule's shares, as the API reports them.
    pub(crate) async fn shares(&self) -> Option<Shares> {
        let action = self.action().await?;
        let name = |arn: &str| arn.split('/').nth(1).unwrap().to_string();
        Some(match action.forward_config() {
            Some(f) if f.target_groups().len() > 1 => {
                assert_eq!(
                    f.target_group_stickiness_config().and_then(|s| s.enabled()),
                    Some(false),
                    "stickiness off"
                );
                f.target_groups()
                    .iter()
                    .map(|t| (name(t.target_group_arn().unwrap()), t.weight().unwrap()))
                    .collect()
            }
            _ => vec![(name(action.target_group_arn().unwrap()), 100)],
        })
    }

    pub(crate) async fn target_group_arn(&self, name: &str) -> String {
        self.elb
            .describe_target_groups()
            .names(name)
            .send()
            .await
            .unwrap()
            .target_groups()[0]
            .target_group_arn()
            .unwrap()
            .to_string()
    }

    /// Datapoints into moto's CloudWatch as the load balancer would publish them.
    async fn publish(&self, target_group: &str, metric: &str, value: f64) {
        let suffix = |arn: &str, after: &str| arn.split(after).nth(1).unwrap().to_string();
        let tg = format!("targetgroup/{}", suffix(target_group, ":targetgroup/"));
        let lb = suffix(&self.alb, ":loadbalancer/");
        let dim = |n: &str, v: &str| {
            aws_sdk_cloudwatch::types::Dimension::builder()
                .name(n)
                .value(v)
                .build()
        };
        self.cloudwatch
            .put_metric_data()
            .namespace("AWS/ApplicationELB")
            .metric_data(
                aws_sdk_cloudwatch::types::MetricDatum::builder()
                    .metric_name(metric)
                    .dimensions(dim("TargetGroup", &tg))
                    .dimensions(dim("LoadBalancer", &lb))
                    .timestamp(aws_sdk_cloudwatch::primitives::DateTime::from(
                        SystemTime::now(),
                    ))
                    .value(value)
                    .unit(aws_sdk_cloudwatch::types::StandardUnit::Count)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
}

pub(crate) fn shares(pairs: &[(&str, i32)]) -> Shares {
    pairs.iter().map(|(n, w)| (n.to_string(), *w)).collect()
}

pub(crate) const LIKE: &str = "mysfits-like-service";

/// The binary run in the background while the test watches the rule through the API:
/// every distinct action seen, in order, and the run's output.
async fn watch_while(moto: &Moto, lab: &Lab, args: &[&str]) -> (Vec<Shares>, Run) {
    let child = moto
        .mysfits()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen: Vec<Shares> = Vec::new();
    let mut child = child;
    loop {
        if let Some(s) = lab.shares().await {
            if seen.last() != Some(&s) {
                seen.push(s);
            }
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let run = Run::from(child.wait_with_output().unwrap());
    if let Some(s) = lab.shares().await {
        if seen.last() != Some(&s) {
            seen.push(s);
        }
    }
    (seen, run)
}

/// Mutating calls by name, from the `-v` tally line.
fn mutating(run: &Run) -> String {
    run.stderr
        .lines()
        .find(|l| l.starts_with("api calls:"))
        .unwrap_or_else(|| panic!("no tally (-v):\n{}", run.stderr))
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_sets_each_weight_and_ends_as_the_plain_split() {
    let moto = Moto::start();
    let lab = Lab::new(&moto).await;

    // Today's split first: the plain action every walk must end as.
    moto.run(&["split", "like-service"]).ok();
    let plain = lab.action().await.unwrap();
    assert_eq!(lab.shares().await.unwrap(), shares(&[(LIKE, 100)]));

    // The walk over a rule already at 100 resumes at 100: nothing to do, no call.
    let again = moto
        .run(&[
            "split",
            "like-service",
            "--steps",
            "10,50,100",
            "--bake",
            "1s",
            "-v",
        ])
        .ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);

    // 0 %: the rule stays, everything on the monolith.
    let zero = moto.run(&["shift", "like-service", "0", "-v"]).ok();
    assert_eq!(zero.api_calls().1, 1, "{}", zero.stderr);
    assert!(mutating(&zero).contains("ModifyRule"), "{}", zero.stderr);
    assert_eq!(
        lab.shares().await.unwrap(),
        shares(&[(LIKE, 0), ("mysfits-default", 100)])
    );

    // The walk, watched through the API while it runs: 10, 50, then the plain forward.
    let started = Instant::now();
    let (seen, walk) = watch_while(
        &moto,
        &lab,
        &[
            "split",
            "like-service",
            "--steps",
            "10,50,100",
            "--bake",
            "1s",
            "-v",
        ],
    )
    .await;
    let walk = walk.ok();
    assert_eq!(
        seen,
        [
            shares(&[(LIKE, 0), ("mysfits-default", 100)]),
            shares(&[(LIKE, 10), ("mysfits-default", 90)]),
            shares(&[(LIKE, 50), ("mysfits-default", 50)]),
            shares(&[(LIKE, 100)]),
        ],
        "{}",
        walk.stderr
    );
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "two bakes of 1 s"
    );
    assert_eq!(
        lab.action().await.unwrap(),
        plain,
        "ends as the plain split"
    );
    // One ModifyRule per step; moto has no data plane, so no metric data, no breach.
    assert_eq!(walk.api_calls().1, 3, "{}", walk.stderr);
    assert_eq!(mutating(&walk).matches("ModifyRule").count(), 3);
    println!("walk 10,50,100 --bake 1s: {}", mutating(&walk));

    // shift 50, then 50 again: one call, then none.
    let fifty = moto.run(&["shift", "like-service", "50", "-v"]).ok();
    assert_eq!(fifty.api_calls().1, 1, "{}", fifty.stderr);
    assert_eq!(
        fifty.stdout.trim(),
        "/mysfits/*/like → like-service 50 %, monolith-service 50 %"
    );
    assert_eq!(
        lab.shares().await.unwrap(),
        shares(&[(LIKE, 50), ("mysfits-default", 50)])
    );
    let same = moto.run(&["shift", "like-service", "50", "-v"]).ok();
    assert_eq!(same.api_calls().1, 0, "{}", same.stderr);

    // status and route show the shares.
    let status = moto.run(&["status"]).ok();
    assert!(
        status
            .stdout
            .contains("like-service 50 %, monolith-service 50 %"),
        "{}",
        status.stdout
    );
    let route = moto.run(&["route", "/mysfits/7/like"]).ok();
    assert!(
        route.stdout.contains(
            "/mysfits/7/like → like-service 50 %, monolith-service 50 % (rule priority 1: /mysfits/*/like)"
        ),
        "{}",
        route.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&moto.run(&["status", "--output", "json"]).ok().stdout).unwrap();
    let rule = json["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["priority"] == 1)
        .unwrap();
    assert_eq!(
        rule["weights"],
        serde_json::json!([
            {"service": "like-service", "target_group": LIKE, "weight": 50},
            {"service": "monolith-service", "target_group": "mysfits-default", "weight": 50},
        ])
    );

    // shift 100 is the plain split again, exactly.
    moto.run(&["shift", "like-service", "100"]).ok();
    assert_eq!(lab.action().await.unwrap(), plain);

    // A plain split over a weighted rule is today's split: 100 % at once, one call.
    moto.run(&["shift", "like-service", "10"]).ok();
    let plain_again = moto.run(&["split", "like-service", "-v"]).ok();
    assert_eq!(plain_again.api_calls().1, 1, "{}", plain_again.stderr);
    assert_eq!(lab.action().await.unwrap(), plain);

    // merge from 10 %: rule, service, target group, as at 100 %.
    moto.run(&["split", "like-service", "--canary", "10"]).ok();
    assert_eq!(
        lab.shares().await.unwrap(),
        shares(&[(LIKE, 10), ("mysfits-default", 90)])
    );
    let merge = moto.run(&["merge", "like-service", "--yes"]).ok();
    assert!(
        merge
            .stdout
            .contains("(priority 1, like-service 10 %, monolith-service 90 %)"),
        "{}",
        merge.stdout
    );
    assert_eq!(lab.shares().await, None, "rule gone");
    let probe = common::probe::Probe::new(&moto).await;
    assert!(probe.service("like-service").await.is_none());
    assert!(probe.target_group(LIKE).await.is_none());
    let route = moto.run(&["route", "/mysfits/7/like"]).ok();
    assert!(
        route.stdout.contains("monolith-service (default action"),
        "{}",
        route.stdout
    );
}

/// 5xx published into moto's CloudWatch during a bake: the weights go back to 0 %
/// within one poll, the error says why with the numbers, exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_breach_during_a_bake_rolls_back_to_zero() {
    let moto = Moto::start();
    let lab = Lab::new(&moto).await;
    let canary = moto
        .run(&["split", "like-service", "--canary", "10", "--no-wait", "-v"])
        .ok();
    assert!(
        canary
            .stderr
            .contains("next: send it more: mysfits shift like-service 50"),
        "the next command: {}",
        canary.stderr
    );
    assert_eq!(
        lab.shares().await.unwrap(),
        shares(&[(LIKE, 10), ("mysfits-default", 90)])
    );
    let tg = lab.target_group_arn(LIKE).await;

    let args = [
        "split",
        "like-service",
        "--steps",
        "10,50,100",
        "--bake",
        "20s",
        "-v",
    ];
    let mut child = moto
        .mysfits()
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A blip below the floor of five 5xx does not roll back.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    lab.publish(&tg, "RequestCount", 100.0).await;
    lab.publish(&tg, "HTTPCode_Target_5XX_Count", 4.0).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        child.try_wait().unwrap().is_none(),
        "4 of 100 5xx: no rollback"
    );
    lab.publish(&tg, "RequestCount", 30.0).await;
    lab.publish(&tg, "HTTPCode_Target_5XX_Count", 8.0).await;
    let breach = Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(breach.elapsed() < Duration::from_secs(10), "no rollback");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let latency = breach.elapsed();
    let run = Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 1, "{}", run.stderr);
    let r = run
        .fails_with("like-service rolled back to 0 %: 12 of 130 requests (9.2 %) answered 5xx in ");
    assert!(r.stderr.contains(" s at 10 % (limit 1 %)"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("hint: see why: `mysfits logs like-service`"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "hint: once fixed, run it again: `mysfits split like-service --steps 10,50,100 --bake 20s -v`"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(
        lab.shares().await.unwrap(),
        shares(&[(LIKE, 0), ("mysfits-default", 100)]),
        "all on the monolith, the rule kept"
    );
    // Bake 20 s polls every 2 s (plus jitter): the rollback lands within one poll.
    assert!(
        latency < Duration::from_secs(4),
        "rollback took {latency:?}"
    );
    println!("rollback latency (5xx published → exit with 0 % set): {latency:?}");
    println!("rollback run: {}", mutating(&r));

    // Cleanup takes a weighted rule with the rest: nothing of the split is left.
    moto.run(&["cleanup", "--yes"]).ok();
    let probe = common::probe::Probe::new(&moto).await;
    assert!(probe.target_group(LIKE).await.is_none());
    assert!(probe.service("like-service").await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shift_without_a_split_names_the_split_command() {
    let moto = Moto::start();
    let lab = Lab::new(&moto).await;
    let r = moto
        .run(&["shift", "like-service", "50"])
        .fails_with("like-service is not split out yet: there is no listener rule to shift");
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "hint: split it first, e.g. with a canary: `mysfits split like-service --canary 10`"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(lab.shares().await, None, "nothing created");
}

/// Ctrl-C during a bake stops the watch and leaves the weights as they were set: exit
/// 130, the bake named as pending, and the same command again makes no change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_during_a_bake_leaves_the_weights() {
    let moto = Moto::start();
    let lab = Lab::new(&moto).await;
    moto.run(&["split", "like-service", "--canary", "10", "--no-wait"])
        .ok();
    let child = moto
        .mysfits()
        .args(["shift", "like-service", "50", "--bake", "30s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait for the weight to be set, then interrupt the bake.
    let started = Instant::now();
    while lab.shares().await.unwrap() != shares(&[(LIKE, 50), ("mysfits-default", 50)]) {
        assert!(started.elapsed() < Duration::from_secs(10), "never set");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let run = Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("stopped while pending: like-service 50 %"),
        "{}",
        run.stderr
    );
    assert_eq!(
        lab.shares().await.unwrap(),
        shares(&[(LIKE, 50), ("mysfits-default", 50)])
    );
    let again = moto.run(&["shift", "like-service", "50", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);
}
