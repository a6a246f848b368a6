use std::path::Path;

use super::*;
use crate::manifest::Route;

fn map(text: &str) -> Result<FromCompose, ComposeError> {
    from_compose(text, "docker-compose.yml", Path::new("."))
}

fn manifest(r: &FromCompose) -> Manifest {
    Manifest::parse(&r.manifest, "mysfits.yaml", Path::new(".")).unwrap()
}

/// The seed app: api on 80 and three services, each built from its directory.
const SEED: &str = "services:
  api:
    build: ./api
    ports: ['80:80']
  users:
    build: ./users
    ports: ['8081:80']
  threads:
    build: ./threads
    ports: ['8082:80']
  posts:
    build: { context: ./posts }
";

#[test]
fn the_seed_app_maps_to_four_services_with_api_on_the_default_route() {
    let r = map(SEED).unwrap();
    let m = manifest(&r);
    assert_eq!(m.names(), ["api", "users", "threads", "posts"]);
    assert_eq!(m.default_service().name, "api");
    assert_eq!(r.default_service, "api");
    assert_eq!(r.unrouted, ["users", "threads", "posts"]);
    let users = m.service("users").unwrap();
    assert_eq!(users.build.as_deref(), Some(Path::new("users")));
    assert_eq!(users.port, 80);
    // No guessed route: users gets its paths when it is split.
    assert_eq!(users.route, Route::Unset);
    assert!(r.dropped.is_empty(), "{:?}", r.dropped);
}

#[test]
fn build_contexts_are_seen_from_the_manifest() {
    let r = from_compose(SEED, "app/docker-compose.yml", Path::new("app")).unwrap();
    assert!(r.manifest.contains("build: app/users\n"), "{}", r.manifest);
    assert_eq!(
        relative(Path::new("/w/lab"), Path::new("/w/src/app")),
        Path::new("../src/app")
    );
    assert_eq!(relative(Path::new("/w"), Path::new("/w")), Path::new("."));
    assert_eq!(
        relative(Path::new("/w/lab/./x/.."), Path::new("/w/lab")),
        Path::new(".")
    );
}

