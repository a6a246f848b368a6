//! `split`, `route` and `merge` against moto: the rule, target group, service and task
//! definition checked through the API at each step.

use crate::common;

use aws_sdk_elasticloadbalancingv2 as elb;
use common::probe::Probe;
use common::Moto;

pub(crate) struct Lab {
    pub(crate) vpc: String,
    pub(crate) elb: elb::Client,
    probe: Probe,
    pub(crate) listener: String,
}

impl Lab {
    pub(crate) async fn new(moto: &Moto) -> Self {
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
        let listener = output("ListenerArn");
        Self {
            vpc: output("VpcId"),
            elb: elb::Client::new(&sdk),
            probe: Probe::new(moto).await,
            listener,
        }
    }

    /// (arn, priority, patterns) of the non-default rules.
    async fn rules(&self) -> Vec<(String, String, Vec<String>)> {
        let out = self
            .elb
            .describe_rules()
            .listener_arn(&self.listener)
            .send()
            .await
            .unwrap();
        out.rules()
            .iter()
            .filter(|r| !r.is_default().unwrap_or(false))
            .map(|r| {
                let c = &r.conditions()[0];
                let patterns = c
                    .path_pattern_config()
                    .map(|p| p.values().to_vec())
                    .filter(|v| !v.is_empty())
                    .unwrap_or_else(|| c.values().to_vec());
                (
                    r.rule_arn().unwrap().to_string(),
                    r.priority().unwrap().to_string(),
                    patterns,
                )
            })
            .collect()
    }

