//! What every AWS command works with: the clients, the lab, its manifest, the printer,
//! and the reads and questions every command shares.

#[cfg(test)]
pub mod testing;

use crate::aws::{self, Aws};
use crate::cli::{AwsArgs, OutputFormat};
use crate::error::Error;
use crate::output::{Printer, TermReporter};
use crate::settings::Settings;
use mysfits_lab::manifest::Manifest;
use mysfits_lab::names::Lab;

/// What every AWS command works with.
pub struct Ctx<'a> {
    pub aws: Aws,
    pub lab: &'a Lab,
    /// `None` for `status` and `cleanup`, which work from AWS alone (and for `logs`,
    /// `route`, `run` when it is broken: they find services in AWS).
    pub manifest: Option<&'a Manifest>,
    /// What chose the region, for errors that say where they looked.
    pub region_from: String,
    pub printer: &'a Printer,
    pub reporter: TermReporter,
    pub output: OutputFormat,
    pub yes: bool,
}

impl Ctx<'_> {
    /// Where this command looks: the region, what chose it, the account, any endpoint.
    pub async fn place(&self) -> crate::aws::config::Place {
        crate::aws::config::Place {
            region: self.aws.region.clone(),
            region_from: self.region_from.clone(),
            account: self.aws.account().await,
            endpoint: self.aws.endpoint.clone(),
        }
    }

    /// The lab is not where this command looked: the error names the place.
    pub async fn not_set_up(&self) -> Error {
        Error::NotSetUp {
            lab: self.lab.to_string(),
            place: self.place().await,
        }
    }

    /// Destructive commands ask first: `--yes` skips the question, no terminal refuses,
    /// otherwise the user's answer decides. `command` names it in the error (`cleanup`).
    pub fn confirm(&self, command: &str, question: &str) -> Result<(), Error> {
        if self.yes {
            return Ok(());
        }
        if !self.printer.interactive() {
            return Err(Error::NotConfirmed(command.to_string()));
        }
        match self.printer.confirm(question) {
            crate::output::Answer::Yes => Ok(()),
            crate::output::Answer::No => Err(Error::Declined(command.to_string())),
            crate::output::Answer::Interrupted => {
                Err(Error::InterruptedAtQuestion(command.to_string()))
            }
        }
    }

    /// A `next:` line whose command targets this lab (`--lab` kept when not the default).
    pub fn next(&self, what: &str, command: &str) {
        let flag = mysfits_lab::names::lab_flag(self.lab.name());
        self.printer.next(what, &format!("{command}{flag}"));
    }
}

pub async fn connect<'a>(
    settings: &'a Settings,
    args: &AwsArgs,
    printer: &'a Printer,
) -> Result<Ctx<'a>, Error> {
    let config = aws::config::load(args).await?;
    let calls = if printer.verbosity() >= crate::output::Verbosity::Verbose {
        let printer = printer.clone();
        aws::ApiCalls::observed(std::sync::Arc::new(move |call: &aws::calls::Call| {
            printer.detail(&format!(
                "  aws {} {} ms{}{}",
                call.operation,
                call.took.as_millis(),
                match call.attempts {
                    0 | 1 => String::new(),
                    n => format!(", {n} attempts"),
                },
                if call.ok { "" } else { ", failed" }
            ))
        }))
    } else {
        aws::ApiCalls::default()
    };
    Ok(Ctx {
        aws: Aws::observed(&config, calls),
        lab: &settings.lab,
        manifest: settings.manifest.as_ref(),
        region_from: aws::config::region_source(args),
        printer,
        reporter: TermReporter::new(printer),
        output: settings.output,
        yes: settings.yes,
    })
}

impl<'a> Ctx<'a> {
    /// A service of the manifest, or an error naming the ones there are.
    pub fn service(&self, name: &str) -> Result<&'a mysfits_lab::manifest::Service, Error> {
        service_in(self.manifest(), name)
    }

    /// The manifest, which every command but `status` and `cleanup` (and `logs`, `route`,
    /// `run` when it is broken) has loaded.
    pub fn manifest(&self) -> &'a Manifest {
        self.manifest
            .expect("loaded for every command but init, status and cleanup")
    }

    /// The lab's stack, complete, with every output: the base of every command after `up`.
    pub async fn outputs(&self) -> Result<mysfits_lab::outputs::StackOutputs, Error> {
        self.read_outputs(false).await
    }

    /// The outputs of a stack that commands which create or change things may build on:
    /// nothing is made in a stack being deleted, rolled back or changed by someone else.
    pub async fn outputs_for_change(&self) -> Result<mysfits_lab::outputs::StackOutputs, Error> {
        self.read_outputs(true).await
    }

    async fn read_outputs(
        &self,
        for_change: bool,
    ) -> Result<mysfits_lab::outputs::StackOutputs, Error> {
        let Some(stack) = self.aws.describe_stack(self.lab.stack()).await? else {
            return Err(self.not_set_up().await);
        };
        if for_change && !stack.status.usable() {
            return Err(Error::StackNotReady {
                stack: stack.name,
                status: stack.status,
            });
        }
        Ok(mysfits_lab::outputs::StackOutputs::read(stack.outputs)?)
    }
}

/// A service of `manifest`, or an error naming the ones there are (for plans, offline).
pub fn service_in<'m>(
    manifest: &'m Manifest,
    name: &str,
) -> Result<&'m mysfits_lab::manifest::Service, Error> {
    manifest.service(name).ok_or_else(|| Error::UnknownService {
        name: name.to_string(),
        known: manifest.names().join(", "),
    })
}

/// A service of `manifest` split out by path: the default one is refused with the
/// command's own error (`merge`, `shift`).
pub fn routed_service<'m>(
    manifest: &'m Manifest,
    name: &str,
    default: fn(String) -> Error,
) -> Result<&'m mysfits_lab::manifest::Service, Error> {
    let service = service_in(manifest, name)?;
    if service.route == mysfits_lab::manifest::Route::Default {
        return Err(default(name.to_string()));
    }
    Ok(service)
}
