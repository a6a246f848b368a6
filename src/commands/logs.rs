//! `mysfits logs`: a service's recent log lines (data on stdout), newest last.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::cli::OutputFormat;
use crate::commands::Ctx;
use crate::error::Error;

pub async fn run(ctx: &Ctx<'_>, name: &str, since_secs: u64, limit: usize) -> Result<(), Error> {
    let service = ctx.service(name)?;
    let outputs = ctx.outputs().await?;
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    let start = now_ms - (since_secs as i64) * 1000;
    let lines = ctx
        .aws
        .service_logs(outputs.get("LogGroupName")?, &service.name, start, limit)
        .await?;
    if ctx.output == OutputFormat::Json {
        ctx.printer
            .data(&serde_json::to_string_pretty(&lines).expect("lines serialize"));
        return Ok(());
    }
    if lines.is_empty() {
        ctx.printer.note(&format!(
            "no log lines from {} in the last {since_secs}s (its tasks write to {})",
            service.name,
            outputs.get("LogGroupName")?
        ));
    }
    for l in &lines {
        // The task id is the stream's last part: enough to tell tasks apart.
        let task = l.stream.rsplit('/').next().unwrap_or(&l.stream);
        let short = &task[..task.len().min(8)];
        ctx.printer
            .data(&format!("{} {short} {}", iso(l.timestamp), l.message));
    }
    Ok(())
}

/// Milliseconds since the epoch as RFC 3339 UTC, to the second.
fn iso(ms: i64) -> String {
    let t = UNIX_EPOCH + std::time::Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_seconds(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::iso;

    #[test]
    fn timestamps_print_as_utc() {
        assert_eq!(iso(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso(1_700_000_000_000), "2023-11-14T22:13:20Z");
    }
}
