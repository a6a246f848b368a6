//! The seed users/threads/posts app (`examples/threads-api`) from its compose file, whole,
//! on the local engine: `init --from-compose` → `up` → the monolith deployed → users,
//! threads and posts split out with their real paths (`split --path`, as the `next:`
//! lines of `init` say: the manifest it writes has no route for them) → the same answers through the load balancer, now from the split
//! services → `cleanup`, nothing left.

use std::time::{Duration, Instant};

use crate::common;
use crate::compose::seed_app;
use crate::local_engine::alb;

use common::engine::{http, Engine};

/// Real requests of the app (examples/threads-api/api/server.js), each a resource's
/// list, one item, one that is not there, and the health check the monolith keeps.
const PATHS: [&str; 10] = [
    "/",
    "/api/users",
    "/api/users/1",
    "/api/users/4",
    "/api/users/99",
    "/api/threads",
    "/api/threads/2",
    "/api/posts/in-thread/1",
    "/api/posts/in-thread/2",
    "/api/posts/in-thread/99",
];

/// The split services and the paths each takes from the monolith.
const SPLITS: [(&str, &str); 3] = [
    ("users", "/api/users*"),
    ("threads", "/api/threads*"),
    ("posts", "/api/posts*"),
];

/// (path, status, body) of each of PATHS through the load balancer.
fn answers(lb: &(u16, String)) -> Vec<(&'static str, u16, String)> {
    PATHS
        .iter()
        .map(|p| {
            let (status, body) = http(lb.0, &lb.1, "GET", p);
            (*p, status, body)
        })
        .collect()
}

/// The service `route` says answers `path`.
fn routed_to(engine: &Engine, path: &str) -> String {
    let route = engine.run(&["route", path, "--output", "json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&route.stdout).unwrap();
    json["service"].as_str().unwrap().to_string()
}

/// `service`'s log has the app's line for `GET path`, within a minute (the engine ships
/// container output to CloudWatch Logs as it comes).
fn logged(engine: &Engine, service: &str, path: &str) -> bool {
    let line = format!("GET {path} ");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let logs = engine.run(&["logs", service, "--since", "10m"]).ok();
        if logs.stdout.contains(&line) {
            return true;
        }
        std::thread::sleep(Duration::from_secs(2));
    }
    false
}

#[test]
fn the_seed_app_from_its_compose_file_answers_the_same_after_its_splits() {
    let started = Instant::now();
    let engine = Engine::start();
    let home = engine.home.path();
    seed_app(home);
    let base = format!("BASE_IMAGE={}", engine.node_base_image());
    let deploy = |service: &str| {
        engine
            .run(&["deploy", service, "--tag", "v1", "--build-arg", &base])
            .ok()
    };
    let phase = |what: &str| println!("{:>5.1?} {what}", started.elapsed());
    phase("engine and node image");

    engine
        .run(&["init", "--from-compose", "threads-api/docker-compose.yml"])
        .ok();
    engine.run(&["up"]).ok();
    phase("up");
    deploy("api");
    phase("deploy api");
    let lb = alb(&engine);

    // The monolith answers every path: the app's own data, and its own 404s.
    let before = answers(&lb);
    let statuses: Vec<(&str, u16)> = before.iter().map(|(p, s, _)| (*p, *s)).collect();
    for (path, status) in &statuses {
        let want = if *path == "/api/users/99" { 404 } else { 200 };
        assert_eq!(*status, want, "{path}: {before:?}");
    }
    assert!(
        before[2].2.contains("\"username\":\"marceline\""),
        "{before:?}"
    );
    assert_eq!(before[9].2, "[]", "no posts in thread 99 is an empty list");
    for path in PATHS {
        assert_eq!(routed_to(&engine, path), "api", "{path}");
    }

    // Each service built once by its deploy, then split out on the app's real paths: the
    // manifest has none (init guesses none), so a split without --path says so.
    for (service, pattern) in SPLITS {
        deploy(service);
        phase(&format!("deploy {service}"));
        let unrouted = engine
            .run(&["split", service])
            .fails_with(&format!("{service} has no route in the manifest yet"));
        assert_eq!(unrouted.code, 2, "{}", unrouted.stderr);
        let split = engine.run(&["split", service, "--path", pattern]).ok();
        assert!(split.stderr.contains("COMPLETED"), "{}", split.stderr);
        phase(&format!("split {service}"));
    }

    // The same answers, now from the split services; the monolith keeps only `/`.
    let after = answers(&lb);
    assert_eq!(after, before, "answers changed by the splits");
    for path in PATHS {
        let want = SPLITS
            .iter()
            .find(|(s, _)| path.starts_with(&format!("/api/{s}")))
            .map_or("api", |(s, _)| *s);
        assert_eq!(routed_to(&engine, path), want, "{path}");
        assert!(logged(&engine, want, path), "{want} did not log GET {path}");
    }

    phase("answers, routes and logs");
    engine.run(&["cleanup", "--yes"]).ok();
    phase("cleanup");
    assert_eq!(engine.containers(), Vec::<String>::new());
    for repo in ["api", "users", "threads", "posts"] {
        let repo = format!("mysfits/{repo}");
        assert_eq!(engine.registry_tags(&repo), Vec::<String>::new(), "{repo}");
    }
    assert!(std::net::TcpStream::connect(("127.0.0.1", lb.0)).is_err());
}
