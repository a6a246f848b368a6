//! Every command attached, on the local engine with real containers: a "production" setup
//! made by boto3 (tests/foreign/production.py: an ALB with HTTP and HTTPS listeners, 8
//! hand-written rules, the monolith as an ECS service in a podman container), then
//! attach, up, deploy, split (plain, and stepped under steady traffic), route and status
//! checked against what the load balancer answers, merge, cleanup; the diff of every
//! foreign resource before and after must be empty. Each command's API calls are printed.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::common;
use crate::cutover_local::Traffic;
use crate::local_engine::{copy_app, deploy, FAST_CHECKS};
use crate::split_local::only_from;

use common::engine::{http_with, Engine};
use common::foreign::Production;
use common::Run;

/// The monolith's name in the manifest: the ECS service behind the listener's default.
const MONOLITH: &str = "shop-monolith";
/// The host of the second service's rule; `*.shop.example.com` also has a foreign rule.
const SEARCH_HOST: &str = "search.shop.example.com";
/// What the foreign rules answer themselves (tests/foreign/foreign_rules.py).
const ADMIN_DENIED: &str = "admin is reachable from the office only";
const CANARY_BODY: &str = "canary: X-Canary answered by the listener";
const EVERY: Duration = Duration::from_millis(200);

/// The monolith's image, built from the echo app on this engine's base image and pushed
/// to its registry, as the shop's own pipeline would: mysfits never builds it.
fn monolith_image(engine: &Engine) -> String {
    let context = engine.home.path().join("monolith");
    std::fs::create_dir_all(&context).unwrap();
    let fixture = common::repo_root().join("tests/fixtures/echo-app");
    let dockerfile = std::fs::read_to_string(fixture.join("Dockerfile")).unwrap();
    std::fs::write(
        context.join("Dockerfile"),
        dockerfile.replace("python:3.12.8-slim", engine.base_image()),
    )
    .unwrap();
    std::fs::copy(fixture.join("server.py"), context.join("server.py")).unwrap();
    // This engine's own image (see local_engine::app_env).
    std::fs::write(
        context.join("app.env"),
        format!("MODE=ok\nVERSION=1\nBUILD_OF={}\n", engine.id),
    )
    .unwrap();
    engine.push_image(&context, "shop/monolith", "v1");
    format!("127.0.0.1:{}/shop/monolith:v1", engine.registry_port)
}

/// A listener's own 127.0.0.1 port (the engine's `localaws:port` tag).
async fn listener_port(engine: &Engine, listener: &str) -> u16 {
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&engine.sdk().await);
    let out = elb
        .describe_tags()
        .resource_arns(listener)
        .send()
        .await
        .unwrap();
    out.tag_descriptions()[0]
        .tags()
        .iter()
        .find(|t| t.key() == Some("localaws:port"))
        .and_then(|t| t.value())
        .expect("the engine tags each listener with its port")
        .parse()
        .unwrap()
}

