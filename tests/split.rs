//! `split`, `route` and `merge` against moto: the rule, target group, service and task
//! definition checked through the API at each step.

mod common;

use aws_sdk_elasticloadbalancingv2 as elb;
use common::Moto;

struct Lab {
    elb: elb::Client,
    ecs: aws_sdk_ecs::Client,
    listener: String,
}

impl Lab {
    async fn new(moto: &Moto) -> Self {
        let sdk = moto.sdk().await;
        let cfn = aws_sdk_cloudformation::Client::new(&sdk);
        let stack = cfn
            .describe_stacks()
            .stack_name("mysfits")
            .send()
            .await
            .unwrap();
        let listener = stack.stacks()[0]
            .outputs()
            .iter()
            .find(|o| o.output_key() == Some("ListenerArn"))
            .unwrap()
            .output_value()
            .unwrap()
            .to_string();
        Self {
            elb: elb::Client::new(&sdk),
            ecs: aws_sdk_ecs::Client::new(&sdk),
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

    async fn target_group(&self, name: &str) -> Option<elb::types::TargetGroup> {
        self.elb
            .describe_target_groups()
            .names(name)
            .send()
            .await
            .ok()
            .and_then(|o| o.target_groups().first().cloned())
    }

    async fn service(&self, name: &str) -> Option<aws_sdk_ecs::types::Service> {
        let out = self
            .ecs
            .describe_services()
            .cluster("mysfits-cluster")
            .services(name)
            .send()
            .await
            .unwrap();
        out.services()
            .iter()
            .find(|s| s.status() == Some("ACTIVE"))
            .cloned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn split_route_resplit_change_merge_cleanup() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
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
    let split = moto.run(&["split", "--path", "/mysfits/*/like", "-v"]).ok();
    assert!(
        split
            .stderr
            .contains("went to monolith-service (default action) before"),
        "{}",
        split.stderr
    );
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

    // Merge: rule first, then service, then target group; traffic back on the monolith.
    moto.run(&["merge", "like-service"]).ok();
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
    let moto = Moto::start();
    std::fs::write(
        moto.home.path().join("mysfits.yaml"),
        "services:\n  - name: api\n    build: .\n    route: default\n  - name: users\n    build: .\n    route: /api/*\n  - name: admins\n    build: .\n    route: /api/admins\n",
    )
    .unwrap();
    moto.run(&["up"]).ok();
    moto.run(&["deploy", "users", "--image", "u:1"]).ok();
    moto.run(&["deploy", "admins", "--image", "a:1"]).ok();
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
        "pattern /api/admins would never be reached: the rule for users (priority 5: /api/*)",
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
