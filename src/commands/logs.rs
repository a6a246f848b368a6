//! `mysfits logs`: a service's (or every service's) recent log lines on stdout, newest
//! last, each with its `service/task` prefix; `--follow` keeps printing new ones until
//! Ctrl-C, as `aws logs tail --follow` does.

use std::collections::HashSet;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::aws::logs::LogLine;
use crate::cli::OutputFormat;
use crate::commands::steps::lab_service;
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;

/// How often `--follow` asks for new lines (FilterLogEvents allows 25 calls a second).
const FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// The lines printed, oldest first.
#[derive(Debug, serde::Serialize)]
#[serde(transparent)]
pub struct LogsResult(Vec<LogLine>);

impl Render for LogsResult {
    fn text(&self) -> String {
        self.0.iter().map(line).collect::<Vec<_>>().join("\n")
    }
}

/// What `logs` asks for, as plain values: the clap arguments stop here.
#[derive(Debug, Clone, PartialEq)]
struct LogsPlan {
    /// One service's lines; `None`: every service's.
    service: Option<String>,
    follow: bool,
    since_secs: u64,
    /// The first moment asked for, in ms since the epoch.
    start_ms: i64,
    limit: usize,
}

impl LogsPlan {
    fn new(args: &crate::cli::LogsArgs, now_ms: i64) -> Self {
        Self {
            service: args.service.clone(),
            follow: args.follow,
            since_secs: args.since,
            start_ms: now_ms - (args.since as i64) * 1000,
            limit: args.limit,
        }
    }

    /// Whose lines, for the notes: the service's, or `all` (the lab's, every service).
    fn whose<'a>(&'a self, all: &'a str) -> &'a str {
        self.service.as_deref().unwrap_or(all)
    }
}

/// `None` with `--follow`: its lines were printed as they came (JSON: one object a line).
pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::LogsArgs) -> Result<Option<LogsResult>, Error> {
    let plan = LogsPlan::new(args, now_ms());
    // The manifest's, or the lab's ECS service (by its tag): the manifest is not needed.
    if let Some(name) = &plan.service {
        lab_service::find(ctx, name).await?;
    }
    let service = plan.service.as_deref();
    let outputs = ctx.outputs().await?;
    let group = outputs.log_group_name.as_str();
    let mut start = plan.start_ms;
    let lines = ctx
        .aws
        .service_logs(group, service, start, plan.limit)
        .await?;
    if !plan.follow {
        if lines.is_empty() {
            ctx.printer.note(&format!(
                "no log lines from {} in the last {}s (its tasks write to {group})",
                plan.whose("the lab's services"),
                plan.since_secs
            ));
        }
        return Ok(Some(LogsResult(lines)));
    }

    ctx.printer.note(&format!(
        "following {} in {group}; Ctrl-C stops",
        plan.whose("every service")
    ));
    let mut seen: HashSet<String> = HashSet::new();
    let mut batch = lines;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        for l in &batch {
            if seen.insert(l.id.clone()) {
                print(ctx, l);
            }
        }
        // Ask again from the newest line seen: lines of the same millisecond come back
        // and are told apart by their event id.
        start = batch.last().map_or(start, |l| l.timestamp);
        tokio::select! {
            _ = &mut ctrl_c => return Ok(None),
            _ = tokio::time::sleep(FOLLOW_EVERY) => {}
        }
        batch = ctx
            .aws
            .service_logs(group, service, start, usize::MAX)
            .await?;
    }
}

fn print(ctx: &Ctx<'_>, l: &LogLine) {
    if ctx.output == OutputFormat::Json {
        ctx.printer
            .data(&serde_json::to_string(l).expect("line serializes"));
        return;
    }
    ctx.printer.data(&line(l));
}

fn line(l: &LogLine) -> String {
    format!("{} {} {}", iso(l.timestamp), prefix(&l.stream), l.message)
}

/// `like-service/1a2b3c4d` from the stream `like-service/like-service/1a2b3c4d…`
/// (awslogs names streams `<prefix>/<container>/<task-id>`).
fn prefix(stream: &str) -> String {
    let service = stream.split('/').next().unwrap_or(stream);
    let task = mysfits_lab::arn::tail(stream);
    format!("{service}/{}", &task[..task.len().min(8)])
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// Milliseconds since the epoch as RFC 3339 UTC, to the second.
fn iso(ms: i64) -> String {
    let t = UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::{iso, prefix, LogsPlan};
    use clap::Parser;

    fn plan(line: &str) -> LogsPlan {
        let cli = crate::cli::Cli::try_parse_from(line.split(' ')).unwrap();
        let crate::cli::Command::Aws(crate::cli::AwsCommand::Logs(args)) = cli.command else {
            panic!("{line} is logs")
        };
        LogsPlan::new(&args, 1_000_000)
    }

    #[test]
    fn the_plan_starts_since_seconds_ago_for_one_service_or_all() {
        let all = plan("mysfits logs --since 60s");
        assert_eq!((all.start_ms, all.service.as_deref()), (940_000, None));
        assert_eq!(all.whose("every service"), "every service");
        let one = plan("mysfits logs like-service --follow");
        assert!(one.follow);
        assert_eq!(one.whose("every service"), "like-service");
    }

    #[test]
    fn timestamps_print_as_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn lines_are_prefixed_with_service_and_task() {
        assert_eq!(
            prefix("like-service/like-service/0123456789abcdef"),
            "like-service/01234567"
        );
    }
}
