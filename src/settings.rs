//! Arguments turned, once, into validated settings: every name is checked against AWS
//! limits here, before any API call.

use crate::cli::{Cli, Command, GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::lab::manifest::{Manifest, Route};
use crate::lab::names::Lab;
use crate::output::Verbosity;

pub struct Settings {
    pub lab: Lab,
    /// `None` only for `init`, which must work even when the current manifest is broken.
    pub manifest: Option<Manifest>,
    pub output: OutputFormat,
    pub yes: bool,
    pub command: Command,
}

pub fn verbosity(global: &GlobalArgs) -> Verbosity {
    if global.quiet {
        Verbosity::Quiet
    } else if global.verbose {
        Verbosity::Verbose
    } else {
        Verbosity::Normal
    }
}

impl Settings {
    pub fn from_cli(cli: Cli) -> Result<Self, Error> {
        let lab = Lab::parse(&cli.global.lab)?;
        let manifest = match cli.command {
            Command::Init { .. } | Command::Completions { .. } | Command::Man => None,
            _ => {
                let manifest = Manifest::load(cli.global.manifest.as_deref())?;
                for service in &manifest.services {
                    if matches!(service.route, Route::Paths(_)) {
                        lab.target_group(&service.name)?;
                    }
                }
                Some(manifest)
            }
        };
        Ok(Self {
            lab,
            manifest,
            output: cli.global.output,
            yes: cli.global.yes,
            command: cli.command,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        self.manifest
            .as_ref()
            .expect("loaded for every command but init")
    }
}
