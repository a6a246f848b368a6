//! The lab's life cycle against a real moto server: up → status → up again → cleanup.

use crate::common;

use common::probe::Probe;
use common::Moto;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_status_rerun_cleanup_leaves_nothing() {
    let moto = Moto::start();
    // What it says is the snapshot up.text.
    let up = moto.run(&["up", "-v"]).ok();
    let (_, mutating) = up.api_calls();
    assert!(
        mutating >= 4,
        "create stack, task definition, service, data: {}",
        up.stderr
    );

    // Status as JSON (as text: the snapshot status.text).
    let json: serde_json::Value =
        serde_json::from_str(&moto.run(&["status", "--output", "json"]).ok().stdout).unwrap();
    assert_eq!(json["stack"]["status"], "CREATE_COMPLETE");
    assert_eq!(json["services"][0]["name"], "monolith-service");
    assert_eq!(
        json["services"][0]["task_definition"],
        "mysfits-monolith-service:1"
    );
    // No task until the first deploy: up bills none and waits for no image.
    assert_eq!(json["services"][0]["desired"], 0);
    assert_eq!(json["services"][0]["running"], 0);
    assert_eq!(
        json["rules"][0]["priority"],
        serde_json::Value::Null,
        "the default action"
    );
    assert_eq!(json["rules"][0]["service"], "monolith-service");
    assert!(json["outputs"]["AlbDnsName"]
        .as_str()
        .unwrap()
        .contains("elb"));

    // The sample data is in the table, all 12.
    let sdk = moto.sdk().await;
    let ddb = aws_sdk_dynamodb::Client::new(&sdk);
    let table = json["outputs"]["TableName"].as_str().unwrap();
    let scan = ddb.scan().table_name(table).send().await.unwrap();
    assert_eq!(scan.count(), 12);

    // The service is Fargate, tagged, behind the default target group, with the breaker on.
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let cluster = json["outputs"]["ClusterName"].as_str().unwrap();
    let svc = ecs
        .describe_services()
        .cluster(cluster)
        .services("monolith-service")
        .include(aws_sdk_ecs::types::ServiceField::Tags)
        .send()
        .await
        .unwrap();
    let svc = &svc.services()[0];
    assert_eq!(svc.launch_type().map(|l| l.as_str()), Some("FARGATE"));
    assert_eq!(
        svc.load_balancers()[0].target_group_arn(),
        json["outputs"]["DefaultTargetGroupArn"].as_str()
    );
    assert!(svc
        .tags()
        .iter()
        .any(|t| t.key() == Some("mysfits:lab") && t.value() == Some("mysfits")));
    let breaker = svc
        .deployment_configuration()
        .unwrap()
        .deployment_circuit_breaker()
        .unwrap();
    assert!(breaker.enable() && breaker.rollback());

    // Again: nothing changes, and no mutating call is made.
    let again = moto.run(&["up", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);

    // Dry run: the plan (the snapshot cleanup_dry_run.text), nothing deleted.
    moto.run(&["cleanup", "--dry-run"]).ok();
    moto.run(&["status"]).ok();

    // Without --yes and without a terminal, nothing is deleted.
    moto.run(&["cleanup"]).fails_with("needs confirmation");
    moto.run(&["status"]).ok();

    // What it says is the snapshot cleanup.piped.
    moto.run(&["cleanup", "--yes"]).ok();

    // Checked independently of the tool: no stack, no task definition, no repository.
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);
    let stacks = cfn.list_stacks().send().await.unwrap();
    assert!(stacks
        .stack_summaries()
        .iter()
        .all(|s| s.stack_status().map(|s| s.as_str()) == Some("DELETE_COMPLETE")));
    let defs = ecs
        .list_task_definitions()
        .status(aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        .send()
        .await
        .unwrap();
    assert!(
        defs.task_definition_arns().is_empty(),
        "{:?}",
        defs.task_definition_arns()
    );
    let ecr = aws_sdk_ecr::Client::new(&sdk);
    assert!(ecr
        .describe_repositories()
        .send()
        .await
        .unwrap()
        .repositories()
        .is_empty());
    assert!(ddb
        .list_tables()
        .send()
        .await
        .unwrap()
        .table_names()
        .is_empty());

    // Safe to repeat: nothing left, nothing to do, still success (the snapshot
    // cleanup.text says so).
    moto.run(&["cleanup", "--yes"]).ok();
    moto.run(&["status"])
        .fails_with("lab 'mysfits' is not set up");
}

/// Resources the tool did not create, even ones named like the lab's, survive cleanup.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_never_touches_foreign_resources() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let ecr = aws_sdk_ecr::Client::new(&sdk);
    ecr.create_repository()
        .repository_name("mysfits/hand-made")
        .send()
        .await
        .unwrap();
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    let tg = elb
        .create_target_group()
        .name("mysfits-hand-made")
        // Lambda targets need no VPC, and this test has no EC2 client.
        .target_type(aws_sdk_elasticloadbalancingv2::types::TargetTypeEnum::Lambda)
        .send()
        .await
        .unwrap();
    let tg_arn = tg.target_groups()[0]
        .target_group_arn()
        .unwrap()
        .to_string();
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    ecs.create_cluster()
        .cluster_name("someone-else")
        .send()
        .await
        .unwrap();
    ecs.register_task_definition()
        .family("mysfits-hand-made")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("web")
                .image("nginx")
                .memory(128)
                .build(),
        )
        .send()
        .await
        .unwrap();
    ecs.create_service()
        .cluster("someone-else")
        .service_name("monolith-service")
        .task_definition("mysfits-hand-made")
        .desired_count(1)
        .send()
        .await
        .unwrap();

    moto.run(&["up"]).ok();
    moto.run(&["cleanup", "--yes"]).ok();

    assert_eq!(
        ecr.describe_repositories()
            .send()
            .await
            .unwrap()
            .repositories()[0]
            .repository_name(),
        Some("mysfits/hand-made")
    );
    let tgs = elb.describe_target_groups().send().await.unwrap();
    assert!(tgs
        .target_groups()
        .iter()
        .any(|t| t.target_group_arn() == Some(tg_arn.as_str())));
    let svc = ecs
        .describe_services()
        .cluster("someone-else")
        .services("monolith-service")
        .send()
        .await
        .unwrap();
    assert_eq!(svc.services()[0].status(), Some("ACTIVE"));
    let defs = ecs.list_task_definitions().send().await.unwrap();
    assert_eq!(
        defs.task_definition_arns().len(),
        1,
        "{:?}",
        defs.task_definition_arns()
    );
    assert!(defs.task_definition_arns()[0].contains("mysfits-hand-made"));
}

