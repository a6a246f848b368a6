//! CloudWatch metrics: the sum of one metric over a window, for the cut-over's watch.

use std::time::SystemTime;

use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, Statistic};

use super::error::{Answer, AwsError};
use super::Aws;

/// One metric over a window: its namespace, name and dimensions (name, value).
#[derive(Debug, Clone)]
pub struct MetricWindow<'a> {
    pub namespace: &'a str,
    pub metric: &'a str,
    pub dimensions: &'a [(&'a str, &'a str)],
    pub start: SystemTime,
    pub end: SystemTime,
    pub period: i32,
}

impl Aws {
    /// The metric's Sum over the window; `None` when CloudWatch has no datapoint in it
    /// (no traffic, or no data plane publishing), which callers read as "no data".
    pub async fn metric_sum(&self, w: &MetricWindow<'_>) -> Result<Option<f64>, AwsError> {
        let call = self
            .cloudwatch
            .get_metric_statistics()
            .namespace(w.namespace)
            .metric_name(w.metric)
            .set_dimensions(Some(
                w.dimensions
                    .iter()
                    .map(|(name, value)| Dimension::builder().name(*name).value(*value).build())
                    .collect(),
            ))
            .start_time(DateTime::from(w.start))
            .end_time(DateTime::from(w.end))
            .period(w.period)
            .statistics(Statistic::Sum);
        let out = call
            .send()
            .answer("get CloudWatch metric statistics")
            .await?;
        let points = out.datapoints();
        if points.is_empty() {
            return Ok(None);
        }
        Ok(Some(points.iter().filter_map(|p| p.sum()).sum()))
    }
}
