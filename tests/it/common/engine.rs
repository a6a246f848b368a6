//! The local engine (`python -m localaws`): moto plus a data plane, so that tasks run as
//! podman containers and requests go through a real load balancer on 127.0.0.1.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use super::{clean_command, python, repo_root, Run};

/// podman as it works here (scripts/podman-env.sh), and the example apps' base image.
fn podman_env() -> &'static (BTreeMap<String, String>, String) {
    static ENV: OnceLock<(BTreeMap<String, String>, String)> = OnceLock::new();
    ENV.get_or_init(|| {
        let out = Command::new("bash")
            .arg("-c")
            .arg("source scripts/podman-env.sh && scripts/base-image.sh >/dev/null && env -0")
            .current_dir(repo_root())
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/podman-env.sh");
        assert!(out.status.success(), "scripts/base-image.sh failed");
        let wanted = [
            "CONTAINERS_CONF",
            "CONTAINERS_STORAGE_CONF",
            "BUILDAH_ISOLATION",
        ];
        let env = String::from_utf8_lossy(&out.stdout)
            .split('\0')
            .filter_map(|kv| kv.split_once('='))
            .filter(|(k, _)| wanted.contains(k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>();
        assert_eq!(env.len(), wanted.len(), "podman-env.sh exports {wanted:?}");
        (env, "localhost/mysfits-base:bookworm".to_string())
    })
}

pub struct Engine {
    child: Child,
    pub port: u16,
    pub registry_port: u16,
    pub id: String,
    pub home: tempfile::TempDir,
}

impl Engine {
    pub fn start() -> Self {
        let (env, _) = podman_env();
        let home = tempfile::tempdir().unwrap();
        let mut cmd = Command::new(python());
        cmd.args(["-m", "localaws", "--state-dir"])
            .arg(home.path().join("engine"))
            .current_dir(repo_root())
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(home.path().join("engine.log")).unwrap(),
            ));
        let child = cmd.spawn().expect("start python -m localaws (see .ci/run)");
        let mut engine = Self {
            child,
            port: 0,
            registry_port: 0,
            id: String::new(),
            home,
        };
        let mut reader = BufReader::new(engine.child.stdout.take().unwrap());
        for _ in 0..3 {
            let mut line = String::new();
            let n = reader.read_line(&mut line).unwrap();
            assert!(n > 0, "localaws exited early: {}", engine.log());
            let (key, value) = line.trim().split_once('=').expect("KEY=VALUE");
            match key {
                "MOTO_PORT" => engine.port = value.parse().unwrap(),
                "REGISTRY_PORT" => engine.registry_port = value.parse().unwrap(),
                "ENGINE_ID" => engine.id = value.to_string(),
                other => panic!("unexpected line {other}"),
            }
        }
        engine
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.home.path().join("engine.log")).unwrap_or_default()
    }

    pub fn base_image(&self) -> &'static str {
        &podman_env().1
    }

    /// An image with node on PATH, for the seed app (`examples/threads-api`): the base
    /// image with Debian's nodejs, built once (Docker Hub's node images may not be
    /// reachable here) and reused from podman's storage after.
    pub fn node_base_image(&self) -> &'static str {
        static IMAGE: OnceLock<String> = OnceLock::new();
        IMAGE.get_or_init(|| {
            let image = "localhost/mysfits-node:bookworm".to_string();
            let podman = || {
                let mut cmd = Command::new("podman");
                cmd.envs(&podman_env().0);
                cmd
            };
            let exists = podman().args(["image", "exists", &image]).status().unwrap();
            if !exists.success() {
                let context = tempfile::tempdir().unwrap();
                std::fs::write(
                    context.path().join("Dockerfile"),
                    format!(
                        "FROM {}\nRUN apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs && rm -rf /var/lib/apt/lists/*\n",
                        self.base_image()
                    ),
                )
                .unwrap();
                let out = podman()
                    .args(["build", "--quiet", "-t", &image])
                    .arg(context.path())
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "podman build {image}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            image
        })
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn mysfits(&self) -> Command {
        let mut cmd = clean_command(self.home.path());
        cmd.env("AWS_ENDPOINT_URL", self.endpoint())
            .env("MYSFITS_BUILDER", "podman")
            .envs(&podman_env().0);
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.mysfits().args(args).output().expect("run mysfits"))
    }

    /// `podman ps` of this engine's containers (names).
    pub fn containers(&self) -> Vec<String> {
        let out = Command::new("podman")
            .args(["ps", "--all", "--format", "{{.Names}}", "--filter"])
            .arg(format!("label=mysfits.engine={}", self.id))
            .envs(&podman_env().0)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(String::from)
            .collect()
    }

    /// Builds `context` with podman and pushes it to the engine's registry as
    /// `repository:tag`, without `mysfits`: for a test that times only a rollout.
    pub fn push_image(&self, context: &Path, repository: &str, tag: &str) {
        let reference = format!("127.0.0.1:{}/{repository}:{tag}", self.registry_port);
        for args in [
            vec!["build", "--quiet", "-t", &reference],
            vec!["push", "--quiet", "--tls-verify=false", &reference],
        ] {
            let mut cmd = Command::new("podman");
            cmd.args(&args).envs(&podman_env().0);
            if args[0] == "build" {
                cmd.arg(context);
            }
            let out = cmd.output().expect("run podman");
            assert!(
                out.status.success(),
                "podman {}: {}",
                args[0],
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }

    /// The tags the engine's registry holds for a repository.
    pub fn registry_tags(&self, repository: &str) -> Vec<String> {
        let (status, body) = http(
            self.registry_port,
            &format!("127.0.0.1:{}", self.registry_port),
            "GET",
            &format!("/v2/{repository}/tags/list"),
        );
        if status != 200 {
            return vec![];
        }
        let json: serde_json::Value = serde_json::from_str(&body).unwrap();
        json["tags"]
            .as_array()
            .map(|a| a.iter().map(|t| t.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    }

    /// An SDK config for checking, from the test, what the tool did (as `Moto::sdk`).
    pub async fn sdk(&self) -> aws_types::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .load()
            .await
    }

    pub fn sdk_config_env(&self) -> Vec<(&'static str, String)> {
        vec![("AWS_ENDPOINT_URL", self.endpoint())]
    }
}

impl Drop for Engine {
    fn drop(&mut self) {
        // Closing its stdin stops it cleanly: it removes its containers first.
        drop(self.child.stdin.take());
        for _ in 0..600 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port` with `Host: host`; (status, body).
pub fn http(port: u16, host: &str, method: &str, path: &str) -> (u16, String) {
    http_with(port, host, method, path, &[])
}

/// [`http`] with more request headers.
pub fn http_with(
    port: u16,
    host: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    let extra: String = headers
        .iter()
        .map(|(k, v)| format!("{k}: {v}\r\n"))
        .collect();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to 127.0.0.1");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = String::new();
    stream.read_to_string(&mut raw).unwrap();
    let status = raw
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, body.to_string())
}

/// `http://name.elb.localhost:PORT` → (port, host header). `*.localhost` is loopback.
pub fn loopback_url(url: &str) -> (u16, String) {
    let host = url.trim_start_matches("http://").trim_end_matches('/');
    let (name, port) = host.rsplit_once(':').expect("host:port");
    assert!(
        name.ends_with(".localhost"),
        "{url} is not a loopback (*.localhost) URL"
    );
    (port.parse().unwrap(), host.to_string())
}

pub fn write_manifest(dir: &Path, yaml: &str) -> std::path::PathBuf {
    let path = dir.join("mysfits.yaml");
    std::fs::write(&path, yaml).unwrap();
    path
}