/// `up --private-tasks`: the services the tool creates run in the private subnets, without
/// public IPs (the stack's `TaskSubnets` output says where), and cleanup removes the NAT too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_tasks_run_in_private_subnets() {
    let moto = Moto::start();
    moto.run(&["up", "--private-tasks"]).ok();
    let json: serde_json::Value =
        serde_json::from_str(&moto.run(&["status", "--output", "json"]).ok().stdout).unwrap();
    let private = json["outputs"]["PrivateSubnets"]
        .as_str()
        .unwrap()
        .to_string();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let svc = ecs
        .describe_services()
        .cluster("mysfits-cluster")
        .services("monolith-service")
        .send()
        .await
        .unwrap();
    let net = svc.services()[0]
        .network_configuration()
        .unwrap()
        .awsvpc_configuration()
        .unwrap();
    assert_eq!(net.subnets().join(","), private);
    assert_eq!(net.assign_public_ip().map(|a| a.as_str()), Some("DISABLED"));
    moto.run(&["cleanup", "--yes"]).ok();
}

/// `up` cut short between RegisterTaskDefinition and CreateService: the re-run creates
/// the service on the revision already registered instead of registering a second one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_of_up_reuses_the_revision_it_registered() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let probe = Probe::new(&moto).await;
    // What the cut-short run leaves: the revision, and no service.
    probe
        .ecs
        .delete_service()
        .cluster(common::probe::CLUSTER)
        .service("monolith-service")
        .force(true)
        .send()
        .await
        .unwrap();
    let run = moto.run(&["up", "-v"]).ok();
    assert!(
        run.stderr
            .contains("unchanged (mysfits-monolith-service:1)"),
        "{}",
        run.stderr
    );
    let revisions = probe
        .active_revisions(Some("mysfits-monolith-service"))
        .await;
    assert_eq!(revisions.len(), 1, "{revisions:?}");
    let active = probe
        .service("monolith-service")
        .await
        .expect("the service is created again");
    assert!(
        active
            .task_definition()
            .unwrap()
            .ends_with("mysfits-monolith-service:1"),
        "{:?}",
        active.task_definition()
    );
}

