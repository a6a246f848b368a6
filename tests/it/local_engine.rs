//! The lab for real on the local engine (`python -m localaws`): tasks are podman
//! containers, target health comes from real health checks, and requests go through the
//! load balancer on 127.0.0.1. The binary is the one that drives AWS, unchanged.

use crate::common;

use common::engine::{http, loopback_url, write_manifest, Engine};
use common::Run;

/// The echo app's build context, copied for this test; `app_env` rewrites its app.env.
pub(crate) fn app_dir(engine: &Engine) -> std::path::PathBuf {
    engine.home.path().join("echo-app")
}

pub(crate) fn app_env(engine: &Engine, mode: &str, version: &str) {
    // BUILD_OF makes this engine's images its own: identical builds of engines side by side
    // would share one cached image, and podman 4 can lose a name that two builds add to
    // the same image at once ("image not known").
    std::fs::write(
        app_dir(engine).join("app.env"),
        format!("MODE={mode}\nVERSION={version}\nBUILD_OF={}\n", engine.id),
    )
    .unwrap();
}

/// ALB's quickest health checks and a short draining time, so each rollout here waits
/// seconds, not tens of seconds: a new task is healthy after two checks 5 s apart (ECS's
/// grace period follows: 25 s), an old one is gone 3 s after it leaves. The echo app
/// answers at once; the timeout is no wait for it, so it stays well above a busy
/// machine's hiccup (4 s, the most a 5 s interval allows).
pub(crate) const FAST_CHECKS: &str = "    health_check: {path: /, interval: 5s, timeout: 4s, healthy_threshold: 2, unhealthy_threshold: 2}
    draining: 3s
";

/// The echo app copied to [`app_dir`], MODE=ok, VERSION=1: each service's build context.
pub(crate) fn copy_app(engine: &Engine) -> std::path::PathBuf {
    let fixture = common::repo_root().join("tests/fixtures/echo-app");
    std::fs::create_dir_all(app_dir(engine)).unwrap();
    for file in ["Dockerfile", "server.py", "app.env"] {
        std::fs::copy(fixture.join(file), app_dir(engine).join(file)).unwrap();
    }
    app_env(engine, "ok", "1");
    app_dir(engine)
}