#[test]
fn ports_environment_and_an_http_healthcheck_carry_over() {
    let r = map(r#"services:
  web:
    image: example/web:1
    ports:
      - "127.0.0.1:80:3000/tcp"
      - "9229:9229"
    environment:
      NODE_ENV: production
      WORKERS: 4
      DEBUG: "true"
      FROM_HOST:
      TOKEN: ${TOKEN}
    healthcheck:
      test: ["CMD-SHELL", "curl -f http://localhost:3000/health?full=1 || exit 1"]
      interval: 30s
"#)
    .unwrap();
    let m = manifest(&r);
    let web = m.default_service();
    assert_eq!(web.port, 3000);
    assert_eq!(web.build, None);
    assert_eq!(web.health_check.path, "/health");
    assert_eq!(web.environment["NODE_ENV"], "production");
    assert_eq!(web.environment["WORKERS"], "4");
    assert_eq!(web.environment["DEBUG"], "true");
    assert!(!web.environment.contains_key("FROM_HOST"));
    assert!(!web.environment.contains_key("TOKEN"));
    assert!(
        r.manifest.contains("--image example/web:1"),
        "{}",
        r.manifest
    );
    let said = r.dropped.join("\n");
    for want in [
        "web: ports 9229 not carried over",
        "web: environment FROM_HOST not carried over",
        "web: environment TOKEN=${TOKEN} not carried over",
        "web: healthcheck interval not carried over",
    ] {
        assert!(said.contains(want), "{want} in:\n{said}");
    }
    assert_eq!(r.dropped.len(), 4, "{said}");
}

#[test]
fn healthchecks_that_are_not_an_http_get_of_the_service_port_are_said() {
    for (test, why) in [
        (r#"["CMD", "pg_isready"]"#, "not an HTTP GET"),
        (r#"["CMD", "curl", "-f", "http://db:80/"]"#, "asks db"),
        (
            r#""curl -f http://localhost:8080/health""#,
            "asks port 8080",
        ),
        (
            r#"["CMD", "curl", "-X", "POST", "http://localhost/"]"#,
            "not a plain GET",
        ),
    ] {
        let r = map(&format!(
            "services:\n  web:\n    image: w\n    healthcheck:\n      test: {test}\n"
        ))
        .unwrap();
        assert_eq!(manifest(&r).default_service().health_check.path, "/");
        assert_eq!(r.dropped.len(), 1, "{:?}", r.dropped);
        assert!(r.dropped[0].contains(why), "{why}: {:?}", r.dropped);
    }
    let r = map("services:\n  web:\n    image: w\n    healthcheck:\n      test: wget -qO- http://127.0.0.1/ready\n").unwrap();
    assert_eq!(manifest(&r).default_service().health_check.path, "/ready");
}

#[test]
fn what_the_manifest_cannot_hold_is_said_one_line_each() {
    let r = map("services:
  app:
    build: .
    ports: ['80:8080']
    volumes: ['./data:/data']
    networks: [back]
    links: [db]
    privileged: true
    depends_on: [db]
    command: npm start
  db:
    image: postgres:16
    expose: ['5432']
volumes:
  data: {}
networks:
  back: {}
")
    .unwrap();
    let m = manifest(&r);
    assert_eq!(m.default_service().name, "app");
    assert_eq!(m.default_service().port, 8080);
    assert_eq!(m.service("db").unwrap().port, 5432);
    let keys: Vec<&str> = r
        .dropped
        .iter()
        .map(|l| l.split(" not carried over").next().unwrap())
        .collect();
    assert_eq!(
        keys,
        [
            "volumes (top level)",
            "networks (top level)",
            "app: volumes",
            "app: networks",
            "app: links",
            "app: depends_on",
            "app: privileged",
            "app: command",
        ]
    );
}

#[test]
fn a_sidecar_is_said_and_left_out() {
    let r = map("services:
  app:
    image: app
    ports: ['80:80']
  envoy:
    image: envoy
    network_mode: service:app
")
    .unwrap();
    assert_eq!(manifest(&r).names(), ["app"]);
    assert_eq!(r.dropped.len(), 1);
    assert!(
        r.dropped[0].starts_with("envoy: a sidecar of app"),
        "{:?}",
        r.dropped
    );
}

#[test]
fn the_only_service_is_the_default_even_without_port_80() {
    let r = map("services:\n  web:\n    image: w\n    ports: ['8080:3000']\n").unwrap();
    let m = manifest(&r);
    assert_eq!(m.default_service().name, "web");
    assert_eq!(m.default_service().port, 3000);
}

#[test]
fn bad_compose_files_are_refused() {
    let err = |text: &str| map(text).unwrap_err().to_string();
    assert!(
        err("services: [\n").starts_with("docker-compose.yml:"),
        "{}",
        err("services: [\n")
    );
    assert!(err("services: [a, b]\n").contains("not a compose file"));
    assert_eq!(
        err("services:\n  web:\n    ports: ['80']\n"),
        "docker-compose.yml: service 'web' has neither `image` nor `build`"
    );
    assert_eq!(
        err("services:\n  a:\n    image: a\n  b:\n    image: b\n"),
        "docker-compose.yml: none of the services a, b publishes port 80, so none is the default route"
    );
    assert!(err("services:\n  a:\n    image: a\n    ports: ['80:80']\n  b:\n    image: b\n    ports: ['80:81']\n")
        .contains("a and b all publish port 80"));
    assert!(matches!(
        map("services: {}\n"),
        Err(ComposeError::NoServices(_))
    ));
    assert_eq!(
        err("services:\n  my_app:\n    image: a\n"),
        "docker-compose.yml: it maps to a manifest mysfits refuses: services[0].name: service name 'my_app' has '_', but only lowercase letters, digits and single hyphens are allowed, starting with a letter"
    );
}

#[test]
fn values_that_yaml_would_read_otherwise_are_quoted() {
    assert_eq!(quote("api"), "api");
    assert_eq!(quote("yes"), "\"yes\"");
    assert_eq!(quote("8080"), "\"8080\"");
    assert_eq!(quote("a: b"), "\"a: b\"");
    assert_eq!(quote(""), "\"\"");
    assert_eq!(quote("/users*"), "/users*");
    assert_eq!(quote("*a"), "\"*a\"");
    assert_eq!(quote("../app"), "../app");
}
