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
impl Render for InitResult {
    fn text(&self) -> String {
        String::new()
    }
}

pub fn run(force: bool, printer: &Printer) -> Result<InitResult, Error> {
    let files: Vec<(&str, &str)> = std::iter::once((DEFAULT_NAME, DEFAULT_MANIFEST))
        .chain(SAMPLE_FILES.iter().copied())
        .collect();
    // All checked before anything is written: a refused init leaves no half-made lab.
    let existing: Vec<String> = files
        .iter()
        .filter(|(path, _)| Path::new(path).exists())
        .map(|(path, _)| path.to_string())
        .collect();
    if !existing.is_empty() && !force {
        return Err(Error::FileExists(existing));
    }
    for (path, text) in &files {
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
        written: files.iter().map(|(path, _)| path.to_string()).collect(),
    })
}
