//! The manifest's `platform` against moto: the registered revision's `runtimePlatform`
//! matches what the image is built for, and a platform Fargate has not is refused.

use crate::common;

use aws_sdk_ecs::types::{CpuArchitecture, OsFamily};
use common::Moto;

async fn runtime_platform(moto: &Moto, family: &str) -> (CpuArchitecture, OsFamily, i32) {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let out = ecs
        .describe_task_definition()
        .task_definition(family)
        .send()
        .await
        .unwrap();
    let td = out.task_definition().unwrap();
    let p = td
        .runtime_platform()
        .unwrap_or_else(|| panic!("{family} has no runtimePlatform"));
    (
        p.cpu_architecture().unwrap().clone(),
        p.operating_system_family().unwrap().clone(),
        td.revision(),
    )
}

fn manifest(arm_platform: &str) -> String {
    format!(
        "services:\n  - name: web\n    build: .\n    route: default\n  - name: arm\n    build: .\n    route: /arm/*\n    platform: {arm_platform}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_definitions_run_on_the_platform_the_manifest_names() {
    let moto = Moto::start();
    let path = moto.home.path().join("mysfits.yaml");
    std::fs::write(&path, manifest("linux/arm64")).unwrap();
    moto.run(&["up"]).ok();
    moto.run(&["deploy", "web", "--image", "registry.example/web:1"])
        .ok();
    moto.run(&["deploy", "arm", "--image", "registry.example/arm:1"])
        .ok();
    assert_eq!(
        runtime_platform(&moto, "mysfits-web").await,
        (CpuArchitecture::X8664, OsFamily::Linux, 2)
    );
    assert_eq!(
        runtime_platform(&moto, "mysfits-arm").await,
        (CpuArchitecture::Arm64, OsFamily::Linux, 1)
    );

    // The same image again: the platform read back matches, nothing is registered.
    moto.run(&["deploy", "arm", "--image", "registry.example/arm:1"])
        .ok();
    assert_eq!(runtime_platform(&moto, "mysfits-arm").await.2, 1);
    // Another platform is another revision.
    std::fs::write(&path, manifest("linux/amd64")).unwrap();
    moto.run(&["deploy", "arm", "--image", "registry.example/arm:1"])
        .ok();
    assert_eq!(
        runtime_platform(&moto, "mysfits-arm").await,
        (CpuArchitecture::X8664, OsFamily::Linux, 2)
    );

    // A platform Fargate has not: a manifest error naming the line, nothing registered.
    std::fs::write(&path, manifest("linux/arm")).unwrap();
    let r = moto
        .run(&["deploy", "arm", "--image", "registry.example/arm:2"])
        .fails_with("mysfits.yaml:8: services[1].platform: 'linux/arm' is not a Fargate platform; use linux/amd64 (the default) or linux/arm64");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("hint: fix the manifest"), "{}", r.stderr);
    assert_eq!(runtime_platform(&moto, "mysfits-arm").await.2, 2);
}
