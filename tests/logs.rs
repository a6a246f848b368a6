//! `mysfits logs` against moto's CloudWatch Logs: the service's streams only, newest last.

mod common;

use std::time::{SystemTime, UNIX_EPOCH};

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
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
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
                    .timestamp(now - ago)
                    .message(msg)
                    .build()
                    .unwrap(),
            )
            .send()
            .await
            .unwrap();
    }
    let r = moto.run(&["logs", "like-service"]).ok();
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", r.stdout);
    assert!(
        lines[0].ends_with(" 01234567 Like processed."),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].ends_with("POST /mysfits/1/like 200"),
        "{}",
        lines[1]
    );
    let r = moto.run(&["logs", "like-service", "--limit", "1"]).ok();
    assert_eq!(r.stdout.lines().count(), 1);
    moto.run(&["logs", "like-service", "--since", "soon"])
        .fails_with("not an age");
}