    /// A target group and a rule at `priority` that mysfits did not make (no lab tag).
    async fn foreign_rule(&self, vpc: &str, priority: i32, pattern: &str) -> String {
        let tg = self
            .elb
            .create_target_group()
            .name("their-tg")
            .protocol(elb::types::ProtocolEnum::Http)
            .port(80)
            .vpc_id(vpc)
            .target_type(elb::types::TargetTypeEnum::Ip)
            .send()
            .await
            .unwrap();
        let tg_arn = tg.target_groups()[0]
            .target_group_arn()
            .unwrap()
            .to_string();
        let rule = self
            .elb
            .create_rule()
            .listener_arn(&self.listener)
            .priority(priority)
            .conditions(
                elb::types::RuleCondition::builder()
                    .field("path-pattern")
                    .path_pattern_config(
                        elb::types::PathPatternConditionConfig::builder()
                            .values(pattern)
                            .build(),
                    )
                    .build(),
            )
            .actions(
                elb::types::Action::builder()
                    .r#type(elb::types::ActionTypeEnum::Forward)
                    .target_group_arn(tg_arn)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        rule.rules()[0].rule_arn().unwrap().to_string()
    }

    /// (priority, patterns) by ascending priority.
    async fn order(&self) -> Vec<(u32, Vec<String>)> {
        let mut rules: Vec<(u32, Vec<String>)> = self
            .rules()
            .await
            .into_iter()
            .map(|(_, p, pats)| (p.parse().unwrap(), pats))
            .collect();
        rules.sort();
        rules
    }

    pub(crate) async fn target_group(&self, name: &str) -> Option<elb::types::TargetGroup> {
        self.probe.target_group(name).await
    }

    async fn service(&self, name: &str) -> Option<aws_sdk_ecs::types::Service> {
        self.probe.service(name).await
    }
}

/// A lab up on moto with these services (`route: default` for the first), each
/// non-default one with a revision to split.
pub(crate) fn lab_with(services: &[(&str, &str)]) -> Moto {
    let moto = Moto::start();
    let mut yaml = String::from("services:\n");
    for (i, (name, route)) in services.iter().enumerate() {
        let route = if i == 0 { "default" } else { route };
        yaml += &format!("  - name: {name}\n    build: .\n    route: {route}\n");
    }
    std::fs::write(moto.home.path().join("mysfits.yaml"), yaml).unwrap();
    moto.run(&["up"]).ok();
    // The default service too: `up` runs no task until its first deploy.
    for (name, _) in services {
        moto.run(&["deploy", name, "--image", &format!("{name}:1")])
            .ok();
    }
    moto
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_route_resplit_change_merge_cleanup() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    // `up` runs no task until the monolith's first deploy; merge needs one to fall back on.
    moto.run(&["deploy", "monolith-service", "--image", "monolith:1"])
        .ok();
    let lab = Lab::new(&moto).await;

    // Before like-service has a revision: refused, with the deploy command, nothing made.
    let r = moto
        .run(&["split", "like-service", "--path", "/mysfits/*/like"])
        .fails_with("like-service has no task-definition revision yet");
    assert!(
        r.stderr.contains("mysfits deploy like-service --tag v1"),
        "{}",
        r.stderr
    );
    assert!(lab.target_group("mysfits-like-service").await.is_none());

    moto.run(&[
        "deploy",
        "like-service",
        "--image",
        "registry.example/like:v1",
    ])
    .ok();

    // Bad patterns: clear errors, nothing created.
    moto.run(&["split", "like-service", "--path", "/mysfits/{id}/like"])
        .fails_with("has '{' at position 9, which ALB does not allow");
    moto.run(&["split", "like-service", "--path", "/mysfits/*/ like"])
        .fails_with("has ' '");
    let long = format!("/{}", "a".repeat(128));
    moto.run(&["split", "like-service", "--path", &long])
        .fails_with("129");
    moto.run(&["split", "billing", "--path", "/bill/*"])
        .fails_with("unknown service 'billing'");
    assert!(lab.target_group("mysfits-like-service").await.is_none());
    assert!(lab.rules().await.is_empty());

    // Without SERVICE: the manifest service whose route is the pattern.
    moto.run(&["split", "--path", "/mysfits/*/like"]).ok();
    let rules = lab.rules().await;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].1, "1", "the lab's rule has priority 1");
    assert_eq!(rules[0].2, ["/mysfits/*/like"]);
    let tg = lab
        .target_group("mysfits-like-service")
        .await
        .expect("target group");
    assert_eq!(tg.target_type().map(|t| t.as_str()), Some("ip"));
    assert_eq!(tg.health_check_path(), Some("/"));
    assert_eq!(tg.healthy_threshold_count(), Some(2));
    let svc = lab.service("like-service").await.expect("service");
    assert_eq!(
        svc.load_balancers()[0].target_group_arn(),
        tg.target_group_arn()
    );
    assert!(svc
        .task_definition()
        .unwrap()
        .ends_with("mysfits-like-service:1"));
    assert_eq!(svc.launch_type().map(|l| l.as_str()), Some("FARGATE"));

    // Route, as ALB evaluates the live rules.
    let r = moto.run(&["route", "/mysfits/42/like"]).ok();
    assert!(
        r.stdout
            .contains("→ like-service (rule priority 1: /mysfits/*/like)"),
        "{}",
        r.stdout
    );
    let r = moto.run(&["route", "/mysfits/42", "--output", "json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(json["service"], "monolith-service");
    assert_eq!(json["priority"], serde_json::Value::Null);
    // Case-sensitive, trailing slash and all.
    let r = moto.run(&["route", "/Mysfits/42/like"]).ok();
    assert!(r.stdout.contains("monolith-service"), "{}", r.stdout);

    // The same split again changes nothing.
    let again = moto
        .run(&["split", "like-service", "--path", "/mysfits/*/like", "-v"])
        .ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);

    let arn_before = lab.rules().await[0].0.clone();
    // A changed pattern modifies the rule in place.
    moto.run(&["split", "like-service", "--path", "/mysfits/*/like*"])
        .ok();
    let rules = lab.rules().await;
    assert_eq!(rules.len(), 1);
    assert_eq!(rules[0].0, arn_before, "same rule");
    assert_eq!(rules[0].2, ["/mysfits/*/like*"]);

    // A new priority for the same rule moves it, in place.
    moto.run(&[
        "split",
        "like-service",
        "--path",
        "/mysfits/*/like*",
        "--priority",
        "7",
    ])
    .ok();
    let rules = lab.rules().await;
    assert_eq!(
        (rules[0].0.as_str(), rules[0].1.as_str()),
        (arn_before.as_str(), "7")
    );

    // Merge asks first: without a terminal and without --yes it deletes nothing, and
    // --dry-run prints the plan (the snapshot merge_dry_run.text) and stops.
    let refused = moto.run(&["merge", "like-service"]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains(
            "error: merge like-service needs confirmation, and there is no terminal to ask on"
        ),
        "{}",
        refused.stderr
    );
    assert!(refused
        .stderr
        .contains("`mysfits merge like-service --yes`"));
    moto.run(&["merge", "like-service", "--dry-run"]).ok();
    assert_eq!(
        lab.rules().await.len(),
        1,
        "a refused or dry merge deletes nothing"
    );
    assert!(lab.service("like-service").await.is_some());

    // Merge: rule first, then service, then target group; traffic back on the monolith.
    moto.run(&["merge", "like-service", "--yes"]).ok();
    assert!(lab.rules().await.is_empty());
    assert!(lab.service("like-service").await.is_none());
    assert!(lab.target_group("mysfits-like-service").await.is_none());
    let r = moto.run(&["route", "/mysfits/42/like"]).ok();
    assert!(
        r.stdout.contains("monolith-service (default action"),
        "{}",
        r.stdout
    );
    // The revision stays for the next split.
    moto.run(&["split", "like-service"]).ok();

    // Cleanup removes the split's rule and target group too.
    moto.run(&["cleanup", "--yes"]).ok();
    assert!(lab.target_group("mysfits-like-service").await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn taken_priorities_and_shadowed_patterns_are_refused() {
    let moto = lab_with(&[("api", ""), ("users", "/api/*"), ("admins", "/api/admins")]);
    moto.run(&["split", "users", "--priority", "5"]).ok();
    let lab = Lab::new(&moto).await;

    moto.run(&[
        "split",
        "admins",
        "--path",
        "/api/admins",
        "--priority",
        "5",
    ])
    .fails_with("priority 5 is already used by the rule for users");
    moto.run(&[
        "split",
        "admins",
        "--path",
        "/api/admins",
        "--priority",
        "9",
    ])
    .fails_with(
        "pattern /api/admins (admins, priority 9) would never be reached: \
         the rule for users (priority 5: /api/*) takes every path it matches",
    );
    assert_eq!(lab.rules().await.len(), 1, "nothing created");
    assert!(lab.target_group("mysfits-admins").await.is_none());

    // Left to itself, the more specific rule goes before the general one.
    moto.run(&["split", "admins"]).ok();
    let rules = lab.rules().await;
    let admins = rules.iter().find(|r| r.2 == ["/api/admins"]).unwrap();
    assert!(admins.1.parse::<u32>().unwrap() < 5, "{rules:?}");
    let r = moto.run(&["route", "/api/admins"]).ok();
    assert!(r.stdout.contains("→ admins"), "{}", r.stdout);
}

/// `/api/*` took priority 1; `/api/users*` must go before it. The lab's own rule is
/// renumbered in one SetRulePriorities call; a rule mysfits did not make never moves,
/// and when it stands in the way the split is refused, naming it, before anything is made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_more_specific_rule_renumbers_the_labs_own_rules() {
    let moto = lab_with(&[("web", ""), ("api", "/api/*"), ("users", "/api/users*")]);
    moto.run(&["split", "api", "--no-wait"]).ok();
    let lab = Lab::new(&moto).await;
    let api_arn = lab.rules().await[0].0.clone();
    assert_eq!(lab.order().await, [(1, vec!["/api/*".to_string()])]);

    // Someone else's rule right behind it: nothing of the lab's can move past it.
    let theirs = lab.foreign_rule(&lab.vpc, 2, "/theirs/*").await;
    let r = moto.run(&["split", "users", "--no-wait"]).fails_with(
        "no priority is free for the new rule for users (/api/users*) before priority 1",
    );
    assert!(
        r.stderr
            .contains("the rule for their-tg (priority 2: /theirs/*) is in the way: mysfits did not create it"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    assert!(
        lab.target_group("mysfits-users").await.is_none(),
        "nothing created"
    );
    assert_eq!(lab.order().await.len(), 2);

    // With a gap behind the lab's rule, it moves; theirs stays where it is.
    lab.elb
        .set_rule_priorities()
        .rule_priorities(
            elb::types::RulePriorityPair::builder()
                .rule_arn(&theirs)
                .priority(3)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let split = moto.run(&["split", "users", "--no-wait", "-v"]).ok();
    assert!(
        split.stderr.contains(
            "renumbered the lab's own rules in one SetRulePriorities call to make room at priority 1: api 1 → 2"
        ),
        "{}",
        split.stderr
    );
    let mutating = split
        .stderr
        .lines()
        .find(|l| l.starts_with("api calls:"))
        .unwrap();
    assert_eq!(
        mutating.matches("SetRulePriorities").count(),
        1,
        "one call: {mutating}"
    );
    assert_eq!(
        lab.order().await,
        [
            (1, vec!["/api/users*".to_string()]),
            (2, vec!["/api/*".to_string()]),
            (3, vec!["/theirs/*".to_string()]),
        ]
    );
    let rules = lab.rules().await;
    assert!(
        rules.iter().any(|r| r.0 == api_arn && r.1 == "2"),
        "same rule, moved: {rules:?}"
    );
    let r = moto.run(&["route", "/api/users/7"]).ok();
    assert!(
        r.stdout.contains("→ users (rule priority 1: /api/users*)"),
        "{}",
        r.stdout
    );
    let r = moto.run(&["route", "/api/orders"]).ok();
    assert!(
        r.stdout.contains("→ api (rule priority 2: /api/*)"),
        "{}",
        r.stdout
    );

    // An unchanged re-run changes nothing.
    let again = moto.run(&["split", "users", "--no-wait", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);

    // Changed in place to a pattern that must come later: the rule moves after the
    // rules it would hide, instead of hiding them.
    let moved = moto
        .run(&["split", "users", "--path", "/*", "--no-wait", "-v"])
        .ok();
    assert!(moved.stderr.contains("priority 1 → 4"), "{}", moved.stderr);
    assert_eq!(
        lab.order().await,
        [
            (2, vec!["/api/*".to_string()]),
            (3, vec!["/theirs/*".to_string()]),
            (4, vec!["/*".to_string()]),
        ]
    );
}

/// A rule that would hide a later one is refused, naming both and the command that
/// fixes it; `--force` accepts it with a warning naming what goes dark.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rule_that_hides_another_is_refused_naming_both() {
    let moto = lab_with(&[("web", ""), ("svc-z", "/z/*"), ("svc-b", "/b/*")]);
    moto.run(&["split", "svc-z", "--priority", "5", "--no-wait"])
        .ok();
    let lab = Lab::new(&moto).await;

    let r = moto
        .run(&["split", "svc-b", "--path", "/*", "--priority", "2", "--no-wait"])
        .fails_with(
            "the new rule for svc-b (/*) at priority 2 would leave patterns that no request reaches: \
             pattern /z/* (svc-z, priority 5) would never be reached: \
             the rule for svc-b (priority 2: /*) takes every path it matches",
        );
    assert!(
        r.stderr.contains(
            "hint: leave out --priority and mysfits puts it at 6: `mysfits split svc-b --path '/*'`"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`mysfits split svc-b --path '/*' --priority 2 --force`"),
        "{}",
        r.stderr
    );
    assert!(
        lab.target_group("mysfits-svc-b").await.is_none(),
        "nothing created"
    );
    assert_eq!(lab.order().await, [(5, vec!["/z/*".to_string()])]);

    // The trap the lab falls into: a trailing slash is refused, not rewritten in place.
    let r = moto
        .run(&["split", "svc-z", "--path", "/z/*/", "--no-wait"])
        .fails_with("path pattern '/z/*/' is refused: it ends with '/'");
    assert!(r.stderr.contains("use '/z/*' instead"), "{}", r.stderr);
    assert_eq!(lab.order().await, [(5, vec!["/z/*".to_string()])]);

    // Forced: created where asked, and the warning says what went dark.
    let forced = moto
        .run(&[
            "split",
            "svc-b",
            "--path",
            "/*",
            "--priority",
            "2",
            "--force",
            "--no-wait",
        ])
        .ok();
    assert!(
        forced
            .stderr
            .contains("warning: accepted with --force, so pattern /z/* (svc-z, priority 5) would never be reached"),
        "{}",
        forced.stderr
    );
    assert_eq!(
        lab.order().await,
        [(2, vec!["/*".to_string()]), (5, vec!["/z/*".to_string()])]
    );
    let r = moto.run(&["route", "/z/1"]).ok();
    assert!(r.stdout.contains("→ svc-b"), "{}", r.stdout);
}

/// `route --offline` places the manifest's routes as `split` would, so a general
/// route listed before a specific one still leaves the specific one reachable.
#[test]
fn route_offline_places_a_specific_route_before_a_general_one() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("mysfits.yaml"),
        "services:\n  - name: web\n    build: .\n    route: default\n  - name: api\n    build: .\n    route: /api/*\n  - name: users\n    build: .\n    route: /api/users*\n",
    )
    .unwrap();
    let route = |path: &str| {
        common::Run::from(
            common::clean_command(home.path())
                .args(["route", "--offline", path])
                .output()
                .unwrap(),
        )
        .ok()
        .stdout
    };
    assert!(route("/api/users/1").contains("→ users (rule priority 1: /api/users*)"));
    assert!(route("/api/x").contains("→ api (rule priority 2: /api/*)"));
    assert!(route("/index.html").contains("→ web (default action"));
}

/// A split cut short after CreateTargetGroup (before its draining time was set): the
/// re-run finds the target group and repairs it, then makes no change at all.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_repairs_a_target_group_cut_short() {
    let moto = lab_with(&[("monolith-service", "default"), ("like-service", "/like/*")]);
    let lab = Lab::new(&moto).await;
    let tag = |k: &str, v: &str| elb::types::Tag::builder().key(k).value(v).build();
    let made = lab
        .elb
        .create_target_group()
        .name("mysfits-like-service")
        .protocol(elb::types::ProtocolEnum::Http)
        .port(80)
        .vpc_id(&lab.vpc)
        .target_type(elb::types::TargetTypeEnum::Ip)
        .tags(tag("mysfits:lab", "mysfits"))
        .tags(tag("mysfits:service", "like-service"))
        .send()
        .await
        .unwrap();
    let arn = made.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let draining = || async {
        lab.elb
            .describe_target_group_attributes()
            .target_group_arn(&arn)
            .send()
            .await
            .unwrap()
            .attributes()
            .iter()
            .find(|a| a.key() == Some("deregistration_delay.timeout_seconds"))
            .and_then(|a| a.value().map(String::from))
    };
    assert_eq!(
        draining().await.as_deref(),
        Some("300"),
        "AWS's default first"
    );

    let run = moto.run(&["split", "like-service"]).ok();
    assert!(
        run.stderr.contains("draining time set to 15 s (was 300 s)"),
        "{}",
        run.stderr
    );
    assert_eq!(draining().await.as_deref(), Some("15"));
    let again = moto.run(&["split", "like-service", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);
}
