//! `mysfits deploy` against moto: the API contract (revisions, digests, rollouts) and the
//! bad inputs that must change nothing.

use crate::common;

use common::probe::Probe;
use common::Moto;

async fn active_revisions(moto: &Moto, family: &str) -> Vec<String> {
    Probe::new(moto).await.active_revisions(Some(family)).await
}

/// Puts an image manifest into moto's ECR under `tag` (what a push would leave there).
async fn put_ecr_image(moto: &Moto, repo: &str, tag: &str) -> String {
    let ecr = aws_sdk_ecr::Client::new(&moto.sdk().await);
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": format!("sha256:{}", "a".repeat(64))},
        "layers": []
    });
    let out = ecr
        .put_image()
        .repository_name(repo)
        .image_tag(tag)
        .image_manifest(manifest.to_string())
        .send()
        .await
        .unwrap();
    out.image()
        .unwrap()
        .image_id()
        .unwrap()
        .image_digest()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_rolls_new_revisions_and_repeats_change_nothing() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();

    // An image as given: a new revision, the service updated, the rollout watched to the
    // end (what it says is the snapshot run_deploy).
    moto.run(&[
        "deploy",
        "monolith-service",
        "--image",
        "registry.example/mono:nolike",
    ])
    .ok();
    let sdk = moto.sdk().await;
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    let svc = ecs
        .describe_services()
        .cluster("mysfits-cluster")
        .services("monolith-service")
        .send()
        .await
        .unwrap();
    assert!(svc.services()[0]
        .task_definition()
        .unwrap()
        .ends_with("mysfits-monolith-service:2"));
    let td = ecs
        .describe_task_definition()
        .task_definition("mysfits-monolith-service:2")
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap();
    assert_eq!(td.network_mode().map(|n| n.as_str()), Some("awsvpc"));
    assert_eq!(td.requires_compatibilities()[0].as_str(), "FARGATE");
    let c = &td.container_definitions()[0];
    assert_eq!(c.image(), Some("registry.example/mono:nolike"));
    assert_eq!(c.environment()[0].name(), Some("DDB_TABLE_NAME"));
    assert_eq!(
        c.environment()[0].value(),
        Some("mysfits-mysfits"),
        "placeholder resolved"
    );
    assert_eq!(
        c.log_configuration().unwrap().options().unwrap()["awslogs-group"],
        "/mysfits/mysfits"
    );

    // The same again: revision unchanged, service already on it, no mutating call.
    let again = moto
        .run(&[
            "deploy",
            "monolith-service",
            "--image",
            "registry.example/mono:nolike",
            "-v",
        ])
        .ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);

    // like-service has no service before the split: the revision is registered (and the
    // next command printed: the snapshot deploy.text).
    moto.run(&["deploy", "like-service", "--image", "like:1"])
        .ok();
    let td = ecs
        .describe_task_definition()
        .task_definition("mysfits-like-service")
        .send()
        .await
        .unwrap();
    let env = td.task_definition().unwrap().container_definitions()[0].environment();
    assert_eq!(env[0].name(), Some("MONOLITH_URL"));
    assert!(
        !env[0].value().unwrap().contains("http"),
        "host name without scheme"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_build_pins_the_ecr_digest_and_a_missing_tag_changes_nothing() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let digest = put_ecr_image(&moto, "mysfits/monolith-service", "v1").await;
    let before = active_revisions(&moto, "mysfits-monolith-service").await;

    // The lab's own mistake: task definition names :latest, the push was :v1.
    let r = moto
        .run(&["deploy", "monolith-service", "--no-build", "--tag", "latest"])
        .fails_with("tag 'latest' is not in 123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service (it has: v1)");
    assert_eq!(r.code, 1);
    assert_eq!(
        active_revisions(&moto, "mysfits-monolith-service").await,
        before,
        "no revision registered"
    );

    moto.run(&["deploy", "monolith-service", "--no-build", "--tag", "v1"])
        .ok();
    assert_eq!(
        Probe::new(&moto)
            .await
            .image("mysfits-monolith-service")
            .await,
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service@{digest}")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_deploy_inputs_register_nothing() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let before = active_revisions(&moto, "mysfits-monolith-service").await;

    let r = moto
        .run(&["deploy", "billing-service", "--image", "x"])
        .fails_with(
            "unknown service 'billing-service': the manifest has monolith-service, like-service",
        );
    assert_eq!(r.code, 2);
    moto.run(&["deploy", "monolith-service"])
        .fails_with("deploy needs --tag");
    moto.run(&["deploy", "monolith-service", "--tag=v1:x"])
        .fails_with("image tag 'v1:x' is not valid");
    // Image references that no registry serves (the three, and more).
    for (image, why) in [
        ("", "it is empty"),
        ("nginx latest", "it contains a space"),
        ("!!!@@@", "the digest is not algorithm:hex"),
        ("Nginx:1", "the repository name is not lowercase"),
    ] {
        let r = moto
            .run(&["deploy", "monolith-service", "--image", image])
            .fails_with(&format!(
                "for '--image <URI>': '{image}' is not an image reference: {why}"
            ));
        assert_eq!(r.code, 2, "{}", r.stderr);
    }

    // With PATH holding only the test's own directory: is podman there or not.
    let podman_deploy = || {
        common::Run::from(
            moto.mysfits()
                .env("PATH", moto.home.path())
                .args([
                    "deploy",
                    "monolith-service",
                    "--tag",
                    "v2",
                    "--builder",
                    "podman",
                ])
                .output()
                .unwrap(),
        )
    };
    // A builder that is not installed.
    let r = podman_deploy().fails_with("container CLI 'podman' is not installed");
    assert!(r.stderr.contains("--builder docker|podman"), "{}", r.stderr);

    // A build context without a Dockerfile (the built-in manifest's contexts are relative
    // to the working directory, which here is empty).
    std::fs::create_dir_all(moto.home.path().join("examples/monolith-service")).unwrap();
    // A stand-in `podman` on PATH: the context is checked before any build is tried.
    let sh = moto.home.path().join("podman");
    std::fs::write(&sh, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&sh, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    podman_deploy().fails_with("build context examples/monolith-service has no Dockerfile");

    assert_eq!(
        active_revisions(&moto, "mysfits-monolith-service").await,
        before
    );
}

/// A service whose images are built elsewhere (no `build:`, e.g. by a CI pipeline) goes
/// the whole way without a builder: `up` and `split` name the deploy that fits it
/// (`--image`), `deploy --image` registers it, and a tag the pipeline pushed to the lab's
/// repository deploys with `--no-build`, pinned to its digest.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_without_build_deploys_images_built_elsewhere() {
    let moto = Moto::start();
    std::fs::write(
        moto.home.path().join("mysfits.yaml"),
        "services:\n  - name: web\n    route: default\n  - name: api\n    route: /api/*\n",
    )
    .unwrap();
    let up = moto.run(&["up"]).ok();
    assert!(
        up.stderr
            .contains("next: roll out the monolith's image: mysfits deploy web --image URI\n"),
        "{}",
        up.stderr
    );
    let r = moto
        .run(&["split", "api"])
        .fails_with("api has no task-definition revision yet");
    assert!(
        r.stderr
            .contains("hint: register one first: `mysfits deploy api --image URI`"),
        "{}",
        r.stderr
    );
    moto.run(&["deploy", "api", "--image", "registry.example/api:1"])
        .ok();
    moto.run(&["split", "api"]).ok();
    let digest = put_ecr_image(&moto, "mysfits/web", "ci-42").await;
    moto.run(&["deploy", "web", "--tag", "ci-42", "--no-build"])
        .ok();
    assert_eq!(
        Probe::new(&moto).await.image("mysfits-web").await,
        format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/web@{digest}")
    );
}
