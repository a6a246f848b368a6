//! The dispatch: one file per subcommand, each a plan made offline and then a short list
//! of named steps; the steps two commands share are in `steps/`, the context in `ctx.rs`.
//! No command imports another (a test below reads their `use` lines).

mod attach;
mod cleanup;
mod clicks;
pub mod ctx;
mod deploy;
mod docs;
mod init;
mod logs;
mod merge;
mod route;
mod run;
mod shift;
mod split;
mod status;
pub mod steps;
mod up;

pub use ctx::Ctx;

use crate::cli::{AwsCommand, Command};
use crate::error::Error;
use crate::output::Printer;
use crate::settings::Settings;
use ctx::connect;
use steps::interrupt;

pub async fn run(settings: Settings, printer: &Printer) -> Result<(), Error> {
    // Every command returns its result; it is written here, once, as text or JSON.
    let format = settings.output;
    let command = match &settings.command {
        Command::Init(args) => {
            return init::run(args, settings.manifest_path.as_deref(), printer)
                .map(|r| printer.render(format, &r))
        }
        Command::Completions(args) => {
            return docs::generate(docs::DocsPlan::Completions(args.shell))
                .map(|r| printer.render(format, &r))
        }
        Command::Man => {
            return docs::generate(docs::DocsPlan::Man).map(|r| printer.render(format, &r))
        }
        Command::Template => {
            return docs::generate(docs::DocsPlan::Template(settings.manifest()))
                .map(|r| printer.render(format, &r))
        }
        Command::Aws(AwsCommand::Route(args)) if args.offline => {
            return route::offline(&settings, args).map(|r| printer.render(format, &r))
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
        AwsCommand::Attach(args) => attach::run(&ctx, args, settings.manifest_path.as_deref())
            .await
            .map(|r| printer.render(format, &r)),
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
        AwsCommand::Route(args) => route::live(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Merge(args) => merge::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
        AwsCommand::Logs(args) => logs::run(&ctx, args)
            .await
            .map(|r| r.iter().for_each(|r| printer.render(format, r))),
        AwsCommand::Clicks(args) => clicks::run(&ctx, args)
            .await
            .map(|r| printer.render(format, &r)),
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

#[cfg(test)]
mod tests {
    use super::ctx::testing::{stack, Fixture};
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

    /// The command modules: one file each in `src/commands/` (beside `mod.rs` and
    /// `ctx.rs`), with any files of their own (`split/plan.rs`): (command, file, source).
    fn command_files() -> Vec<(String, String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands");
        let mut files = Vec::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            if ["mod", "ctx", "steps"].contains(&stem.as_str()) {
                continue;
            }
            let sources = if path.is_dir() {
                std::fs::read_dir(&path)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect()
            } else {
                vec![path]
            };
            for source in sources {
                let file = source.strip_prefix(&dir).unwrap().display().to_string();
                let text = std::fs::read_to_string(&source).unwrap();
                files.push((stem.clone(), file, text));
            }
        }
        files.sort();
        files
    }

    /// The modules a source names after `commands::` or `super::`, group imports opened.
    fn named_modules(source: &str) -> Vec<String> {
        let mut named = Vec::new();
        for prefix in ["commands::", "super::"] {
            for (at, _) in source.match_indices(prefix) {
                let rest = &source[at + prefix.len()..];
                let idents = match rest.strip_prefix('{') {
                    Some(group) => group[..group.find('}').unwrap_or(group.len())]
                        .split(',')
                        .map(|i| i.trim().split("::").next().unwrap_or("").to_string())
                        .collect(),
                    None => vec![rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect()],
                };
                named.extend(idents);
            }
        }
        named
    }

    #[test]
    fn no_command_imports_another_and_no_step_imports_a_command() {
        let files = command_files();
        let mut commands: Vec<&str> = files.iter().map(|(c, _, _)| c.as_str()).collect();
        commands.dedup();
        assert!(commands.contains(&"split") && commands.contains(&"deploy"));
        assert!(files.iter().any(|(_, f, _)| f == "split/plan.rs"));
        assert!(
            !commands.contains(&"cutover"),
            "shared steps live in steps/"
        );
        let steps_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/commands/steps");
        let steps = std::fs::read_dir(steps_dir).unwrap().map(|e| {
            let p = e.unwrap().path();
            let name = format!("steps/{}", p.file_name().unwrap().to_string_lossy());
            (String::new(), name, std::fs::read_to_string(&p).unwrap())
        });
        let mut found = Vec::new();
        for (command, file, source) in files.iter().cloned().chain(steps) {
            for module in named_modules(&source) {
                // `super::` in a command's own file (`split/plan.rs`) is the command itself.
                if module != command && commands.contains(&module.as_str()) {
                    found.push(format!("{file} imports {module}"));
                }
            }
        }
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn the_import_check_sees_plain_grouped_and_inline_paths() {
        let source =
            "use crate::commands::{rules, deploy::x, Ctx};\nlet w = super::shift::next(1);";
        assert_eq!(named_modules(source), ["rules", "deploy", "Ctx", "shift"]);
    }
}
