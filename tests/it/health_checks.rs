//! The manifest's health check and draining time against moto: they reach the default
//! target group as stack parameters (`up`) and a split service's target group through
//! the ELBv2 API (`split`); a change is applied on the next run and said, and a run
//! with nothing changed makes no mutating call.

use crate::common;

use common::probe::Probe;
use common::Moto;

/// The monolith and the like-service with the given extra manifest lines each.
fn manifest(moto: &Moto, web: &str, like: &str) {
    let yaml = format!(
        "services:
  - name: monolith-service
    build: .
    route: default
{web}  - name: like-service
    build: .
    route: /mysfits/*/like
{like}"
    );
    std::fs::write(moto.home.path().join("mysfits.yaml"), yaml).unwrap();
}

const FAST: &str = "    health_check: {path: /, interval: 5s, timeout: 2s, healthy_threshold: 2, unhealthy_threshold: 2}
    draining: 3s
";

/// (path, interval, timeout, healthy, unhealthy) and the draining attribute of a group.
async fn settings(probe: &Probe, name: &str) -> ((String, i32, i32, i32, i32), String) {
    let tg = probe.target_group(name).await.expect("target group");
    let health = (
        tg.health_check_path().unwrap_or_default().to_string(),
        tg.health_check_interval_seconds().unwrap_or_default(),
        tg.health_check_timeout_seconds().unwrap_or_default(),
        tg.healthy_threshold_count().unwrap_or_default(),
        tg.unhealthy_threshold_count().unwrap_or_default(),
    );
    let attributes = probe
        .elb
        .describe_target_group_attributes()
        .target_group_arn(tg.target_group_arn().unwrap())
        .send()
        .await
        .unwrap();
    let draining = attributes
        .attributes()
        .iter()
        .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
        .and_then(|a| a.value())
        .unwrap_or("300")
        .to_string();
    (health, draining)
}

async fn grace(probe: &Probe, service: &str) -> Option<i32> {
    probe
        .service(service)
        .await
        .expect("service")
        .health_check_grace_period_seconds()
}

async fn stack_parameters(moto: &Moto) -> std::collections::BTreeMap<String, String> {
    let cfn = aws_sdk_cloudformation::Client::new(&moto.sdk().await);
    let stacks = cfn
        .describe_stacks()
        .stack_name("mysfits")
        .send()
        .await
        .unwrap();
    stacks.stacks()[0]
        .parameters()
        .iter()
        .map(|p| {
            let text = |v: Option<&str>| v.unwrap_or_default().to_string();
            (text(p.parameter_key()), text(p.parameter_value()))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_passes_the_default_services_settings_and_applies_a_change() {
    let moto = Moto::start();
    manifest(&moto, FAST, "");
    moto.run(&["up"]).ok();
    let probe = Probe::new(&moto).await;
    let params = stack_parameters(&moto).await;
    for (key, want) in [
        ("DefaultHealthCheckPath", "/"),
        ("DefaultHealthCheckIntervalSeconds", "5"),
        ("DefaultHealthCheckTimeoutSeconds", "2"),
        ("DefaultHealthyThresholdCount", "2"),
        ("DefaultUnhealthyThresholdCount", "2"),
        ("DefaultDrainingSeconds", "3"),
    ] {
        assert_eq!(params.get(key).map(String::as_str), Some(want), "{key}");
    }
    assert_eq!(
        settings(&probe, "mysfits-default").await,
        (("/".into(), 5, 2, 2, 2), "3".into())
    );
    // 5 s × (2 + 2 + 1): long enough to fail twice during start-up and still come good.
    assert_eq!(grace(&probe, "monolith-service").await, Some(25));

    // A change: the stack is updated in place, and the service's grace period follows.
    manifest(
        &moto,
        "    health_check: {path: /health, interval: 6s, healthy_threshold: 3}\n",
        "",
    );
    let run = moto.run(&["up"]).ok();
    assert!(
        run.stderr.contains("Updating core stack 'mysfits'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("health-check grace period set to 42 s (was 25 s)"),
        "{}",
        run.stderr
    );
    assert_eq!(
        settings(&probe, "mysfits-default").await,
        (("/health".into(), 6, 5, 3, 3), "15".into()),
        "what the manifest leaves out is back at the defaults"
    );
    assert_eq!(grace(&probe, "monolith-service").await, Some(42));
    let again = moto.run(&["up", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_creates_the_target_group_with_the_settings_and_applies_a_change() {
    let moto = Moto::start();
    manifest(&moto, "", FAST);
    moto.run(&["up"]).ok();
    moto.run(&["deploy", "like-service", "--image", "like:1"])
        .ok();
    let probe = Probe::new(&moto).await;
    let split = moto.run(&["split", "like-service"]).ok();
    assert!(
        split
            .stderr
            .contains("created (ip targets, 5 s checks, 3 s draining)"),
        "{}",
        split.stderr
    );
    assert_eq!(
        settings(&probe, "mysfits-like-service").await,
        (("/".into(), 5, 2, 2, 2), "3".into())
    );
    assert_eq!(grace(&probe, "like-service").await, Some(25));
    // The default service kept the defaults: its grace period is as before.
    assert_eq!(grace(&probe, "monolith-service").await, Some(60));

    manifest(
        &moto,
        "",
        "    health_check: {path: /, interval: 6s, timeout: 2s, healthy_threshold: 2, unhealthy_threshold: 2}\n    draining: 0s\n",
    );
    let run = moto.run(&["split", "like-service"]).ok();
    for said in [
        "exists; health-check interval set to 6 s (was 5 s), draining time set to 0 s (was 3 s)",
        "health-check grace period set to 30 s (was 25 s)",
    ] {
        assert!(run.stderr.contains(said), "{said}:\n{}", run.stderr);
    }
    assert_eq!(
        settings(&probe, "mysfits-like-service").await,
        (("/".into(), 6, 2, 2, 2), "0".into())
    );
    assert_eq!(grace(&probe, "like-service").await, Some(30));
    let again = moto.run(&["split", "like-service", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);
}