/// One request: (host, method, path, headers).
type Ask = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Who answered a request through the load balancer: an app by its name (the monolith by
/// its manifest name), or the listener itself; Err with the answer when it was none of those.
fn answer_of(port: u16, lb_host: &str, ask: &Ask) -> Result<String, (u16, String)> {
    let host = if ask.0.is_empty() { lb_host } else { ask.0 };
    let (status, body) = http_with(port, host, ask.1, ask.2, ask.3);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap_or_default();
    Ok(match (status, json["service"].as_str(), body.as_str()) {
        (200, Some("monolith"), _) => MONOLITH.into(),
        (200, Some(app), _) => app.into(),
        (403, _, ADMIN_DENIED) => "fixed 403".into(),
        (200, _, CANARY_BODY) => "fixed canary".into(),
        // A foreign group with no targets (shop-api, shop-orders): ALB's 503.
        (503, _, _) => "503".into(),
        _ => return Err((status, body)),
    })
}

fn answered(port: u16, lb_host: &str, ask: &Ask) -> String {
    answer_of(port, lb_host, ask).unwrap_or_else(|e| panic!("{ask:?} answered {e:?}"))
}

/// What `route` says answers the same request, in [`answered`]'s words.
fn routed(engine: &Engine, lb_host: &str, ask: &Ask, calls: &mut Calls) -> String {
    let host = if ask.0.is_empty() { lb_host } else { ask.0 };
    let mut args = vec!["route", ask.2, "--host", host, "--method", ask.1];
    let headers: Vec<String> = ask.3.iter().map(|(k, v)| format!("{k}={v}")).collect();
    for h in &headers {
        args.extend(["--header", h.as_str()]);
    }
    args.extend(["--output", "json"]);
    let r = calls.run(engine, "route", &args);
    let json: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let service = json["service"].as_str().unwrap().to_string();
    match (json["priority"].as_u64(), service.as_str()) {
        (Some(10), "(fixed-response)") => "fixed 403".into(),
        (Some(20), "(fixed-response)") => "fixed canary".into(),
        (_, "shop-api" | "shop-orders") => "503".into(),
        _ => service,
    }
}

/// Every command run with `-v`, and the API calls each made (`Run::api_calls`), with
/// the tally line's names of the mutating ones.
#[derive(Default)]
struct Calls(Vec<(String, usize, usize, String)>);

impl Calls {
    fn run(&mut self, engine: &Engine, what: &str, args: &[&str]) -> Run {
        let mut all = args.to_vec();
        all.push("-v");
        self.count(what, engine.run(&all).ok())
    }

    fn deploy(&mut self, engine: &Engine, service: &str) -> Run {
        let r = deploy(engine, service, "v1", &["-v"]).ok();
        self.count(&format!("deploy {service}"), r)
    }

    fn count(&mut self, what: &str, r: Run) -> Run {
        let (total, mutating) = r.api_calls();
        let line = r.stderr.lines().find(|l| l.starts_with("api calls:"));
        let names = line.and_then(|l| l.split_once('(')).map_or("", |(_, n)| n);
        let names = names.trim_end_matches(')').to_string();
        self.0.push((what.to_string(), total, mutating, names));
        r
    }

    /// A command run while steady traffic goes to `path` on `host`; every answer must be
    /// an app's own 200 from one of `apps` (none ALB's 502/503, none a failure).
    fn under_traffic(
        &mut self,
        engine: &Engine,
        lb: (u16, String),
        path: &'static str,
        apps: &[&str],
        what: &str,
        args: &[&str],
    ) -> Run {
        let traffic = Traffic::on(&lb, path, EVERY);
        let r = self.run(engine, what, args);
        std::thread::sleep(Duration::from_secs(1));
        let answers = traffic.stop();
        only_from(what, &answers, apps);
        r
    }

    fn print(&self) {
        eprintln!("api calls per attached command (total, mutating):");
        let mut rows = self.0.clone();
        rows.dedup(); // route, asked 13 times alike
        for (what, total, mutating, names) in &rows {
            eprintln!("  {what:<28} {total:>4} {mutating:>4}  {names}");
        }
    }

    /// The commands that only look changed nothing.
    fn readers_changed_nothing(&self) {
        for (what, _, mutating, names) in &self.0 {
            if ["attach", "route", "status", "logs"].contains(&what.as_str()) {
                assert_eq!(*mutating, 0, "{what}: {names}");
            }
        }
    }
}

/// GET `path` over TLS from the HTTPS listener, trusting only its certificate from ACM
/// and checking the name, as a client of the shop would.
fn https_get(engine: &Engine, shop: &Production, port: u16, path: &str) -> (u16, String) {
    let script = r#"
import boto3, http.client, ssl, sys
endpoint, cert, host, port, path = sys.argv[1:]
acm = boto3.client("acm", endpoint_url=endpoint, region_name="us-east-1",
                   aws_access_key_id="testing", aws_secret_access_key="testing")
pem = acm.get_certificate(CertificateArn=cert)["Certificate"]
conn = http.client.HTTPSConnection(host, int(port), timeout=30,
                                   context=ssl.create_default_context(cadata=pem))
conn.request("GET", path)
r = conn.getresponse()
print(r.status)
print(r.read().decode())
"#;
    let out = Command::new(common::python())
        .args(["-c", script, &engine.endpoint(), &shop.get("certificate")])
        .args([&shop.get("dns_host"), &port.to_string(), path])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (status, body) = text.split_once('\n').unwrap();
    (status.parse().unwrap(), body.trim().to_string())
}

/// Waits until `ask` is answered by `want` through the load balancer.
fn until_answered(port: u16, lb_host: &str, ask: &Ask, want: &str, within: Duration) {
    let started = Instant::now();
    loop {
        let got = answer_of(port, lb_host, ask);
        if got.as_deref() == Ok(want) {
            return;
        }
        assert!(
            started.elapsed() < within,
            "{ask:?} not answered by {want} within {within:?}: {got:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attached_to_an_ecs_monolith_every_command_answers_as_the_load_balancer_does() {
    let engine = Engine::start();
    let image = monolith_image(&engine);
    let shop = Production::make(&engine.endpoint(), "ecs", Some(&image), engine.home.path());
    let listener = shop.get("http_listener");
    let port = listener_port(&engine, &listener).await;
    let lb_host = format!("{}:{port}", shop.get("dns_host"));
    let root: Ask = ("", "GET", "/", &[]);
    until_answered(port, &lb_host, &root, MONOLITH, Duration::from_secs(180));
    let before = shop.snapshot("before.json");

    // attach: the cluster comes from the ECS service behind the default target group.
    let mut calls = Calls::default();
    let r = calls.run(&engine, "attach", &["attach", "--listener", &listener]);
    assert!(
        r.stdout.contains("HTTP:80 of load balancer shop"),
        "{}",
        r.stdout
    );
    let path = engine.home.path().join("mysfits.yaml");
    let mut manifest = std::fs::read_to_string(&path).unwrap();
    assert!(manifest.contains("cluster: shop"), "{manifest}");
    let app = copy_app(&engine);
    let app = app.display();
    manifest.push_str(&format!(
        "  - name: reviews
    build: {app}
    route: /reviews*
    environment: {{SERVICE: reviews}}
{FAST_CHECKS}  - name: search
    build: {app}
    route: /*
    host: {SEARCH_HOST}
    environment: {{SERVICE: search}}
{FAST_CHECKS}"
    ));
    std::fs::write(&path, manifest).unwrap();

    calls.run(&engine, "up", &["up"]);
    calls.deploy(&engine, "reviews");
    calls.deploy(&engine, "search");
    let lb = |host: &str| (port, host.to_string());
    calls.under_traffic(
        &engine,
        lb(&lb_host),
        "/reviews/1",
        &["monolith", "reviews"],
        "split reviews",
        &["split", "reviews"],
    );
    calls.under_traffic(
        &engine,
        lb(SEARCH_HOST),
        "/",
        &["monolith", "search"],
        "split search --steps --bake",
        &["split", "search", "--steps", "10,50,100", "--bake", "20s"],
    );

    // route answers as the load balancer does, for paths, hosts, methods and headers.
    let asks: [Ask; 13] = [
        root,
        ("", "GET", "/reviews/42", &[]),
        ("", "GET", "/reviews", &[]),
        (SEARCH_HOST, "GET", "/", &[]),
        (SEARCH_HOST, "GET", "/reviews/42", &[]),
        (SEARCH_HOST, "GET", "/api/items", &[]),
        (SEARCH_HOST, "GET", "/cart", &[("X-Canary", "false")]),
        ("admin.example.com", "GET", "/", &[]),
        ("", "GET", "/reviews/7", &[("X-Canary", "true")]),
        ("", "GET", "/cart", &[("X-Canary", "true")]),
        ("tenant.shop.example.com", "GET", "/api/items", &[]),
        ("", "POST", "/orders", &[]),
        ("reviews.example.com", "GET", "/search", &[]),
    ];
    let mut seen = std::collections::BTreeSet::new();
    for ask in &asks {
        let lb_says = answered(port, &lb_host, ask);
        let route_says = routed(&engine, &lb_host, ask, &mut calls);
        eprintln!("{ask:?}: load balancer {lb_says}, route {route_says}");
        assert_eq!(lb_says, route_says, "{ask:?}");
        seen.insert(lb_says);
    }
    // Every kind of answer came up: both services, the monolith, and the foreign rules'.
    for who in [
        MONOLITH,
        "reviews",
        "search",
        "fixed 403",
        "fixed canary",
        "503",
    ] {
        assert!(seen.contains(who), "{who} never answered: {seen:?}");
    }

    // status agrees: each service's rule, its condition, its healthy target.
    eprintln!("{}", engine.run(&["status"]).ok().stdout);
    let r = calls.run(&engine, "status", &["status", "--output", "json"]);
    let status: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let rule_of = |service: &str| {
        status["rules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["service"] == service)
            .unwrap_or_else(|| panic!("no rule of {service}: {status:#}"))
            .clone()
    };
    assert_eq!(
        rule_of("reviews")["patterns"],
        serde_json::json!(["/reviews*"])
    );
    let search = rule_of("search");
    assert_eq!(search["patterns"], serde_json::json!(["/*"]));
    assert_eq!(
        search["conditions"],
        serde_json::json!([format!("host {SEARCH_HOST}")]),
        "{status:#}"
    );
    for service in ["reviews", "search"] {
        let live = status["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == service)
            .unwrap_or_else(|| panic!("{service} not in {status:#}"));
        assert_eq!(
            (live["desired"].as_i64(), live["running"].as_i64()),
            (Some(1), Some(1))
        );
    }
    calls.run(&engine, "logs", &["logs", "reviews", "--since", "10m"]);
    calls.run(&engine, "run", &["run", "search", "--tag", "v1"]);
    for share in ["50", "100"] {
        calls.under_traffic(
            &engine,
            lb(SEARCH_HOST),
            "/",
            &["monolith", "search"],
            &format!("shift search {share}"),
            &["shift", "search", share],
        );
    }

    // The HTTPS listener still serves the monolith, with the shop's certificate.
    let https = listener_port(&engine, &shop.get("https_listener")).await;
    let (status, body) = https_get(&engine, &shop, https, "/over-tls");
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"service\": \"monolith\""), "{body}");

    calls.under_traffic(
        &engine,
        lb(&lb_host),
        "/reviews/1",
        &["monolith", "reviews"],
        "merge reviews",
        &["merge", "reviews", "--yes"],
    );
    assert_eq!(answered(port, &lb_host, &asks[1]), MONOLITH);

    let r = calls.run(&engine, "cleanup", &["cleanup", "--yes"]);
    assert!(
        r.stderr.contains("Nothing of lab 'mysfits' is left"),
        "{}",
        r.stderr
    );
    calls.print();
    calls.readers_changed_nothing();
    let after = shop.snapshot("after.json");
    assert_eq!(
        Production::diff(&before, &after),
        "",
        "foreign resources changed"
    );
    // The monolith still answers everything; only its container is left.
    for ask in [&asks[1], &asks[3]] {
        assert_eq!(answered(port, &lb_host, ask), MONOLITH, "{ask:?}");
    }
    let started = Instant::now();
    loop {
        let containers = engine.containers();
        let (monolith, ours): (Vec<_>, Vec<_>) =
            containers.iter().partition(|c| c.ends_with("-monolith"));
        if ours.is_empty() {
            assert_eq!(monolith.len(), 1, "{containers:?}");
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "mysfits' containers left: {ours:?}"
        );
        std::thread::sleep(Duration::from_secs(1));
    }
}
