//! CloudWatch Logs: a service's recent lines, from the streams `awslogs` names
//! `<service>/<container>/<task-id>`.

use super::error::{map, AwsError};
use super::Aws;

#[derive(Debug, Clone, serde::Serialize)]
pub struct LogLine {
    #[serde(skip)]
    pub id: String,
    pub timestamp: i64,
    pub stream: String,
    pub message: String,
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
        let mut lines = Vec::new();
        let prefix = service.map(|s| format!("{s}/")).unwrap_or_default();
        let mut pages = self
            .logs
            .filter_log_events()
            .log_group_name(group)
            .set_log_stream_name_prefix(service.map(|_| prefix.clone()))
            .start_time(start_ms)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = match page.map_err(map("read log events")) {
                Ok(p) => p,
                Err(e) if e.is_code("ResourceNotFoundException") => return Ok(vec![]),
                Err(e) => return Err(e),
            };
            // Filtered here too: moto ignores logStreamNamePrefix (AWS applies it).
            lines.extend(
                page.events()
                    .iter()
                    .filter(|e| e.log_stream_name().is_some_and(|s| s.starts_with(&prefix)))
                    .map(|e| LogLine {
                        // Without an id (not AWS), the line itself tells events apart.
                        id: e.event_id().map(String::from).unwrap_or_else(|| {
                            format!(
                                "{:?}/{:?}/{:?}",
                                e.timestamp(),
                                e.log_stream_name(),
                                e.message()
                            )
                        }),
                        timestamp: e.timestamp().unwrap_or_default(),
                        stream: e.log_stream_name().unwrap_or_default().to_string(),
                        message: e.message().unwrap_or_default().trim_end().to_string(),
                    }),
            );
        }
        lines.sort_by_key(|l| l.timestamp);
        let skip = lines.len().saturating_sub(limit);
        Ok(lines.split_off(skip))
    }
}
