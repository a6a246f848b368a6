//! Rules beyond paths against moto: `split --host` and a manifest `host:` add a
//! host-header condition; `route --host/--method/--header` and `status` answer by
//! every condition of the listener's rules, the foreign ones included; a listener at
//! its rule quota is refused before any change.

use crate::split::{lab_with, Lab};

use aws_sdk_elasticloadbalancingv2 as elb;
use elb::types::{
    Action, ActionTypeEnum, HostHeaderConditionConfig, HttpHeaderConditionConfig,
    HttpRequestMethodConditionConfig, ProtocolEnum, RuleCondition, TargetTypeEnum,
};

/// A rule mysfits did not make, forwarding to a target group of its own.
async fn foreign(lab: &Lab, name: &str, priority: i32, conditions: Vec<RuleCondition>) {
    let tg = their_group(lab, name).await;
    their_rule(lab, &tg, priority, conditions).await;
}

async fn their_group(lab: &Lab, name: &str) -> String {
    let tg = lab
        .elb
        .create_target_group()
        .name(name)
        .protocol(ProtocolEnum::Http)
        .port(80)
        .vpc_id(&lab.vpc)
        .target_type(TargetTypeEnum::Ip)
        .send()
        .await
        .unwrap();
    tg.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string()
}

async fn their_rule(lab: &Lab, tg_arn: &str, priority: i32, conditions: Vec<RuleCondition>) {
    lab.elb
        .create_rule()
        .listener_arn(&lab.listener)
        .priority(priority)
        .set_conditions(Some(conditions))
        .actions(
            Action::builder()
                .r#type(ActionTypeEnum::Forward)
                .target_group_arn(tg_arn)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

fn host(h: &str) -> RuleCondition {
    RuleCondition::builder()
        .field("host-header")
        .host_header_config(HostHeaderConditionConfig::builder().values(h).build())
        .build()
}

/// (priority, host-header values) of the non-default rules, by priority.
async fn hosts(lab: &Lab) -> Vec<(u32, Vec<String>)> {
    // Every page: moto answers 50 rules a page.
    let mut pages = lab
        .elb
        .describe_rules()
        .listener_arn(&lab.listener)
        .into_paginator()
        .send();
    let mut rules: Vec<(u32, Vec<String>)> = Vec::new();
    while let Some(page) = pages.next().await {
        for r in page.unwrap().rules() {
            if r.is_default().unwrap_or(false) {
                continue;
            }
            let hosts = r
                .conditions()
                .iter()
                .filter(|c| c.field() == Some("host-header"))
                .flat_map(|c| {
                    c.host_header_config()
                        .map(|h| h.values().to_vec())
                        .unwrap_or_default()
                })
                .collect();
            rules.push((r.priority().unwrap().parse().unwrap(), hosts));
        }
    }
    rules.sort();
    rules
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_by_host_and_route_by_every_condition() {
    // svc-a's host comes from the manifest, svc-b's from --host: same paths, two hosts.
    let moto = lab_with(&[
        ("web", ""),
        ("svc-a", "/api/*\n    host: a.example.com"),
        ("svc-b", "/b/*"),
    ]);
    let lab = Lab::new(&moto).await;
    // Theirs: every path of c.example.com with X-Env blue and GET, at 1.
    foreign(
        &lab,
        "their-blue",
        1,
        vec![
            host("c.example.com"),
            RuleCondition::builder()
                .field("http-header")
                .http_header_config(
                    HttpHeaderConditionConfig::builder()
                        .http_header_name("X-Env")
                        .values("blue")
                        .build(),
                )
                .build(),
            RuleCondition::builder()
                .field("http-request-method")
                .http_request_method_config(
                    HttpRequestMethodConditionConfig::builder()
                        .values("GET")
                        .build(),
                )
                .build(),
        ],
    )
    .await;

    moto.run(&["split", "svc-a", "--no-wait"]).ok();
    let r = moto
        .run(&[
            "split",
            "svc-b",
            "--path",
            "/api/*",
            "--host",
            "b.example.com",
            "--no-wait",
        ])
        .ok();
    assert!(
        r.stderr
            .contains("Listener rule /api/* if host b.example.com"),
        "{}",
        r.stderr
    );
    // Neither hides the other, nor theirs: three rules, each with its host.
    assert_eq!(
        hosts(&lab).await,
        [
            (1, vec!["c.example.com".to_string()]),
            (2, vec!["a.example.com".to_string()]),
            (3, vec!["b.example.com".to_string()]),
        ]
    );
    assert!(lab.target_group("mysfits-svc-b").await.is_some());

    let route = |args: &[&str]| {
        let mut full = vec!["route"];
        full.extend(args);
        moto.run(&full).ok().stdout
    };
    let a = route(&["/api/1", "--host", "A.example.com"]);
    assert!(
        a.contains("/api/1 → svc-a (rule priority 2: /api/* and host a.example.com)"),
        "{a}"
    );
    let b = route(&["/api/1", "--host", "b.example.com:80"]);
    assert!(
        b.contains("→ svc-b (rule priority 3: /api/* and host b.example.com)"),
        "{b}"
    );
    let none = route(&["/api/1"]);
    assert!(
        none.contains("→ web (default action: no rule matches)"),
        "{none}"
    );
    let theirs = route(&[
        "/x",
        "--host",
        "c.example.com",
        "--method",
        "GET",
        "--header",
        "x-env=Blue",
    ]);
    assert!(
        theirs.contains(
            "→ their-blue (rule priority 1: host c.example.com and method GET and header X-Env: blue)"
        ),
        "{theirs}"
    );
    let post = route(&[
        "/x",
        "--host",
        "c.example.com",
        "--method",
        "POST",
        "--header",
        "X-Env=blue",
    ]);
    assert!(post.contains("→ web (default action"), "{post}");

    // JSON names the conditions that matched.
    let json = moto
        .run(&[
            "route",
            "/api/1",
            "--host",
            "a.example.com",
            "--output",
            "json",
        ])
        .ok()
        .stdout;
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["service"], "svc-a");
    assert_eq!(v["pattern"], "/api/*");
    assert_eq!(v["conditions"], serde_json::json!(["host a.example.com"]));

    // Offline, from the manifest: svc-a's host is there, svc-b's --host is not.
    let off = route(&["/api/1", "--host", "a.example.com", "--offline"]);
    assert!(off.contains("→ svc-a"), "{off}");
    let off = route(&["/api/1", "--offline"]);
    assert!(off.contains("→ web"), "{off}");

    // status: each rule with its conditions.
    let status = moto.run(&["status"]).ok().stdout;
    assert!(status.contains("/api/* if host a.example.com"), "{status}");
    assert!(
        status.contains("any path if host c.example.com and method GET and header X-Env: blue"),
        "{status}"
    );

    // A split that would hide a foreign rule: every path of *.example.com ahead of
    // theirs for d.example.com is refused, naming it, and nothing changes.
    foreign(&lab, "their-d", 5, vec![host("d.example.com")]).await;
    let before = hosts(&lab).await;
    let r = moto
        .run(&[
            "split",
            "svc-b",
            "--path",
            "/*",
            "--host",
            "*.example.com",
            "--priority",
            "4",
            "--no-wait",
        ])
        .fails_with(
            "pattern /* (their-d, priority 5) would never be reached: the rule for svc-b \
             (priority 4: /* if host *.example.com) takes every path it matches",
        );
    assert!(r.stderr.contains("hint: "), "{}", r.stderr);
    assert_eq!(hosts(&lab).await, before, "nothing changed");
}

fn path(p: &str) -> RuleCondition {
    RuleCondition::builder()
        .field("path-pattern")
        .path_pattern_config(
            elb::types::PathPatternConditionConfig::builder()
                .values(p)
                .build(),
        )
        .build()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listener_at_its_rule_quota_is_refused_before_any_change() {
    let moto = lab_with(&[("web", ""), ("svc-a", "/api/*")]);
    let lab = Lab::new(&moto).await;
    let tg = their_group(&lab, "their-many").await;
    for i in 1..=100 {
        their_rule(&lab, &tg, i, vec![path(&format!("/r{i}"))]).await;
    }
    let r = moto
        .run(&["split", "svc-a", "--no-wait"])
        .fails_with("listener already has 100 rules, ALB's quota of rules per load balancer");
    let errors = r.stderr.lines().filter(|l| l.starts_with("error:")).count();
    assert_eq!(errors, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("hint: remove or merge a rule first"),
        "{}",
        r.stderr
    );
    assert!(
        lab.target_group("mysfits-svc-a").await.is_none(),
        "nothing created"
    );
    assert_eq!(hosts(&lab).await.len(), 100, "no rule added");
}
