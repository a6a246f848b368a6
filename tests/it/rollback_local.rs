//! Failed deploys on the local engine, timed: a rollback to a revision that cannot start
//! either ends the deploy at once, and an image that does not exist is rolled back by
//! `deploy` itself after its first failed task, not after the circuit breaker's three.

use std::time::{Duration, Instant};

use crate::common;
use crate::local_engine::{alb, deploy, manifest, through};

use common::engine::Engine;

/// The stopped tasks of `family:revision` in the lab's cluster, as the ECS API lists them.
fn stopped_tasks_of(engine: &Engine, revision: &str) -> usize {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let ecs = aws_sdk_ecs::Client::new(&engine.sdk().await);
        let arns = ecs
            .list_tasks()
            .cluster("mysfits-cluster")
            .service_name("web")
            .desired_status(aws_sdk_ecs::types::DesiredStatus::Stopped)
            .send()
            .await
            .unwrap()
            .task_arns()
            .to_vec();
        if arns.is_empty() {
            return 0;
        }
        ecs.describe_tasks()
            .cluster("mysfits-cluster")
            .set_tasks(Some(arns))
            .send()
            .await
            .unwrap()
            .tasks()
            .iter()
            .filter(|t| {
                t.task_definition_arn()
                    .is_some_and(|td| td.ends_with(&format!("/{revision}")))
            })
            .count()
    })
}

#[test]
fn a_rollback_to_a_revision_that_cannot_start_ends_the_deploy_long_before_its_timeout() {
    let engine = Engine::start();
    manifest(&engine);
    // `up` leaves the default service with no task on its first revision, whose image
    // (public.ecr.aws) the engine never pulls: the rollback target.
    let up = engine.run(&["up"]).ok();
    assert!(
        up.stderr
            .contains("created with no task until the first deploy (mysfits-web:1"),
        "{}",
        up.stderr
    );

    // A crash is for the circuit breaker: three failed tasks, then back to :1. The image
    // is pushed beforehand, so the time is the rollout's, not the build's.
    let crash = engine.home.path().join("crash-app");
    std::fs::create_dir_all(&crash).unwrap();
    let dockerfile =
        std::fs::read_to_string(common::repo_root().join("tests/fixtures/crash-app/Dockerfile"))
            .unwrap();
    // This engine's own image (see local_engine::app_env).
    std::fs::write(
        crash.join("Dockerfile"),
        format!("{dockerfile}LABEL dev.mysfits.build-of={}\n", engine.id),
    )
    .unwrap();
    std::fs::copy("/bin/busybox", crash.join("busybox")).expect("busybox-static");
    engine.push_image(&crash, "mysfits/web", "crash");
    let started = Instant::now();
    let failed = engine.run(&["deploy", "web", "--no-build", "--tag", "crash"]);
    let took = started.elapsed();
    eprintln!("timing: deploy whose rollback target cannot start: {took:.1?}");
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(
        failed.stderr.contains(
            "rolled back to mysfits-web:1, whose tasks also fail to start: CannotPullContainerError"
        ),
        "{}",
        failed.stderr
    );
    assert!(
        failed.stderr.contains("Essential container in task exited"),
        "the deployment's own failure is said too:\n{}",
        failed.stderr
    );
    // The rollback's row names the revision it goes back to, never the failed one.
    assert!(
        failed.stderr.contains("Rollback of web to mysfits-web:1"),
        "{}",
        failed.stderr
    );
    assert!(
        !failed.stderr.contains("Rollback of web to mysfits-web:2"),
        "{}",
        failed.stderr
    );
    // The wait ends on the rollback's own failure, not at deploy's 1,200 s timeout. The
    // breaker's three failed tasks and ECS's throttle between them take ~30 s alone and
    // over a minute on a loaded machine, so the bound is loose; the figure itself is
    // measured and printed above ("timing:"), not asserted.
    assert!(took < Duration::from_secs(300), "took {took:?}");

    engine.run(&["cleanup", "--yes"]).ok();
    assert_eq!(engine.containers(), Vec::<String>::new());
}

#[test]
fn a_deploy_of_an_image_that_does_not_exist_is_rolled_back_after_its_first_failed_task() {
    let engine = Engine::start();
    manifest(&engine);
    engine.run(&["up"]).ok();
    let v1 = deploy(&engine, "web", "v1", &[]).ok();
    assert!(
        v1.stderr.contains("updated to mysfits-web:2, 1 task"),
        "the first deploy starts the service:\n{}",
        v1.stderr
    );
    let lb = alb(&engine);

    // In the engine's registry, but never pushed: the pull answers "manifest unknown".
    let image = format!("127.0.0.1:{}/mysfits/web:missing", engine.registry_port);
    let started = Instant::now();
    let failed = engine.run(&["deploy", "web", "--image", &image]);
    let took = started.elapsed();
    eprintln!("timing: deploy of an image that does not exist: {took:.1?}");
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    for said in [
        "CannotPullContainerError",
        "manifest unknown",
        "the image or tag does not exist in its registry: a retry cannot fix that",
        "rolling web back to mysfits-web:2 now, without waiting for the circuit breaker",
        "back on mysfits-web:2",
        "mysfits rolled the service back to mysfits-web:2 at once",
    ] {
        assert!(failed.stderr.contains(said), "{said}:\n{}", failed.stderr);
    }
    // One task of the missing image, not the breaker's three.
    assert_eq!(stopped_tasks_of(&engine, "mysfits-web:3"), 1);
    assert_eq!(failed.stderr.matches("task stopped:").count(), 1);
    // v1 served throughout, and the service is on it again.
    assert_eq!(through(&lb, "GET", "/"), (200, "web".into(), "1".into()));
    let status = engine.run(&["status", "--output", "json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    let web = json["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "web")
        .unwrap();
    assert_eq!(web["task_definition"], "mysfits-web:2", "{web}");

    engine.run(&["cleanup", "--yes"]).ok();
    assert_eq!(engine.containers(), Vec::<String>::new());
}
