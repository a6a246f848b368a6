//! The container CLI (`docker` by default, `podman` selectable): build, login, push.
//! Registry passwords go through `--password-stdin`, never on a command line.

use std::path::Path;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::process::Command;
use tokio::sync::mpsc;

use mysfits_lab::platform::Platform;

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("container CLI '{0}' is not installed (not found on PATH)")]
    NotInstalled(String),
    #[error("build context {0} does not exist")]
    NoContext(String),
    #[error("build context {0} has no Dockerfile")]
    NoDockerfile(String),
    #[error("`{command}` failed with {status}:\n{output}")]
    Failed {
        command: String,
        status: String,
        output: String,
    },
    #[error("cannot run {0}: {1}")]
    Spawn(String, std::io::Error),
    #[error("{image} was built for {built}, not {wanted}: Fargate would not start it")]
    WrongPlatform {
        image: String,
        built: String,
        wanted: Platform,
    },
}

pub struct Builder {
    program: String,
}

/// The last lines of a command's output: enough to see why it failed.
fn tail(lines: &[String], n: usize) -> String {
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Sends each line of a pipe as it comes. A `\r`-redrawn progress line counts as its
/// last redraw; bytes that are not UTF-8 are shown, not fatal.
fn forward(pipe: impl AsyncRead + Unpin + Send + 'static, tx: mpsc::UnboundedSender<String>) {
    tokio::spawn(async move {
        let mut reader = BufReader::new(pipe);
        let mut buf = Vec::new();
        while matches!(reader.read_until(b'\n', &mut buf).await, Ok(n) if n > 0) {
            let text = String::from_utf8_lossy(&buf);
            let line = text.trim_end().rsplit('\r').next().unwrap_or_default();
            if tx.send(line.to_string()).is_err() {
                break;
            }
            buf.clear();
        }
    });
}

impl Builder {
    pub fn new(program: &str) -> Result<Self, BuildError> {
        let found = std::env::var_os("PATH")
            .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
            .unwrap_or(false);
        if !found && !Path::new(program).is_file() {
            return Err(BuildError::NotInstalled(program.to_string()));
        }
        Ok(Self {
            program: program.to_string(),
        })
    }

    pub fn name(&self) -> &str {
        &self.program
    }

    /// Runs the CLI; each line of its output (stdout and stderr, as they come) goes to
    /// `on_line` while it runs, and the last lines are in the error if it fails.
    async fn run(
        &self,
        args: &[&str],
        stdin: Option<&str>,
        on_line: &dyn Fn(&str),
    ) -> Result<String, BuildError> {
        let command = format!("{} {}", self.program, args.join(" "));
        let mut child = Command::new(&self.program)
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| BuildError::Spawn(self.program.clone(), e))?;
        if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
            pipe.write_all(input.as_bytes())
                .await
                .map_err(|e| BuildError::Spawn(self.program.clone(), e))?;
        }
        let (tx, mut rx) = mpsc::unbounded_channel();
        forward(child.stdout.take().expect("piped"), tx.clone());
        forward(child.stderr.take().expect("piped"), tx);
        let mut lines = Vec::new();
        // Ends when both pipes are closed, i.e. when the CLI (and anything it left
        // holding its pipes) is done writing.
        while let Some(line) = rx.recv().await {
            on_line(&line);
            lines.push(line);
        }
        let status = child
            .wait()
            .await
            .map_err(|e| BuildError::Spawn(self.program.clone(), e))?;
        if !status.success() {
            return Err(BuildError::Failed {
                command,
                status: status.to_string(),
                output: tail(&lines, 30),
            });
        }
        Ok(lines.join("\n"))
    }

    /// Checked before anything else happens, so a wrong path costs no AWS call.
    pub fn check_context(&self, context: &Path) -> Result<(), BuildError> {
        if !context.is_dir() {
            return Err(BuildError::NoContext(context.display().to_string()));
        }
        if !context.join("Dockerfile").is_file() && !context.join("Containerfile").is_file() {
            return Err(BuildError::NoDockerfile(context.display().to_string()));
        }
        Ok(())
    }

    /// Builds `image` for `platform`, then checks what came out: a base image or a cached
    /// layer of another architecture (podman 4 reuses `FROM scratch` layers across
    /// platforms) would otherwise be pushed and fail only when Fargate starts it.
    pub async fn build(
        &self,
        context: &Path,
        image: &str,
        platform: Platform,
        build_args: &[(String, String)],
        on_line: &dyn Fn(&str),
    ) -> Result<(), BuildError> {
        self.check_context(context)?;
        let ctx = context.display().to_string();
        let pairs: Vec<String> = build_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["build", "--platform", platform.as_str(), "-t", image];
        for pair in &pairs {
            args.extend(["--build-arg", pair.as_str()]);
        }
        args.push(&ctx);
        self.run(&args, None, on_line).await?;
        let inspect = ["image", "inspect", "--format", "{{.Architecture}}", image];
        let built = self.run(&inspect, None, &|_| {}).await?;
        let built = built.trim();
        if built != platform.arch() {
            return Err(BuildError::WrongPlatform {
                image: image.to_string(),
                built: built.to_string(),
                wanted: platform,
            });
        }
        Ok(())
    }

    /// podman verifies TLS even on loopback; docker treats 127.0.0.0/8 as insecure by
    /// default. Loopback registries (local mirrors, the local engine) speak plain HTTP.
    fn tls_flag(&self, registry: &str) -> Option<&'static str> {
        let host = registry
            .trim_start_matches("http://")
            .trim_start_matches("https://");
        let loopback = host.starts_with("127.0.0.1") || host.starts_with("localhost");
        (loopback && self.program.ends_with("podman")).then_some("--tls-verify=false")
    }

    pub async fn login(
        &self,
        registry: &str,
        user: &str,
        password: &str,
    ) -> Result<(), BuildError> {
        let mut args = vec!["login", "--username", user, "--password-stdin"];
        args.extend(self.tls_flag(registry));
        args.push(registry);
        self.run(&args, Some(password), &|_| {}).await.map(|_| ())
    }

    pub async fn push(&self, image: &str) -> Result<(), BuildError> {
        let mut args = vec!["push"];
        args.extend(self.tls_flag(image));
        args.push(image);
        self.run(&args, None, &|_| {}).await.map(|_| ())
    }
}
