//! A real build and push: podman builds a `FROM scratch` image and pushes it to a real
//! local registry (Debian's docker-registry on 127.0.0.1); the task definition names it by
//! digest. A failing build shows its output and registers nothing.

use crate::common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};

use common::{repo_root, Moto, Run};

struct Registry {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new("bash")
            .arg(repo_root().join("localaws/start-registry.sh"))
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start localaws/start-registry.sh (docker-registry installed by .ci/run)");
        // Owned by the guard at once, so a failed start still kills and reaps it.
        let mut registry = Self {
            child,
            port: 0,
            _dir: dir,
        };
        let mut line = String::new();
        BufReader::new(registry.child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        registry.port = line
            .trim()
            .strip_prefix("REGISTRY_PORT=")
            .expect("registry port")
            .parse()
            .unwrap();
        registry
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `Docker-Content-Digest` of a tag, asked over plain HTTP on loopback.
    fn digest(&self, name: &str, tag: &str) -> Option<String> {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            s,
            "HEAD /v2/{name}/manifests/{tag} HTTP/1.1\r\nHost: {}\r\nAccept: application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json\r\nConnection: close\r\n\r\n",
            self.host()
        )
        .unwrap();
        let mut resp = String::new();
        s.read_to_string(&mut resp).unwrap();
        resp.lines().find_map(|l| {
            l.strip_prefix("Docker-Content-Digest: ")
                .map(|d| d.trim().to_string())
        })
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// podman configured per test through its own environment variables: vfs storage and
/// chroot isolation (root, no daemon), and the loopback registry allowed over HTTP.
fn podman_env(cmd: &mut Command, dir: &std::path::Path, registry: &str) {
    std::fs::write(
        dir.join("storage.conf"),
        format!(
            "[storage]\ndriver = \"vfs\"\ngraphroot = \"{0}/root\"\nrunroot = \"{0}/runroot\"\n",
            dir.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("registries.conf"),
        format!("unqualified-search-registries = []\n[[registry]]\nlocation = \"{registry}\"\ninsecure = true\n"),
    )
    .unwrap();
    std::fs::write(dir.join("auth.json"), "{}").unwrap();
    cmd.env("CONTAINERS_STORAGE_CONF", dir.join("storage.conf"))
        .env("CONTAINERS_REGISTRIES_CONF", dir.join("registries.conf"))
        .env("REGISTRY_AUTH_FILE", dir.join("auth.json"))
        .env("BUILDAH_ISOLATION", "chroot");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn podman_builds_pushes_and_the_revision_names_the_digest() {
    let moto = Moto::start();
    let registry = Registry::start();
    let fixtures = repo_root().join("tests/fixtures");
    let manifest = moto.home.path().join("mysfits.yaml");
    // An arm64 app FROM scratch: COPY needs no emulator. Its own context, because podman 4
    // reuses a cached `FROM scratch` layer whatever --platform says.
    let arm_app = moto.home.path().join("arm-app");
    std::fs::create_dir(&arm_app).unwrap();
    std::fs::write(
        arm_app.join("Dockerfile"),
        "FROM scratch\nCOPY arm.txt /arm.txt\n",
    )
    .unwrap();
    std::fs::write(arm_app.join("arm.txt"), "built for arm64\n").unwrap();
    std::fs::write(
        &manifest,
        format!(
            "services:\n  - name: web\n    build: {}\n    route: default\n  - name: broken\n    build: {}\n    route: /broken/*\n  - name: arm\n    build: arm-app\n    route: /arm/*\n    platform: linux/arm64\n",
            fixtures.join("scratch-app").display(),
            fixtures.join("broken-app").display()
        ),
    )
    .unwrap();
    moto.run(&["up"]).ok();
    let podman_dir = tempfile::tempdir().unwrap();
    let namespace = format!("{}/mysfits", registry.host());
    let deploy = |args: &[&str]| {
        let mut cmd = moto.mysfits();
        podman_env(&mut cmd, podman_dir.path(), &registry.host());
        cmd.arg("deploy")
            .args(args)
            .args(["--registry", &namespace]);
        Run::from(cmd.output().unwrap())
    };

    let r = deploy(&["web", "--builder", "podman", "--tag", "t1"]).ok();
    // Off a terminal every line of the build is printed while it runs: between the row's
    // "building" line and its end.
    let at = |needle: &str| {
        r.stderr
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} not in stderr:\n{}", r.stderr))
    };
    let building = at("building for linux/amd64 with podman");
    let step1 = at("    STEP 1/3: FROM scratch");
    let step2 = at("    STEP 3/3: COPY hello.txt /hello.txt");
    let done = at("built for linux/amd64 and pushed");
    assert!(
        building < step1 && step1 < step2 && step2 < done,
        "{}",
        r.stderr
    );
    // -q keeps it quiet.
    let q = deploy(&["web", "--builder", "podman", "--tag", "t1", "-q"]).ok();
    assert!(!q.stderr.contains("STEP 1/"), "{}", q.stderr);

    let digest = registry
        .digest("mysfits/web", "t1")
        .expect("the tag was pushed");
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let td = ecs
        .describe_task_definition()
        .task_definition("mysfits-web")
        .send()
        .await
        .unwrap();
    assert_eq!(
        td.task_definition().unwrap().container_definitions()[0]
            .image()
            .unwrap(),
        format!("{namespace}/web@{digest}")
    );

    // --platform linux/arm64 reached podman: the pushed image is an arm64 image, and the
    // revision runs on ARM64.
    deploy(&["arm", "--builder", "podman", "--tag", "t1"]).ok();
    assert!(registry.digest("mysfits/arm", "t1").is_some());
    let mut inspect = Command::new("podman");
    podman_env(&mut inspect, podman_dir.path(), &registry.host());
    let out = inspect
        .args(["image", "inspect", "--format", "{{.Os}}/{{.Architecture}}"])
        .arg(format!("{namespace}/arm:t1"))
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "linux/arm64");
    let td = ecs
        .describe_task_definition()
        .task_definition("mysfits-arm")
        .send()
        .await
        .unwrap();
    let platform = td.task_definition().unwrap().runtime_platform().unwrap();
    assert_eq!(
        platform.cpu_architecture(),
        Some(&aws_sdk_ecs::types::CpuArchitecture::Arm64)
    );

    // A build that fails: its output reaches the user, and no revision is registered.
    let r = deploy(&["broken", "--builder", "podman", "--tag", "t1"])
        .fails_with("`podman build --platform linux/amd64 -t");
    assert!(r.stderr.contains("missing-file"), "{}", r.stderr);
    let err = ecs
        .describe_task_definition()
        .task_definition("mysfits-broken")
        .send()
        .await;
    assert!(err.is_err(), "no revision for the broken service");

    // --no-build of a tag the registry does not have: the tags it has are listed.
    deploy(&["web", "--no-build", "--tag", "v9"]).fails_with("tag 'v9' is not in");
}

/// An installed binary outside the checkout: the built-in lab without its apps says to run
/// `mysfits init`; after it, the apps `init` wrote are what podman builds, found relative
/// to the manifest from any working directory.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_apps_init_writes_are_built_from_any_directory() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let podman_dir = tempfile::tempdir().unwrap();
    let deploy = |args: &[&str]| {
        let mut cmd = moto.mysfits();
        podman_env(&mut cmd, podman_dir.path(), "127.0.0.1:1");
        cmd.args([
            "deploy",
            "monolith-service",
            "--tag",
            "v1",
            "--builder",
            "podman",
        ])
        .args(args);
        Run::from(cmd.output().unwrap())
    };

    let r = deploy(&[]).fails_with(
        "build context examples/monolith-service does not exist: with no mysfits.yaml the built-in lab builds monolith-service",
    );
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("hint: write the manifest and the sample apps here: `mysfits init`"),
        "{}",
        r.stderr
    );

    let lab = moto.home.path().join("lab");
    std::fs::create_dir(&lab).unwrap();
    Run::from(
        common::clean_command(moto.home.path())
            .current_dir(&lab)
            .arg("init")
            .output()
            .unwrap(),
    )
    .ok();
    // From the parent directory, through --manifest: the context is lab/examples/….
    // FROM scratch (no Docker Hub here) gets as far as the app's files, then has no pip.
    let r = deploy(&[
        "--manifest",
        "lab/mysfits.yaml",
        "--build-arg",
        "BASE_IMAGE=scratch",
    ])
    .fails_with("`podman build --platform linux/amd64 -t");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("lab/examples/monolith-service`"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("    STEP 3/"), "{}", r.stderr);
    assert!(
        r.stderr.contains(": COPY requirements.txt ."),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(": RUN pip install"), "{}", r.stderr);
}
