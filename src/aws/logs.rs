//! CloudWatch Logs: a service's recent lines, from the streams `awslogs` names
//! `<service>/<container>/<task-id>`.

use super::error::{AwsError, NoneIf};
use super::pages::all_pages;
use super::Aws;

#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    #[serde(skip)]
    pub id: String,
    pub timestamp: i64,
    pub stream: String,
    pub message: String,
}

/// An event as a line; without an id (not AWS), the line itself tells events apart.
fn log_line(e: &aws_sdk_cloudwatchlogs::types::FilteredLogEvent) -> LogLine {
    let line = || {
        format!(
            "{:?}/{:?}/{:?}",
            e.timestamp(),
            e.log_stream_name(),
            e.message()
        )
    };
    LogLine {
        id: e.event_id().map(String::from).unwrap_or_else(line),
        timestamp: e.timestamp().unwrap_or_default(),
        stream: e.log_stream_name().unwrap_or_default().to_string(),
        message: e.message().unwrap_or_default().trim_end().to_string(),
    }
}

impl Aws {
    /// Lines of the service's streams (every stream of the group for `None`) since
    /// `start_ms`, oldest first, at most `limit`.
    pub async fn service_logs(
        &self,
        group: &str,
        service: Option<&str>,
        start_ms: i64,
        limit: usize,
    ) -> Result<Vec<LogLine>, AwsError> {
        let prefix = service.map(|s| format!("{s}/")).unwrap_or_default();
        let filter = self
            .logs
            .filter_log_events()
            .log_group_name(group)
            .set_log_stream_name_prefix(service.map(|_| prefix.clone()))
            .start_time(start_ms);
        let lines = all_pages(filter.into_paginator().send(), "read log events", |p| {
            // Filtered here too: moto ignores logStreamNamePrefix (AWS applies it).
            p.events()
                .iter()
                .filter(|e| e.log_stream_name().is_some_and(|s| s.starts_with(&prefix)))
                .map(log_line)
                .collect()
        });
        let mut lines = lines
            .await
            .none_if(|e| e.is_code("ResourceNotFoundException"))?
            .unwrap_or_default();
        lines.sort_by_key(|l| l.timestamp);
        let skip = lines.len().saturating_sub(limit);
        Ok(lines.split_off(skip))
    }
}
