//! The container CLI (`docker` by default, `podman` selectable): build, login, push.
//! Registry passwords go through `--password-stdin`, never on a command line.

use std::path::Path;
use std::process::Stdio;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

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
}

pub struct Builder {
    program: String,
}

/// The last lines of a command's output: enough to see why it failed.
fn tail(output: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(output);
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
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

    async fn run(&self, args: &[&str], stdin: Option<&str>) -> Result<String, BuildError> {
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
        let out = child
            .wait_with_output()
            .await
            .map_err(|e| BuildError::Spawn(self.program.clone(), e))?;
        let mut all = out.stdout.clone();
        all.extend_from_slice(&out.stderr);
        if !out.status.success() {
            return Err(BuildError::Failed {
                command,
                status: out.status.to_string(),
                output: tail(&all, 30),
            });
        }
        Ok(String::from_utf8_lossy(&all).into_owned())
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

    pub async fn build(
        &self,
        context: &Path,
        image: &str,
        build_args: &[(String, String)],
    ) -> Result<(), BuildError> {
        self.check_context(context)?;
        let ctx = context.display().to_string();
        let pairs: Vec<String> = build_args.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut args = vec!["build", "-t", image];
        for pair in &pairs {
            args.extend(["--build-arg", pair.as_str()]);
        }
        args.push(&ctx);
        self.run(&args, None).await.map(|_| ())
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
        self.run(&args, Some(password)).await.map(|_| ())
    }

    pub async fn push(&self, image: &str) -> Result<(), BuildError> {
        let mut args = vec!["push"];
        args.extend(self.tls_flag(image));
        args.push(image);
        self.run(&args, None).await.map(|_| ())
    }
}
