//! `init --from-compose` on the seed users/threads/posts app (`examples/threads-api`),
//! with a compose file written the way its Dockerfiles describe it, then `up` and a
//! deploy of the default service against moto.

use crate::common;

use common::probe::Probe;
use common::{repo_root, snapshot, Moto};

/// api publishes port 80 (the monolith, on the default route); users, threads and posts
/// each build their directory and expose 80 to the others.
const SEED_COMPOSE: &str = "services:
  api:
    build: ./api
    ports:
      - \"80:80\"
    depends_on: [users, threads, posts]
  users:
    build: ./users
    expose: [\"80\"]
  threads:
    build: ./threads
    expose: [\"80\"]
  posts:
    build:
      context: ./posts
    expose: [\"80\"]
";

/// The app's directories beside its compose file in `home/threads-api`, as in a
/// checkout of it.
pub(crate) fn seed_app(home: &std::path::Path) {
    let app = home.join("threads-api");
    for dir in ["api", "users", "threads", "posts"] {
        let from = repo_root().join("examples/threads-api").join(dir);
        std::fs::create_dir_all(app.join(dir)).unwrap();
        for f in std::fs::read_dir(&from).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, app.join(dir).join(f.file_name().unwrap())).unwrap();
        }
    }
    std::fs::write(app.join("docker-compose.yml"), SEED_COMPOSE).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seed_app_from_a_compose_file_goes_up_and_deploys() {
    let moto = Moto::start();
    let home = moto.home.path();
    seed_app(home);

    let init = moto
        .run(&["init", "--from-compose", "threads-api/docker-compose.yml"])
        .ok();
    snapshot::assert_run("init_from_compose", &init, home);
    let text = std::fs::read_to_string(home.join("mysfits.yaml")).unwrap();
    snapshot::settings().bind(|| insta::assert_snapshot!("init_from_compose.manifest", text));
    // Each build context is the service's directory, seen from the manifest.
    let manifest = mysfits_lab::manifest::Manifest::load(Some(&home.join("mysfits.yaml"))).unwrap();
    for service in &manifest.services {
        let context = service.build.as_ref().expect("every service builds");
        assert!(
            context.join("Dockerfile").is_file(),
            "{}",
            context.display()
        );
    }

    // A second init changes nothing without --force.
    moto.run(&["init", "--from-compose", "threads-api/docker-compose.yml"])
        .fails_with("mysfits.yaml already exists: nothing was written");
    assert_eq!(
        std::fs::read_to_string(home.join("mysfits.yaml")).unwrap(),
        text
    );

    // Elsewhere, as JSON: the file written and the lines not carried over.
    let json = moto
        .run(&[
            "init",
            "--from-compose",
            "threads-api/docker-compose.yml",
            "--manifest",
            "lab/mysfits.yaml",
            "--output",
            "json",
        ])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(doc["written"], serde_json::json!(["lab/mysfits.yaml"]));
    assert_eq!(
        doc["not_carried_over"],
        serde_json::json!([
            "api: depends_on not carried over: ECS starts services independently; deploy them in order"
        ])
    );
    let elsewhere = std::fs::read_to_string(home.join("lab/mysfits.yaml")).unwrap();
    assert!(
        elsewhere.contains("    build: ../threads-api/api\n"),
        "{elsewhere}"
    );

    moto.run(&["up"]).ok();
    let probe = Probe::new(&moto).await;
    let mut repos = probe.repositories().await;
    repos.sort();
    assert_eq!(
        repos,
        [
            "mysfits/api",
            "mysfits/posts",
            "mysfits/threads",
            "mysfits/users"
        ]
    );
    moto.run(&["deploy", "api", "--image", "registry.example/api:1"])
        .ok();
    assert_eq!(probe.image("mysfits-api").await, "registry.example/api:1");
    let api = probe.service("api").await.expect("the default service");
    assert_eq!(api.desired_count(), 1);
}
