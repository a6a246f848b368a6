//! Arguments turned, once, into validated settings: every name is checked against AWS
//! limits here, before any API call.

use crate::cli::{AwsCommand, Cli, Command, GlobalArgs, OutputFormat, RouteArgs, RunArgs};
use crate::error::Error;
use crate::output::Verbosity;
use mysfits_lab::manifest::{Manifest, Route};
use mysfits_lab::names::Lab;

pub struct Settings {
    pub lab: Lab,
    /// `None` for `init` (which must work when the current manifest is broken), for
    /// `status` and `cleanup`, which work from AWS alone, and when it is broken for
    /// `logs`, `route` and `run`, which find services in AWS too.
    pub manifest: Option<Manifest>,
    /// Why the manifest is not valid, for `status` and `cleanup` to warn about: a typo
    /// must never stop anyone from seeing or deleting a lab that bills.
    pub manifest_problem: Option<Error>,
    /// `--manifest` as given: where `init --from-compose` writes.
    pub manifest_path: Option<std::path::PathBuf>,
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
        let load = || -> Result<Manifest, Error> {
            let manifest = Manifest::load(cli.global.manifest.as_deref())?;
            for service in &manifest.services {
                if service.route != Route::Default {
                    lab.target_group(&service.name)?;
                }
            }
            Ok(manifest)
        };
        let (manifest, manifest_problem) = match cli.command {
            Command::Init(_) | Command::Completions(_) | Command::Man => (None, None),
            // It writes the manifest: the one there is, if any, is not read.
            Command::Aws(AwsCommand::Attach(_)) => (None, None),
            // Loaded only to warn: with or without a valid manifest they see the same.
            Command::Aws(AwsCommand::Status(_) | AwsCommand::Cleanup(_)) => (None, load().err()),
            // They find a service the manifest lacks in AWS, by the lab's tag: a broken
            // manifest is a warning. (`route --offline` and `run --tag` need it whole.)
            Command::Aws(AwsCommand::Logs(_))
            | Command::Aws(AwsCommand::Route(RouteArgs { offline: false, .. }))
            | Command::Aws(AwsCommand::Run(RunArgs { tag: None, .. })) => match load() {
                Ok(m) => (Some(m), None),
                Err(e) => (None, Some(e)),
            },
            _ => (Some(load()?), None),
        };
        Ok(Self {
            lab,
            manifest,
            manifest_problem,
            manifest_path: cli.global.manifest.clone(),
            output: cli.global.output,
            yes: cli.global.yes,
            command: cli.command,
        })
    }

    pub fn manifest(&self) -> &Manifest {
        self.manifest
            .as_ref()
            .expect("loaded for every command but init, status and cleanup")
    }
}
