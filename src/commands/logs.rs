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

/// `None` with `--follow`: its lines were printed as they came (JSON: one object a line).
pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::LogsArgs) -> Result<Option<LogsResult>, Error> {
    let (name, follow, since_secs, limit) =
        (args.service.as_deref(), args.follow, args.since, args.limit);
    // The manifest's, or the lab's ECS service (by its tag): the manifest is not needed.
    if let Some(name) = name {
        lab_service::find(ctx, name).await?;
    }
    let service = name;
    let outputs = ctx.outputs().await?;
    let group = outputs.log_group_name.as_str();
    let mut start = now_ms() - (since_secs as i64) * 1000;
    let lines = ctx.aws.service_logs(group, service, start, limit).await?;
    if !follow {
        if lines.is_empty() {
            ctx.printer.note(&format!(
                "no log lines from {} in the last {since_secs}s (its tasks write to {group})",
                service.unwrap_or("the lab's services")
            ));
        }
        return Ok(Some(LogsResult(lines)));
    }

    ctx.printer.note(&format!(
        "following {} in {group}; Ctrl-C stops",
        service.unwrap_or("every service")
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
    use super::{iso, prefix};

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
