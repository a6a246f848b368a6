//! Test harness: a fresh moto server per test (through `tests/moto/launch.py`, which
//! patches moto only where docs/architecture.md allows, one module of `localaws/patches/` per
//! patch), and the real binary run with a clean env.

#![allow(dead_code)]

pub mod engine;
pub mod foreign;
pub mod probe;
pub mod snapshot;
pub mod tmux;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python that has moto: `MYSFITS_TEST_PYTHON`, else the repo's `.venv`, else `python3`.
pub fn python() -> PathBuf {
    if let Ok(p) = std::env::var("MYSFITS_TEST_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo_root().join(".venv/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

pub struct Moto {
    child: Child,
    pub port: u16,
    pub home: tempfile::TempDir,
}

impl Moto {
    /// Starts moto on a free loopback port; `running` is what moto reports as ECS
    /// `runningCount` (MOTO_ECS_SERVICE_RUNNING), to match the desired counts tested.
    pub fn start() -> Self {
        Self::start_with(&[("MOTO_ECS_SERVICE_RUNNING", "1")])
    }

    pub fn start_with(env: &[(&str, &str)]) -> Self {
        let mut cmd = Command::new(python());
        cmd.arg(repo_root().join("tests/moto/launch.py"))
            .args(["--port", "0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd
            .spawn()
            .expect("start tests/moto/launch.py (is moto installed? see .ci/run)");
        // Owned by the guard at once, so a failed start still kills and reaps it.
        let mut moto = Self {
            child,
            port: 0,
            home: tempfile::tempdir().unwrap(),
        };
        let stdout = moto.child.stdout.take().unwrap();
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        let started = Instant::now();
        loop {
            line.clear();
            let n = reader.read_line(&mut line).expect("read launcher output");
            assert!(n > 0, "moto launcher exited before printing its port");
            if let Some(port) = line.trim().strip_prefix("MOTO_PORT=") {
                moto.port = port.parse().expect("port number");
                return moto;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto did not start"
            );
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The binary with a clean environment pointed at this moto.
    pub fn mysfits(&self) -> Command {
        let mut cmd = clean_command(self.home.path());
        cmd.env("AWS_ENDPOINT_URL", self.endpoint());
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.mysfits().args(args).output().expect("run mysfits"))
    }

    /// [`Moto::run`] with stdout and stderr each a terminal (see [`tmux::run`]), in a
    /// terminal user's environment.
    pub fn run_on_terminal(&self, args: &[&str]) -> Run {
        tmux::run(
            args,
            &clean_env(self.home.path(), &self.endpoint()),
            self.home.path(),
        )
    }

    /// An SDK config for checking, from the test, what the tool did.
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
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The binary with nothing from the caller's environment but PATH, in an empty HOME
/// and working directory (so no `~/.aws` and no `./mysfits.yaml` leak in), IMDS off so
/// nothing but loopback is ever contacted.
pub fn clean_command(home: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mysfits"));
    cmd.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_CONFIG_FILE", home.join("aws-config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("aws-credentials"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("CI", "true")
        .current_dir(home)
        .stdin(Stdio::null());
    cmd
}

/// What [`clean_command`] sets, as pairs, for commands run in a terminal (no `CI`:
/// a terminal user's environment).
pub fn clean_env(home: &Path, endpoint: &str) -> Vec<(String, String)> {
    let home_s = home.display().to_string();
    vec![
        ("PATH".into(), std::env::var("PATH").unwrap_or_default()),
        ("HOME".into(), home_s.clone()),
        ("AWS_CONFIG_FILE".into(), format!("{home_s}/aws-config")),
        (
            "AWS_SHARED_CREDENTIALS_FILE".into(),
            format!("{home_s}/aws-credentials"),
        ),
        ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ("AWS_ACCESS_KEY_ID".into(), "testing".into()),
        ("AWS_SECRET_ACCESS_KEY".into(), "testing".into()),
        ("AWS_REGION".into(), "us-east-1".into()),
        ("AWS_ENDPOINT_URL".into(), endpoint.into()),
    ]
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Self {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

impl Run {
    #[track_caller]
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// A failure with exactly one `error:` line that contains `want`.
    #[track_caller]
    pub fn fails_with(self, want: &str) -> Self {
        assert_ne!(
            self.code, 0,
            "expected failure\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        let errors: Vec<&str> = self
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .collect();
        assert_eq!(errors.len(), 1, "want one error line:\n{}", self.stderr);
        assert!(errors[0].contains(want), "{want:?} not in {:?}", errors[0]);
        self
    }

    /// `(total, mutating)` from the `-v` tally line.
    pub fn api_calls(&self) -> (usize, usize) {
        let line = self
            .stderr
            .lines()
            .find(|l| l.starts_with("api calls:"))
            .unwrap_or_else(|| panic!("no api-calls line (run with -v):\n{}", self.stderr));
        let nums: Vec<usize> = line
            .split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().unwrap())
            .collect();
        (nums[0], nums[1])
    }
}

/// `tests/moto/chaos.py` in front of a moto: an endpoint that throttles, hangs or answers
/// HTML 500s, for the tests of what the tool does when AWS misbehaves.
pub struct Chaos {
    child: Child,
    stdout: BufReader<std::process::ChildStdout>,
    pub port: u16,
}

impl Chaos {
    /// `mode` is `throttle` (with `rate`), `hang` or `html500`.
    pub fn start(moto: &Moto, mode: &str, rate: f64) -> Self {
        let mut child = Command::new(python())
            .arg(repo_root().join("tests/moto/chaos.py"))
            .args(["--upstream", &format!("127.0.0.1:{}", moto.port)])
            .args(["--mode", mode, "--rate", &rate.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start tests/moto/chaos.py");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).expect("read chaos output");
        let port = line
            .trim()
            .strip_prefix("CHAOS_PORT=")
            .unwrap_or_else(|| panic!("chaos proxy did not start: {line:?}"))
            .parse()
            .unwrap();
        Self {
            child,
            stdout,
            port,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The binary against moto through this endpoint.
    pub fn run(&self, moto: &Moto, args: &[&str]) -> Run {
        Run::from(
            moto.mysfits()
                .env("AWS_ENDPOINT_URL", self.endpoint())
                .args(args)
                .output()
                .expect("run mysfits"),
        )
    }

    /// Stops the proxy: `(forwarded, throttled)` requests.
    pub fn finish(mut self) -> (usize, usize) {
        drop(self.child.stdin.take());
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read chaos stats");
        let _ = self.child.wait();
        let nums: Vec<usize> = line
            .trim()
            .strip_prefix("CHAOS_STATS=")
            .unwrap_or_else(|| panic!("no chaos stats: {line:?}"))
            .split(' ')
            .map(|n| n.parse().unwrap())
            .collect();
        (nums[0], nums[1])
    }
}

impl Drop for Chaos {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
