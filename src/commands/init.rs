//! `mysfits init`: write the built-in manifest out for editing, with the sample apps it
//! builds, so that the lab works from this directory with no checkout of the repository;
//! or, with `--from-compose`, a manifest from the user's own compose file.

mod plan;

use std::path::{Path, PathBuf};

use crate::cli::InitArgs;
use crate::error::Error;
use crate::output::{Printer, Render};
use mysfits_lab::compose::relative;
use mysfits_lab::manifest::DEFAULT_NAME;
use plan::InitPlan;

/// The files `init` wrote, and what a compose file had that the manifest does not hold.
#[derive(Debug, serde::Serialize)]
pub struct InitResult {
    pub written: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_carried_over: Vec<String>,
}

/// What was written is said on stderr.
impl Render for InitResult {}

pub fn run(
    args: &InitArgs,
    manifest: Option<&Path>,
    printer: &Printer,
) -> Result<InitResult, Error> {
    let plan = match &args.from_compose {
        None => InitPlan::built_in(args.force, |path| Path::new(path).exists())?,
        Some(compose) => {
            let manifest = manifest.unwrap_or(Path::new(DEFAULT_NAME));
            let text = std::fs::read_to_string(compose).map_err(|reason| Error::ComposeRead {
                path: compose.display().to_string(),
                reason,
            })?;
            InitPlan::from_compose(
                &text,
                compose,
                manifest,
                &build_prefix(compose, manifest),
                args.force,
                manifest.exists(),
            )?
        }
    };
    write(&plan)?;
    match &plan.compose {
        None => {
            printer.success(&format!(
                "wrote {DEFAULT_NAME} and the apps it builds (examples/monolith-service, examples/like-service, examples/clicks-service)"
            ));
            printer.next("edit it, then set up the lab", "mysfits up");
        }
        Some(mapped) => {
            // One line per item, as `ecs-cli compose` said what it skipped.
            for line in &mapped.dropped {
                printer.warn(line);
            }
            printer.success(&format!(
                "wrote {} from {}: {} on the default route",
                plan.files[0].0,
                args.from_compose
                    .as_deref()
                    .unwrap_or(Path::new(""))
                    .display(),
                mapped.default_service
            ));
            // The commands name a manifest that is not where they look by default.
            let flag = manifest
                .filter(|m| *m != Path::new(DEFAULT_NAME))
                .map(|m| format!(" --manifest {}", m.display()))
                .unwrap_or_default();
            printer.next("set up the lab", &format!("mysfits up{flag}"));
            for service in &mapped.unrouted {
                printer.next(
                    &format!(
                        "{service} is not routed until you split it out with the paths it serves"
                    ),
                    &format!("mysfits split {service} --path PATTERN{flag}"),
                );
            }
        }
    }
    Ok(InitResult {
        written: plan.files.into_iter().map(|(path, _)| path).collect(),
        not_carried_over: plan.compose.map(|c| c.dropped).unwrap_or_default(),
    })
}

fn write(plan: &InitPlan) -> Result<(), Error> {
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
    Ok(())
}

/// The compose file's directory as seen from the manifest's: compose build contexts are
/// relative to the one, the manifest's to the other.
fn build_prefix(compose: &Path, manifest: &Path) -> PathBuf {
    let dir = |p: &Path| {
        std::path::absolute(p)
            .ok()
            .and_then(|a| a.parent().map(Path::to_path_buf))
            .unwrap_or_default()
    };
    relative(&dir(manifest), &dir(compose))
}
