//! One file per subcommand. Each reads like the lab: a short list of named, idempotent steps.

mod cleanup;
mod cutover;
mod deploy;
mod docs;
mod init;
mod interrupt;
mod lab_service;
mod logs;
mod merge;
mod route;
mod rules;
mod run;
mod shift;
mod split;
mod status;
mod task;
#[cfg(test)]
mod testing;
mod up;

use crate::aws::{self, Aws};
use crate::cli::{AwsArgs, AwsCommand, Command, OutputFormat};
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

pub async fn run(settings: Settings, printer: &Printer) -> Result<(), Error> {
    // Every command returns its result; it is written here, once, as text or JSON.
    let format = settings.output;
    let command = match &settings.command {
        Command::Init(args) => {
            return init::run(args.force, printer).map(|r| printer.render(format, &r))
        }
        Command::Completions(args) => {
            return docs::completions(args.shell).map(|r| printer.render(format, &r))
        }
        Command::Man => return docs::man().map(|r| printer.render(format, &r)),
        Command::Template => {
            let template = docs::Generated {
                kind: "template",
                text: mysfits_lab::template::render(settings.manifest())
                    .trim_end()
                    .to_string(),
            };
            printer.render(format, &template);
            return Ok(());
        }
        Command::Aws(AwsCommand::Route(args)) if args.offline => {
            return route::offline(&settings, &args.path).map(|r| printer.render(format, &r))
        }
        Command::Aws(command) => command,
    };
    if let Some(problem) = &settings.manifest_problem {
        let works = match command {
            AwsCommand::Cleanup(_) => "cleanup finds what the lab owns in AWS alone",
            AwsCommand::Status(_) => "status shows what AWS has",
            _ => "the lab's services are found in AWS, by its tag",
        };
        printer.warn(&format!("the manifest is not valid ({problem}): {works}"));
    }
    let ctx = connect(&settings, command.aws(), printer).await?;
    // `logs --follow` ends on Ctrl-C by design; every other command reports the interrupt.
    if !matches!(command, AwsCommand::Logs(args) if args.follow) {
        interrupt::watch(command, ctx.lab.name(), printer, ctx.reporter.log());
    }
    let result = match command {
        AwsCommand::Up(args) => up::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Status(_) => status::run(&ctx).await.map(|r| printer.render(format, &r)),
        AwsCommand::Split(args) => split::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Shift(args) => shift::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Route(args) => route::live(&ctx, &args.path)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Merge(args) => merge::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Logs(args) => logs::run(&ctx, args)
            .await
            .map(|r| r.iter().for_each(|r| printer.render(format, r))),
        AwsCommand::Run(args) => run::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Deploy(args) => deploy::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Cleanup(args) => cleanup::run(&ctx, args.dry_run)
            .await
            .map(|r| printer.render(format, &r)),
    };
    let (total, mutating) = ctx.aws.calls.summary();
    printer.detail(&format!(
        "api calls: {total} total, {} mutating{}",
        mutating.len(),
        if mutating.is_empty() {
            String::new()
        } else {
            format!(" ({})", mutating.join(", "))
        }
    ));
    result
}

async fn connect<'a>(
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
        let manifest = self.manifest();
        manifest.service(name).ok_or_else(|| Error::UnknownService {
            name: name.to_string(),
            known: manifest.names().join(", "),
        })
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

#[cfg(test)]
mod tests {
    use super::testing::{stack, Fixture};
    use super::*;
    use aws_sdk_cloudformation::types::StackStatus;
    use aws_sdk_cloudformation::Client;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    /// Each command that creates or changes things, run whole against a stack that
    /// moto cannot hold still (mid-delete, rolled back, being changed).
    async fn against(status: StackStatus, command: &str) -> (Result<(), Error>, Vec<String>) {
        let describe =
            mock!(Client::describe_stacks).then_output(move || stack(status.clone(), true));
        let cfn = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, [&describe]);
        let fixture = Fixture::new();
        let ctx = fixture.ctx(cfn, true);
        let line = match command {
            "split" => "split like-service --no-wait",
            "deploy" => "deploy like-service --image nginx:1.27 --no-wait",
            "merge" => "merge like-service",
            "run" => "run like-service --timeout 5",
            _ => unreachable!(),
        };
        let cli = <crate::cli::Cli as clap::Parser>::try_parse_from(
            std::iter::once("mysfits").chain(line.split(' ')),
        )
        .unwrap();
        let Command::Aws(aws_command) = cli.command else {
            panic!("{line} calls AWS")
        };
        let result = match &aws_command {
            AwsCommand::Split(args) => split::run(&ctx, args).await.map(drop),
            AwsCommand::Deploy(args) => deploy::run(&ctx, args).await.map(drop),
            AwsCommand::Merge(args) => merge::run(&ctx, args).await.map(drop),
            AwsCommand::Run(args) => run::run(&ctx, args).await.map(drop),
            _ => unreachable!(),
        };
        assert!(describe.num_calls() >= 1);
        (result, ctx.aws.calls.all())
    }

    #[tokio::test]
    async fn commands_that_change_things_refuse_a_stack_that_is_not_complete() {
        for status in [
            StackStatus::DeleteInProgress,
            StackStatus::RollbackComplete,
            StackStatus::UpdateRollbackFailed,
            StackStatus::UpdateInProgress,
            StackStatus::CreateInProgress,
        ] {
            for command in ["split", "deploy", "merge", "run"] {
                let (result, calls) = against(status.clone(), command).await;
                match result {
                    Err(Error::StackNotReady { status: s, .. }) => {
                        assert_eq!(s.as_str(), status.as_str(), "{command}")
                    }
                    other => panic!("{command} on {status:?}: {other:?}"),
                }
                assert!(
                    calls.is_empty(),
                    "{command} on {status:?} called beyond CloudFormation: {calls:?}"
                );
            }
        }
    }
}
