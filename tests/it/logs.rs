//! `mysfits logs` against moto's CloudWatch Logs: the service's streams only, newest last.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::Moto;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_show_the_services_lines_only() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let r = moto.run(&["logs", "like-service"]).ok();
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("no log lines from like-service"),
        "{}",
        r.stderr
    );

    // What awslogs would write: streams `<prefix>/<container>/<task id>`.
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk().await);
    let now = now_ms();
    for (stream, msg, ago) in [
        (
            "like-service/like-service/0123456789abcdef",
            "Like processed.",
            2000,
        ),
        (
            "like-service/like-service/0123456789abcdef",
            "POST /mysfits/1/like 200",
            1000,
        ),
        (
            "monolith-service/monolith-service/fedcba9876543210",
            "GET / 200",
            1500,
        ),
    ] {
        put(&logs, stream, msg, now - ago).await;
    }
    let r = moto.run(&["logs", "like-service"]).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(
        lines[0].ends_with(" like-service/01234567 Like processed."),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with("POST /mysfits/1/like 200"),
        "{}",
        lines[1]
    );
    let all = moto.run(&["logs"]).ok();
    let lines: Vec<&str> = all.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", all.stdout);
    assert!(
        lines[1].ends_with(" monolith-service/fedcba98 GET / 200"),
        "{}",
        all.stdout
    );
    let r = moto.run(&["logs", "like-service", "--limit", "1"]).ok();
    assert_eq!(r.stdout.lines().count(), 1);
    moto.run(&["logs", "like-service", "--since", "soon"])
        .fails_with("not an age");
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// One event as awslogs would write it, at `at_ms`.
async fn put(logs: &aws_sdk_cloudwatchlogs::Client, stream: &str, message: &str, at_ms: i64) {
    let _ = logs
        .create_log_stream()
        .log_group_name("/mysfits/mysfits")
        .log_stream_name(stream)
        .send()
        .await;
    logs.put_log_events()
        .log_group_name("/mysfits/mysfits")
        .log_stream_name(stream)
        .log_events(
            aws_sdk_cloudwatchlogs::types::InputLogEvent::builder()
                .timestamp(at_ms)
                .message(message)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// `--follow` prints lines as they are written, each once, and Ctrl-C (SIGINT) ends
/// it with exit 0: following is stopped by the user by design.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follow_prints_new_lines_until_ctrl_c() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk().await);
    let stream = "like-service/like-service/0123456789abcdef";
    put(&logs, stream, "before", now_ms()).await;
    let mut child = moto
        .mysfits()
        .args(["logs", "like-service", "--follow", "--since", "5m"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let _ = tx.send(line.unwrap());
        }
    });
    let next = |what: &str| {
        let line = rx
            .recv_timeout(Duration::from_secs(15))
            .unwrap_or_else(|_| panic!("no line {what:?} within 15 s"));
        assert!(
            line.ends_with(&format!("like-service/01234567 {what}")),
            "{line}"
        );
    };
    next("before");
    put(&logs, stream, "while following", now_ms()).await;
    put(
        &logs,
        "monolith-service/monolith-service/fedcba9876543210",
        "not ours",
        now_ms(),
    )
    .await;
    next("while following");
    put(&logs, stream, "and again", now_ms()).await;
    next("and again");
    // Nothing printed twice, and the monolith's line never.
    assert!(rx.recv_timeout(Duration::from_secs(5)).is_err());

    let started = Instant::now();
    let status = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("error"), "{stderr}");
}

/// A lab set up from one manifest, read without it: `logs` and `route` find its services
/// in AWS by the lab's tag, as `status` does (the built-in manifest has no `users`), and
/// a broken manifest is only a warning for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_and_route_find_the_labs_services_without_its_manifest() {
    let moto = Moto::start();
    let manifest = moto.home.path().join("mysfits.yaml");
    std::fs::write(
        &manifest,
        "services:\n  - name: web\n    build: .\n    route: default\n  \
         - name: users\n    build: .\n    route: /api/users*\n",
    )
    .unwrap();
    moto.run(&["up"]).ok();
    moto.run(&["deploy", "users", "--image", "users:1"]).ok();
    let split = moto.run(&["split", "users"]).ok();
    // The example path of the next: line is one a person types.
    assert!(
        split
            .stderr
            .contains("next: check the routing: mysfits route /api/users/1"),
        "{}",
        split.stderr
    );
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk().await);
    put(
        &logs,
        "users/users/0123456789abcdef",
        "GET /api/users/1 200",
        now_ms(),
    )
    .await;

    // Without it: the built-in lab's manifest, which has no `users`.
    std::fs::remove_file(&manifest).unwrap();
    let r = moto.run(&["logs", "users"]).ok();
    assert!(
        r.stdout.ends_with(" users/01234567 GET /api/users/1 200\n"),
        "{}\n{}",
        r.stdout,
        r.stderr
    );
    let r = moto.run(&["route", "/api/users/1"]).ok();
    assert_eq!(
        r.stdout.trim(),
        "/api/users/1 → users (rule priority 1: /api/users*)"
    );
    let r = moto.run(&["logs", "nope"]).fails_with(
        "unknown service 'nope': lab 'mysfits' has clicks-service, like-service, monolith-service, users, web \
         (its ECS services and the manifest's)",
    );
    assert_eq!(r.code, 2);

    // A broken manifest: said, and the lab still answers from AWS.
    std::fs::write(&manifest, "services: [").unwrap();
    let r = moto.run(&["logs", "users"]).ok();
    assert!(r.stdout.contains("GET /api/users/1 200"), "{}", r.stdout);
    assert!(
        r.stderr.contains("the manifest is not valid (")
            && r.stderr
                .contains("the lab's services are found in AWS, by its tag"),
        "{}",
        r.stderr
    );
    let r = moto.run(&["route", "/api/users/1"]).ok();
    assert!(r.stdout.contains("→ users"), "{}", r.stdout);
}
