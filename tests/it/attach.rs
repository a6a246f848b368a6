//! `attach` and every command attached, against moto: a "production" setup made by a
//! script that is not mysfits (the monolith on EC2 instances behind an instance-type
//! target group), then split, route, status, merge and cleanup; the diff of every
//! foreign resource before and after must be empty.

use crate::common;

use common::foreign::Production;
use common::Moto;

/// A cluster for new services, made by the test as its owner would (not by mysfits).
async fn foreign_cluster(moto: &Moto, name: &str) {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    ecs.create_cluster()
        .cluster_name(name)
        .send()
        .await
        .unwrap();
}

fn append_service(moto: &Moto, yaml: &str) {
    let path = moto.home.path().join("mysfits.yaml");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(yaml);
    std::fs::write(path, text).unwrap();
}

const REVIEWS: &str = "  - name: reviews\n    port: 80\n    route: /reviews*\n";

#[tokio::test]
async fn attached_to_ec2_instances_split_merge_and_cleanup_leave_every_foreign_resource_as_it_was()
{
    let moto = Moto::start();
    let shop = Production::make(&moto.endpoint(), "instances", None, moto.home.path());
    foreign_cluster(&moto, "shop-apps").await;
    let before = shop.snapshot("before.json");
    let listener = shop.get("http_listener");

    let r = moto
        .run(&["attach", "--listener", &listener, "--cluster", "shop-apps"])
        .ok();
    // The rules in priority order, the default, and what will and won't be touched.
    for want in [
        "HTTP:80 of load balancer shop",
        "forward shop-admin",
        "fixed-response",
        "redirect",
        "default",
        "EC2 instances",
        "mysfits will never touch:",
        "the default target group shop-monolith",
    ] {
        assert!(r.stdout.contains(want), "{want}: {}", r.stdout);
    }
    let priorities: Vec<u32> = r
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect();
    assert_eq!(priorities, [5, 10, 20, 30, 40, 50, 60, 70], "{}", r.stdout);
    let manifest = std::fs::read_to_string(moto.home.path().join("mysfits.yaml")).unwrap();
    assert!(
        manifest.contains(&format!("listener: {listener}")),
        "{manifest}"
    );
    assert!(manifest.contains("cluster: shop-apps"), "{manifest}");
    // attach changed nothing.
    assert_eq!(Production::diff(&before, &shop.snapshot("read.json")), "");
    // Twice: the manifest is someone's work now.
    moto.run(&["attach", "--listener", &listener])
        .fails_with("already exists");

    append_service(&moto, REVIEWS);
    let r = moto.run(&["up"]).ok();
    assert!(r.stdout.contains("EC2 instances"), "{}", r.stdout);
    // The stack as sent (with an ingress per load balancer group) passes cfn-lint.
    let cfn = aws_sdk_cloudformation::Client::new(&moto.sdk().await);
    let sent = cfn
        .get_template()
        .stack_name("mysfits")
        .send()
        .await
        .unwrap();
    let sent_path = moto.home.path().join("attached.yaml");
    std::fs::write(&sent_path, sent.template_body().unwrap()).unwrap();
    crate::templates::assert_lints_clean(&sent_path, "an attached lab");
    moto.run(&["template"])
        .fails_with("cannot print it offline");
    // The default is not mysfits' to deploy.
    let r = moto.run(&["deploy", "shop-monolith", "--image", "monolith:2"]);
    let r = r.fails_with("not mysfits' to deploy");
    assert_eq!(r.code, 2);
    moto.run(&["run", "shop-monolith"])
        .fails_with("not mysfits' to deploy");
    moto.run(&["deploy", "reviews", "--image", "reviews:1"])
        .ok();
    moto.run(&["split", "reviews"]).ok();
    // Behind every foreign rule it could take from (the last, 70): only what the
    // monolith answered before moves; a foreign host rule keeps all its requests.
    let r = moto
        .run(&["route", "/reviews/1", "--host", "admin.example.com"])
        .ok();
    assert!(r.stdout.contains("(fixed-response)"), "{}", r.stdout);
    assert!(r.stdout.contains("priority 10"), "{}", r.stdout);
    let r = moto.run(&["status"]).ok();
    assert!(r.stdout.contains("71        /reviews*"), "{}", r.stdout);
    assert!(
        r.stdout.contains("DefaultBackend  instances"),
        "{}",
        r.stdout
    );
    let r = moto.run(&["route", "/reviews/42"]).ok();
    assert!(r.stdout.contains("→ reviews"), "{}", r.stdout);
    let r = moto.run(&["route", "/cart"]).ok();
    assert!(r.stdout.contains("default action"), "{}", r.stdout);
    // A foreign rule that answers itself is named by its action.
    let r = moto
        .run(&["route", "/", "--host", "admin.example.com"])
        .ok();
    assert!(
        r.stdout
            .contains("/ → (fixed-response) (rule priority 10: host admin.example.com)"),
        "{}",
        r.stdout
    );
    moto.run(&["status"]).ok();
    moto.run(&["merge", "reviews", "--yes"]).ok();
    moto.run(&["split", "reviews"]).ok();

    let r = moto.run(&["cleanup", "--yes"]).ok();
    assert!(
        r.stderr.contains("Nothing of lab 'mysfits' is left"),
        "{}",
        r.stderr
    );
    let after = shop.snapshot("after.json");
    assert_eq!(
        Production::diff(&before, &after),
        "",
        "foreign resources changed"
    );
}

