//! `mysfits run`: one task outside the load balancer, its public IP asked, its health-check
//! path requested, the task stopped. The launcher gives the task's interface the public
//! address 127.0.0.1 (MYSFITS_MOTO_PUBLIC_IP), where this test serves HTTP, so the probe
//! never leaves loopback.

use crate::common;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use common::Moto;

/// A tiny HTTP server on 127.0.0.1 that answers every request with `status`.
fn serve(status: &'static str) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = hits.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            counter.fetch_add(1, Ordering::SeqCst);
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"
            );
        }
    });
    (port, hits)
}

async fn running_tasks(moto: &Moto) -> usize {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    ecs.list_tasks()
        .cluster("mysfits-cluster")
        .desired_status(aws_sdk_ecs::types::DesiredStatus::Running)
        .send()
        .await
        .unwrap()
        .task_arns()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_starts_probes_and_stops_a_task() {
    let moto = Moto::start_with(&[
        ("MOTO_ECS_SERVICE_RUNNING", "1"),
        ("MYSFITS_MOTO_PUBLIC_IP", "127.0.0.1"),
    ]);
    let (port, hits) = serve("200 OK");
    std::fs::write(
        moto.home.path().join("mysfits.yaml"),
        format!("services:\n  - name: web\n    build: .\n    port: {port}\n    route: default\n    health_check: /health\n"),
    )
    .unwrap();
    moto.run(&["up"]).ok();
    // `run web` probed the task's public IP on the service's port and health-check path.
    let probed = || {
        let r = moto.run(&["run", "web"]).ok();
        assert_eq!(r.stdout.trim(), "127.0.0.1\t200 OK", "{}", r.stderr);
        let want = format!("GET http://127.0.0.1:{port}/health → 200 OK");
        assert!(r.stderr.contains(&want), "{}", r.stderr);
        r
    };

    let r = probed();
    assert!(hits.load(Ordering::SeqCst) >= 1);
    assert_eq!(running_tasks(&moto).await, 0, "the task was stopped");
    let json = moto.run(&["run", "web", "--output", "json"]).ok().stdout;
    common::snapshot::settings().bind(|| {
        insta::assert_snapshot!("run.text", r.stdout);
        insta::assert_snapshot!("run.json", json);
    });
    assert_eq!(running_tasks(&moto).await, 0, "the task was stopped");

    // Without the manifest that made it (the built-in one has no `web`, a broken one is
    // only a warning): the lab's ECS service, its port and health-check path from its
    // target group.
    let manifest = moto.home.path().join("mysfits.yaml");
    let yaml = std::fs::read_to_string(&manifest).unwrap();
    for without in [None, Some("services: [")] {
        match without {
            None => std::fs::remove_file(&manifest).unwrap(),
            Some(broken) => std::fs::write(&manifest, broken).unwrap(),
        }
        probed();
    }
    std::fs::write(&manifest, yaml).unwrap();

    // --keep leaves it running.
    moto.run(&["run", "web", "--keep"]).ok();
    assert_eq!(running_tasks(&moto).await, 1);
    // ... until cleanup stops it with everything else.
    let plan = moto.run(&["cleanup", "--dry-run"]).ok();
    assert!(
        plan.stdout.contains("one-off tasks from `mysfits run`"),
        "{}",
        plan.stdout
    );
    moto.run(&["cleanup", "--yes"]).ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_probe_still_stops_the_task() {
    let moto = Moto::start_with(&[
        ("MOTO_ECS_SERVICE_RUNNING", "1"),
        ("MYSFITS_MOTO_PUBLIC_IP", "127.0.0.1"),
    ]);
    // A port where nothing listens: the probe fails after its retries.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        moto.home.path().join("mysfits.yaml"),
        format!("services:\n  - name: web\n    build: .\n    port: {port}\n    route: default\n"),
    )
    .unwrap();
    moto.run(&["up"]).ok();
    let r = moto
        .run(&["run", "web", "--timeout", "5"])
        .fails_with(&format!("GET http://127.0.0.1:{port}/ got no answer"));
    assert!(r.stderr.contains("stopped"), "{}", r.stderr);
    assert_eq!(running_tasks(&moto).await, 0);

    moto.run(&["run", "nope"])
        .fails_with("unknown service 'nope'");
}