pub(crate) fn manifest(engine: &Engine) -> std::path::PathBuf {
    let app = copy_app(engine);
    let app = app.display();
    write_manifest(
        engine.home.path(),
        &format!(
            "services:
  - name: web
    build: {app}
    route: default
    environment: {{SERVICE: web}}
{FAST_CHECKS}  - name: like
    build: {app}
    route: /mysfits/*/like
    environment: {{SERVICE: like}}
{FAST_CHECKS}  - name: api
    build: {app}
    route: ['/api/*', '/v?/items']
    environment: {{SERVICE: api}}
{FAST_CHECKS}"
        ),
    )
}

pub(crate) fn deploy(engine: &Engine, service: &str, tag: &str, args: &[&str]) -> Run {
    let base = format!("BASE_IMAGE={}", engine.base_image());
    let mut all = vec!["deploy", service, "--tag", tag, "--build-arg", &base];
    all.extend_from_slice(args);
    engine.run(&all)
}

pub(crate) fn alb(engine: &Engine) -> (u16, String) {
    let status = engine.run(&["status", "--output", "json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    loopback_url(json["outputs"]["AlbUrl"].as_str().unwrap())
}

/// (status, service, version) of one request through the load balancer.
pub(crate) fn through(alb: &(u16, String), method: &str, path: &str) -> (u16, String, String) {
    let (status, body) = http(alb.0, &alb.1, method, path);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    let field = |k: &str| json[k].as_str().unwrap_or("-").to_string();
    (status, field("service"), field("version"))
}

#[test]
fn requests_through_the_load_balancer_follow_the_live_rules() {
    let engine = Engine::start();
    manifest(&engine);
    engine.run(&["up"]).ok();
    deploy(&engine, "web", "v1", &[]).ok();
    let lb = alb(&engine);
    // deploy returned: the new task is healthy and serves, no retry needed.
    assert_eq!(
        through(&lb, "GET", "/mysfits"),
        (200, "web".into(), "1".into())
    );

    for service in ["like", "api"] {
        deploy(&engine, service, "v1", &[]).ok();
        let split = engine.run(&["split", service]).ok();
        assert!(split.stderr.contains("COMPLETED"), "{}", split.stderr);
    }

    let paths = [
        "/",
        "/mysfits",
        "/mysfits/1/like",
        "/mysfits/abc-def/like",
        "/mysfits/1/like/",
        "/mysfits/1/likes",
        "/MYSFITS/1/like",
        "/mysfits//like",
        "/mysfits/1/2/like",
        "/mysfits/1/adopt",
        "/api",
        "/api/",
        "/api/users",
        "/api/users/7",
        "/API/users",
        "/v1/items",
        "/vx/items",
        "/v12/items",
        "/v1/items/",
        "/index.html",
        "/mysfits/like",
        "/apis/x",
    ];
    let mut table = Vec::new();
    for path in paths {
        let route = engine.run(&["route", path, "--output", "json"]).ok();
        let answer: serde_json::Value = serde_json::from_str(&route.stdout).unwrap();
        let predicted = answer["service"].as_str().unwrap().to_string();
        let (status, served, _) = through(&lb, "GET", path);
        assert_eq!(status, 200, "{path}");
        table.push((path, predicted, served));
    }
    let disagreements: Vec<_> = table.iter().filter(|(_, p, s)| p != s).collect();
    assert!(
        disagreements.is_empty(),
        "route vs load balancer: {disagreements:?}"
    );
    // The matrix is not trivial: every service answers some path.
    for service in ["web", "like", "api"] {
        assert!(table.iter().any(|(_, _, s)| s == service), "{service}");
    }

    // Target health and logs come from the engine: real checks, the app's own lines.
    let status = engine.run(&["status"]).ok();
    assert_eq!(
        status.stdout.matches("healthy").count(),
        3,
        "{}",
        status.stdout
    );
    let logs = engine.run(&["logs", "api", "--since", "10m"]).ok();
    assert!(
        logs.stdout.contains("served GET /api/users/7"),
        "{}",
        logs.stdout
    );

    // `run` starts one more container and probes its health-check path for real.
    let run = engine.run(&["run", "web", "--tag", "v1"]).ok();
    assert!(run.stderr.contains("200"), "{}", run.stderr);

    engine.run(&["cleanup", "--yes"]).ok();
    assert_eq!(engine.containers(), Vec::<String>::new());
    for repo in ["mysfits/web", "mysfits/like", "mysfits/api"] {
        assert_eq!(engine.registry_tags(repo), Vec::<String>::new(), "{repo}");
    }
    // The load balancer went with the stack.
    assert!(std::net::TcpStream::connect(("127.0.0.1", lb.0)).is_err());
}

/// A deploy of `tag` built with `mode` fails, is rolled back to v1, and v1 still serves.
fn rolled_back(mode: &str, reason: &str) {
    let engine = Engine::start();
    manifest(&engine);
    engine.run(&["up"]).ok();
    deploy(&engine, "web", "v1", &[]).ok();
    let lb = alb(&engine);

    app_env(&engine, mode, "2");
    let failed = deploy(&engine, "web", mode, &[]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    assert!(failed.stderr.contains(reason), "{}", failed.stderr);
    assert!(
        failed.stderr.contains("mysfits-web:2"),
        "names the revision it is back on:\n{}",
        failed.stderr
    );
    assert_eq!(through(&lb, "GET", "/"), (200, "web".into(), "1".into()));
    let json = engine.run(&["status", "--output", "json"]).ok();
    assert!(json.stdout.contains("mysfits-web:2"), "{}", json.stdout);
    engine.run(&["cleanup", "--yes"]).ok();
    assert_eq!(engine.containers(), Vec::<String>::new());
}

#[test]
fn a_crashing_image_is_rolled_back_by_the_circuit_breaker() {
    rolled_back("crash", "Essential container in task exited");
}

#[test]
fn an_image_failing_its_health_checks_is_rolled_back() {
    rolled_back("unhealthy", "failed ELB health checks");
}

#[test]
fn a_deploy_killed_mid_rollout_converges_when_run_again() {
    let engine = Engine::start();
    manifest(&engine);
    engine.run(&["up"]).ok();
    deploy(&engine, "web", "v1", &[]).ok();
    let lb = alb(&engine);

    let base = format!("BASE_IMAGE={}", engine.base_image());
    app_env(&engine, "ok", "2");
    let args = ["deploy", "web", "--tag", "v2", "--build-arg", &base];
    let mut child = engine
        .mysfits()
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Kill it once the rollout is under way (the service was updated).
    let stderr = child.stderr.take().unwrap();
    let mut seen = String::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
        let line = line.unwrap();
        seen.push_str(&line);
        seen.push('\n');
        if line.contains("updated to") {
            break;
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(seen.contains("updated to"), "{seen}");

    let again = engine.run(&args).ok();
    assert!(
        again.stderr.contains("already on") || again.stderr.contains("COMPLETED"),
        "{}",
        again.stderr
    );
    // It converged: v2 serves everything, v1 is drained.
    for _ in 0..40 {
        if through(&lb, "GET", "/") == (200, "web".into(), "2".into()) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    for _ in 0..10 {
        assert_eq!(through(&lb, "GET", "/"), (200, "web".into(), "2".into()));
    }
    engine.run(&["cleanup", "--yes"]).ok();
    assert_eq!(engine.containers(), Vec::<String>::new());
}