#[tokio::test]
async fn bad_attachments_are_refused_with_one_line_and_change_nothing() {
    let moto = Moto::start();
    let shop = Production::make(&moto.endpoint(), "instances", None, moto.home.path());
    let before = shop.snapshot("before.json");
    let listener = shop.get("http_listener");
    let manifest = moto.home.path().join("mysfits.yaml");

    let missing = format!("{}0", listener);
    moto.run(&["attach", "--listener", &missing])
        .fails_with("does not exist in us-east-1");
    let elsewhere = listener.replace(":us-east-1:", ":eu-west-1:");
    moto.run(&["attach", "--listener", &elsewhere])
        .fails_with("is in region eu-west-1");
    let other_account = listener.replace(":123456789012:", ":210987654321:");
    moto.run(&["attach", "--listener", &other_account])
        .fails_with("account 210987654321");
    // An instance-type default with no cluster named: there is no ECS service to ask.
    moto.run(&["attach", "--listener", &listener])
        .fails_with("name the cluster");
    moto.run(&["attach", "--load-balancer", "shop", "--port", "8443"])
        .fails_with("no listener on port 8443 (it has 80, 443)");
    assert!(!manifest.exists(), "nothing written on a refusal");

    let sdk = moto.sdk().await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    foreign_cluster(&moto, "shop-apps").await;
    // Subnets of another VPC (moto's default VPC).
    let other = ec2.describe_subnets().send().await.unwrap();
    let vpc = shop.get("vpc");
    let stray = other
        .subnets()
        .iter()
        .find(|s| s.vpc_id() != Some(vpc.as_str()))
        .and_then(|s| s.subnet_id())
        .unwrap()
        .to_string();
    moto.run(&[
        "attach",
        "--listener",
        &listener,
        "--cluster",
        "shop-apps",
        "--subnets",
        &stray,
    ])
    .fails_with("not in the load balancer's");
    // A listener whose default redirects: there is no default service to split from.
    let redirect = elb
        .create_listener()
        .load_balancer_arn(shop.get("load_balancer"))
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(8080)
        .default_actions(
            aws_sdk_elasticloadbalancingv2::types::Action::builder()
                .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Redirect)
                .redirect_config(
                    aws_sdk_elasticloadbalancingv2::types::RedirectActionConfig::builder()
                        .protocol("HTTPS")
                        .port("443")
                        .status_code(
                            aws_sdk_elasticloadbalancingv2::types::RedirectActionStatusCodeEnum::Http301,
                        )
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let r = moto
        .run(&[
            "attach",
            "--load-balancer",
            "shop",
            "--port",
            "8080",
            "--cluster",
            "shop-apps",
        ])
        .fails_with("default action is redirect");
    assert!(r.stderr.contains("--port 80"), "{}", r.stderr);
    elb.delete_listener()
        .listener_arn(redirect.listeners()[0].listener_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert!(!manifest.exists(), "nothing written on a refusal");
    // At ALB's quota (100 rules across the load balancer's listeners): refused too.
    let https = shop.get("https_listener");
    let group = shop.get("default_target_group");
    let mut extra = Vec::new();
    for i in 0..90 {
        let rule = elb
            .create_rule()
            .listener_arn(&https)
            .priority(100 + i)
            .conditions(
                aws_sdk_elasticloadbalancingv2::types::RuleCondition::builder()
                    .field("path-pattern")
                    .values(format!("/filler-{i}"))
                    .build(),
            )
            .actions(
                aws_sdk_elasticloadbalancingv2::types::Action::builder()
                    .r#type(aws_sdk_elasticloadbalancingv2::types::ActionTypeEnum::Forward)
                    .target_group_arn(&group)
                    .build(),
            )
            .send()
            .await
            .unwrap();
        extra.push(rule.rules()[0].rule_arn().unwrap().to_string());
    }
    moto.run(&["attach", "--listener", &listener, "--cluster", "shop-apps"])
        .fails_with("have 100 rules");
    for arn in extra {
        elb.delete_rule().rule_arn(arn).send().await.unwrap();
    }
    assert!(!manifest.exists(), "nothing written on a refusal");
    assert_eq!(Production::diff(&before, &shop.snapshot("after.json")), "");
    // The HTTPS listener, by load balancer and port, attaches.
    moto.run(&[
        "attach",
        "--load-balancer",
        "shop",
        "--port",
        "443",
        "--cluster",
        "shop-apps",
    ])
    .ok();
    let text = std::fs::read_to_string(&manifest).unwrap();
    assert!(text.contains(&format!("listener: {https}")), "{text}");
}
