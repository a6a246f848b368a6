//! `mysfits init`: write the built-in manifest out for editing, with the sample apps it
//! builds, so that the lab works from this directory with no checkout of the repository.

use std::path::Path;

use crate::error::Error;
use crate::output::{Printer, Render};
use mysfits_lab::manifest::{DEFAULT_MANIFEST, DEFAULT_NAME};
use mysfits_lab::samples::SAMPLE_FILES;

/// The files `init` wrote.
#[derive(Debug, serde::Serialize)]
pub struct InitResult {
    pub written: Vec<String>,
}

/// What was written is said on stderr.
impl Render for InitResult {}

/// What `init` writes: every file, checked before anything is written, so a refused
/// init leaves no half-made lab.
#[derive(Debug)]
struct InitPlan {
    files: Vec<(&'static str, &'static str)>,
}

impl InitPlan {
    /// `exists`: whether a path is there already; any is a refusal unless `force`.
    fn new(force: bool, exists: impl Fn(&str) -> bool) -> Result<Self, Error> {
        let files: Vec<(&str, &str)> = std::iter::once((DEFAULT_NAME, DEFAULT_MANIFEST))
            .chain(SAMPLE_FILES.iter().copied())
            .collect();
        let existing: Vec<String> = files
            .iter()
            .filter(|(path, _)| exists(path))
            .map(|(path, _)| path.to_string())
            .collect();
        if !existing.is_empty() && !force {
            return Err(Error::FileExists(existing));
        }
        Ok(Self { files })
    }
}

pub fn run(force: bool, printer: &Printer) -> Result<InitResult, Error> {
    let plan = InitPlan::new(force, |path| Path::new(path).exists())?;
    for (path, text) in &plan.files {
        let path = Path::new(path);
        let write = |path: &Path| {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(path, text)
        };
        write(path).map_err(|source| Error::Write {
            path: path.display().to_string(),
            source,
        })?;
    }
    printer.success(&format!(
        "wrote {DEFAULT_NAME} and the apps it builds (examples/monolith-service, examples/like-service)"
    ));
    printer.next("edit it, then set up the lab", "mysfits up");
    Ok(InitResult {
        written: plan
            .files
            .iter()
            .map(|(path, _)| path.to_string())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_the_manifest_and_the_apps_and_refuses_to_overwrite_unless_forced() {
        let plan = InitPlan::new(false, |_| false).unwrap();
        assert_eq!(plan.files[0].0, DEFAULT_NAME);
        assert!(plan.files.len() > 1, "the sample apps too");
        let there = |p: &str| p == DEFAULT_NAME;
        match InitPlan::new(false, there) {
            Err(Error::FileExists(paths)) => assert_eq!(paths, [DEFAULT_NAME]),
            other => panic!("{other:?}"),
        }
        assert!(InitPlan::new(true, there).is_ok());
    }
}
