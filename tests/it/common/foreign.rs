//! A "production" setup made by a script that is not mysfits (`tests/foreign/production.py`,
//! boto3), and its snapshot: the before/after diff of every foreign resource.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::{python, repo_root};

/// What `production.py make` made: its JSON, and the file the snapshots read it from.
pub struct Production {
    pub made: serde_json::Value,
    file: PathBuf,
    endpoint: String,
}

impl Production {
    /// `make --kind KIND` against `endpoint` (`--image` for an ECS monolith).
    pub fn make(endpoint: &str, kind: &str, image: Option<&str>, dir: &Path) -> Self {
        let mut cmd = Command::new(python());
        cmd.arg(repo_root().join("tests/foreign/production.py"))
            .args(["make", "--endpoint", endpoint, "--kind", kind]);
        if let Some(image) = image {
            cmd.args(["--image", image]);
        }
        let out = cmd.output().expect("run production.py make");
        assert!(
            out.status.success(),
            "production.py make failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = dir.join("made.json");
        std::fs::write(&file, &out.stdout).unwrap();
        Self {
            made: serde_json::from_slice(&out.stdout).expect("make prints JSON"),
            file,
            endpoint: endpoint.to_string(),
        }
    }

    pub fn get(&self, key: &str) -> String {
        self.made[key]
            .as_str()
            .unwrap_or_else(|| panic!("make printed no {key}"))
            .to_string()
    }

    /// Every foreign resource as JSON, written to `name` beside the make output.
    pub fn snapshot(&self, name: &str) -> PathBuf {
        let out = Command::new(python())
            .arg(repo_root().join("tests/foreign/production.py"))
            .args(["snapshot", "--endpoint", &self.endpoint])
            .args(["--load-balancer", "shop", "--made"])
            .arg(&self.file)
            .output()
            .expect("run production.py snapshot");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let path = self.file.with_file_name(name);
        std::fs::write(&path, &out.stdout).unwrap();
        path
    }

    /// The unified diff of two snapshots: empty when every foreign resource is as it was.
    pub fn diff(a: &Path, b: &Path) -> String {
        let out = Command::new(python())
            .arg(repo_root().join("tests/foreign/production.py"))
            .arg("diff")
            .args([a, b])
            .output()
            .expect("run production.py diff");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}