/// `status` with a digest-pinned image and long names never cuts a value. In a pipe
/// nothing is wrapped. In a 100-column terminal the services table fits (the image in its
/// short form), a rule's patterns wrap between patterns, and the long service's
/// repository URI stays whole for the terminal to fold (once it was cut at 99 columns).
/// `--output json` keeps the full values.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_never_cuts_a_value() {
    let moto = Moto::start();
    let yaml = "services:\n  - name: monolith-service\n    build: .\n    route: default\n  - name: a-long-service-name-24ch\n    build: .\n    route: ['/a-rather-long-path/*/with-parts', '/and/another/one/*']\n";
    std::fs::write(moto.home.path().join("mysfits.yaml"), yaml).unwrap();
    moto.run(&["up"]).ok();
    let image = format!(
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service@sha256:{}",
        "ab".repeat(32)
    );
    moto.run(&["deploy", "monolith-service", "--image", &image])
        .ok();
    moto.run(&["deploy", "a-long-service-name-24ch", "--image", "x:1"])
        .ok();
    moto.run(&["split", "a-long-service-name-24ch"]).ok();
    let uri = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/a-long-service-name-24ch";
    let piped = moto.run(&["status"]).ok().stdout;
    for whole in [
        format!("  RepoUriALongServiceName24ch  {uri}"),
        "  /a-rather-long-path/*/with-parts, /and/another/one/*  mysfits-a-long-service-name-24ch  a-long-service-name-24ch".into(),
    ] {
        assert!(piped.lines().any(|l| l.ends_with(&whole)), "{whole:?} not in:\n{piped}");
    }

    let home = moto.home.path();
    let term = common::tmux::Tmux::start_sized(
        &format!("{} status", env!("CARGO_BIN_EXE_mysfits")),
        &common::clean_env(home, &moto.endpoint()),
        home,
        (100, 60),
    );
    assert_eq!(term.exit_code(std::time::Duration::from_secs(60)), 0);
    // The lines as printed: the terminal's folds joined back.
    let text = term.screen(false);
    let lines: Vec<&str> = text.lines().collect();
    let services = lines.iter().position(|l| *l == "Services").unwrap();
    for line in lines[services..].iter().take_while(|l| !l.is_empty()) {
        assert!(line.chars().count() < 100, "{line:?}\n{text}");
    }
    assert!(
        text.contains("mysfits/monolith-service@sha256:abababababab "),
        "{text}"
    );
    assert!(
        lines.iter().any(|l| l.ends_with(&format!("  {uri}"))),
        "{text}"
    );
    let first = lines
        .iter()
        .position(|l| l.contains(" /a-rather-long-path/*/with-parts, "))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(lines[first + 1].trim(), "/and/another/one/*", "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&moto.run(&["status", "--output", "json"]).ok().stdout).unwrap();
    let images: Vec<&str> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["image"].as_str())
        .collect();
    assert!(images.contains(&image.as_str()), "{images:?}");
}

