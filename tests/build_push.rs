//! A real build and push: podman builds a `FROM scratch` image and pushes it to a real
//! local registry (Debian's docker-registry on 127.0.0.1); the task definition names it by
//! digest. A failing build shows its output and registers nothing.

mod common;

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
            .arg(repo_root().join("tests/registry/start.sh"))
            .arg(dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start tests/registry/start.sh (docker-registry installed by .ci/run)");
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
    std::fs::write(
        &manifest,
        format!(
            "services:\n  - name: web\n    build: {}\n    route: default\n  - name: broken\n    build: {}\n    route: /broken/*\n",
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

    deploy(&["web", "--builder", "podman", "--tag", "t1"]).ok();

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

    // A build that fails: its output reaches the user, and no revision is registered.
    let r =
        deploy(&["broken", "--builder", "podman", "--tag", "t1"]).fails_with("`podman build -t");
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
