//! What `init` writes: every file, checked before anything is written, so a refused init
//! leaves no half-made lab.

use std::path::Path;

use crate::error::Error;
use mysfits_lab::compose::{self, FromCompose};
use mysfits_lab::manifest::{DEFAULT_MANIFEST, DEFAULT_NAME};
use mysfits_lab::samples::SAMPLE_FILES;

#[derive(Debug)]
pub(super) struct InitPlan {
    pub files: Vec<(String, String)>,
    /// With `--from-compose`: what it maps to, and what it could not carry over.
    pub compose: Option<FromCompose>,
}

impl InitPlan {
    /// The built-in lab. `exists`: whether a path is there already; any is a refusal
    /// unless `force`.
    pub fn built_in(force: bool, exists: impl Fn(&str) -> bool) -> Result<Self, Error> {
        let files: Vec<(String, String)> = std::iter::once((DEFAULT_NAME, DEFAULT_MANIFEST))
            .chain(SAMPLE_FILES.iter().copied())
            .map(|(p, t)| (p.to_string(), t.to_string()))
            .collect();
        let existing: Vec<String> = files
            .iter()
            .filter(|(path, _)| exists(path))
            .map(|(path, _)| path.clone())
            .collect();
        if !existing.is_empty() && !force {
            return Err(Error::FileExists(existing));
        }
        Ok(Self {
            files,
            compose: None,
        })
    }

    /// The manifest mapped from a compose file's `text`. `compose_path` and `manifest`
    /// are as given; `build_prefix` is the compose file's directory seen from the
    /// manifest's.
    pub fn from_compose(
        text: &str,
        compose_path: &Path,
        manifest: &Path,
        build_prefix: &Path,
        force: bool,
        exists: bool,
    ) -> Result<Self, Error> {
        let mapped =
            compose::from_compose(text, &compose_path.display().to_string(), build_prefix)?;
        if exists && !force {
            let mut rerun = format!("mysfits init --from-compose {}", compose_path.display());
            if manifest != Path::new(DEFAULT_NAME) {
                rerun.push_str(&format!(" --manifest {}", manifest.display()));
            }
            return Err(Error::ManifestExists {
                path: manifest.display().to_string(),
                rerun,
            });
        }
        Ok(Self {
            files: vec![(manifest.display().to_string(), mapped.manifest.clone())],
            compose: Some(mapped),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn init_writes_the_manifest_and_the_apps_and_refuses_to_overwrite_unless_forced() {
        let plan = InitPlan::built_in(false, |_| false).unwrap();
        assert_eq!(plan.files[0].0, DEFAULT_NAME);
        assert!(plan.files.len() > 1, "the sample apps too");
        let there = |p: &str| p == DEFAULT_NAME;
        match InitPlan::built_in(false, there) {
            Err(Error::FileExists(paths)) => assert_eq!(paths, [DEFAULT_NAME]),
            other => panic!("{other:?}"),
        }
        assert!(InitPlan::built_in(true, there).is_ok());
    }

    #[test]
    fn from_compose_writes_only_the_manifest_and_refuses_to_overwrite_unless_forced() {
        let text = "services:\n  web:\n    build: .\n";
        let plan = |manifest: &str, force, exists| {
            InitPlan::from_compose(
                text,
                Path::new("compose.yml"),
                Path::new(manifest),
                Path::new("."),
                force,
                exists,
            )
        };
        let ok = plan("lab.yaml", false, false).unwrap();
        assert_eq!(ok.files.len(), 1);
        assert_eq!(ok.files[0].0, "lab.yaml");
        match plan("lab.yaml", false, true) {
            Err(Error::ManifestExists { path, rerun }) => {
                assert_eq!(path, "lab.yaml");
                assert_eq!(
                    rerun,
                    "mysfits init --from-compose compose.yml --manifest lab.yaml"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(plan(DEFAULT_NAME, true, true).is_ok());
    }
}