/// A typo in `mysfits.yaml` never blocks seeing or deleting a lab that bills: `status` and
/// `cleanup` work from AWS alone (services, rules and target groups found by tag, the
/// repositories from the stack) and warn once; commands that need the manifest still refuse.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_manifest_never_blocks_status_or_cleanup() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    moto.run(&["deploy", "like-service", "--image", "like:1"])
        .ok();
    moto.run(&["split", "like-service", "--path", "/mysfits/*/like"])
        .ok();
    let dir = moto.home.path();
    std::fs::write(
        dir.join("mysfits.yaml"),
        "services:\n  - name: monolith-service\n    build: .\n    route: default\n    prot: 8080\n",
    )
    .unwrap();
    let warned = |r: &common::Run, what: &str| {
        let warnings: Vec<&str> = r
            .stderr
            .lines()
            .filter(|l| l.starts_with("warning:"))
            .collect();
        assert_eq!(warnings.len(), 1, "one warning:\n{}", r.stderr);
        assert!(
            warnings[0].contains("mysfits.yaml:5: services[0]: unknown field `prot`"),
            "{}",
            warnings[0]
        );
        assert!(warnings[0].contains(what), "{}", warnings[0]);
    };

    let status = moto.run(&["status"]).ok();
    warned(&status, "status shows what AWS has");
    assert!(
        status.stdout.contains("stack mysfits is CREATE_COMPLETE"),
        "{}",
        status.stdout
    );
    let json: serde_json::Value =
        serde_json::from_str(&moto.run(&["status", "--output", "json"]).ok().stdout).unwrap();
    let mut services: Vec<&str> = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    services.sort();
    assert_eq!(services, ["like-service", "monolith-service"]);
    assert_eq!(json["rules"][0]["patterns"][0], "/mysfits/*/like");
    assert_eq!(json["rules"][0]["service"], "like-service");
    // --manifest pointing at a file that is not there: the same.
    let r = moto.run(&["status", "--manifest", "missing.yaml"]).ok();
    assert!(r.stderr.contains("warning:") && r.stderr.contains("missing.yaml"));

    // What needs the manifest still refuses it, with exit 2 and nothing changed.
    for args in [
        &["up"][..],
        &["deploy", "monolith-service", "--image", "mono:2"],
        &["split", "like-service"],
    ] {
        let r = moto.run(args).fails_with("mysfits.yaml:5");
        assert_eq!(r.code, 2, "{args:?}");
    }

    let plan = moto.run(&["cleanup", "--dry-run"]).ok();
    warned(&plan, "cleanup");
    for item in [
        "like-service",
        "monolith-service",
        "/mysfits/*/like",
        "mysfits-like-service",
        "core stack",
    ] {
        assert!(plan.stdout.contains(item), "{item}:\n{}", plan.stdout);
    }
    let cleanup = moto.run(&["cleanup", "--yes"]).ok();
    warned(&cleanup, "cleanup");
    assert!(
        cleanup.stderr.contains("Nothing of lab 'mysfits' is left"),
        "{}",
        cleanup.stderr
    );
    // Checked independently: no target group, no repository, no active revision.
    let probe = Probe::new(&moto).await;
    assert!(probe.target_groups().await.is_empty());
    assert!(probe.repositories().await.is_empty());
    assert!(probe.active_revisions(None).await.is_empty());
}

/// A sample-data load cut short is finished by the next `up`, which writes only the
/// missing mysfits and leaves the others (and their likes) as they are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_finishes_a_sample_load_cut_short() {
    use aws_sdk_dynamodb::types::AttributeValue;
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let ddb = aws_sdk_dynamodb::Client::new(&moto.sdk().await);
    let table = "mysfits-mysfits";
    let items = ddb.scan().table_name(table).send().await.unwrap();
    let ids: Vec<String> = items
        .items()
        .iter()
        .map(|i| i["MysfitId"].as_s().unwrap().clone())
        .collect();
    for id in &ids[..3] {
        ddb.delete_item()
            .table_name(table)
            .key("MysfitId", AttributeValue::S(id.clone()))
            .send()
            .await
            .unwrap();
    }
    let liked = &ids[3];
    ddb.update_item()
        .table_name(table)
        .key("MysfitId", AttributeValue::S(liked.clone()))
        .update_expression("SET Likes = :n")
        .expression_attribute_values(":n", AttributeValue::N("41".into()))
        .send()
        .await
        .unwrap();
    let run = moto.run(&["up", "-v"]).ok();
    assert!(run.stderr.contains("loaded 3 mysfits"), "{}", run.stderr);
    let after = ddb.scan().table_name(table).send().await.unwrap();
    assert_eq!(after.count(), 12);
    let kept = after
        .items()
        .iter()
        .find(|i| i["MysfitId"].as_s().unwrap() == liked)
        .unwrap();
    assert_eq!(kept["Likes"].as_n().unwrap(), "41");
    let again = moto.run(&["up", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);
}
