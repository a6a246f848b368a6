//! `mysfits clicks`: how many profile clicks the clickstream has delivered to its bucket,
//! and the latest few, as the clicks-service enriched them.

use serde::{Deserialize, Serialize};

use crate::commands::Ctx;
use crate::error::Error;
use crate::output::table::table;
use crate::output::Render;

#[derive(Debug, Serialize)]
pub struct ClicksReport {
    stream: String,
    bucket: String,
    /// Objects Firehose wrote (one per buffering interval with clicks in it).
    objects: usize,
    records: usize,
    /// The newest last, at most `--last` of them.
    latest: Vec<Click>,
    /// Lines that are not a click record (written by something else).
    #[serde(skip_serializing_if = "is_zero")]
    unreadable: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// One record, as the clicks-service writes it (one JSON object a line).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Click {
    mysfit_id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    species: Option<String>,
    #[serde(default)]
    goodevil: Option<String>,
    #[serde(default)]
    lawchaos: Option<String>,
    #[serde(default)]
    clicked_at: Option<String>,
    /// When its object reached the bucket (S3's last-modified time): filled in here.
    #[serde(default)]
    delivered_at: Option<String>,
}

/// Every record of the objects (body, delivery time), in key order (Firehose's keys sort
/// by time), and how many lines were not one.
fn parse(objects: &[(Vec<u8>, Option<String>)]) -> (Vec<Click>, usize) {
    let mut clicks = Vec::new();
    let mut unreadable = 0;
    for (body, delivered_at) in objects {
        for line in String::from_utf8_lossy(body).lines() {
            if line.trim().is_empty() {
                continue;
            }
            match serde_json::from_str::<Click>(line) {
                Ok(click) => clicks.push(Click {
                    delivered_at: delivered_at.clone(),
                    ..click
                }),
                Err(_) => unreadable += 1,
            }
        }
    }
    (clicks, unreadable)
}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::ClicksArgs) -> Result<ClicksReport, Error> {
    let outputs = ctx.outputs().await?;
    let modern = outputs.modern()?;
    let bucket = &modern.clicks_bucket;
    let keys: Vec<(String, Option<String>)> = ctx
        .aws
        .object_times(bucket)
        .await?
        .ok_or_else(|| Error::ClicksBucketMissing(bucket.clone()))?
        .into_iter()
        // Firehose's failed deliveries go under errors/: they are not clicks.
        .filter(|(k, _)| !k.starts_with("errors/"))
        .collect();
    let mut objects = Vec::with_capacity(keys.len());
    for (key, time) in &keys {
        objects.push((ctx.aws.get_object(bucket, key).await?, time.clone()));
    }
    let (clicks, unreadable) = parse(&objects);
    let records = clicks.len();
    let latest = clicks[records.saturating_sub(args.last)..].to_vec();
    Ok(ClicksReport {
        stream: modern.clicks_stream.clone(),
        bucket: bucket.clone(),
        objects: keys.len(),
        records,
        latest,
        unreadable,
    })
}

impl Render for ClicksReport {
    fn text(&self) -> String {
        let r = self;
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut out = vec![format!(
            "{} in {} of s3://{} (stream {})",
            plural(r.records, "click record", "click records"),
            plural(r.objects, "object", "objects"),
            r.bucket,
            r.stream
        )];
        if r.unreadable > 0 {
            out.push(format!(
                "{} not a click record",
                plural(r.unreadable, "line is", "lines are")
            ));
        }
        if !r.latest.is_empty() {
            let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
            out.push(String::new());
            out.push(table(
                &[
                    "CLICKED AT",
                    "DELIVERED AT",
                    "MYSFIT",
                    "NAME",
                    "SPECIES",
                    "GOOD/EVIL",
                    "LAW/CHAOS",
                ],
                r.latest
                    .iter()
                    .map(|c| {
                        vec![
                            or_dash(&c.clicked_at),
                            or_dash(&c.delivered_at),
                            c.mysfit_id.clone(),
                            or_dash(&c.name),
                            or_dash(&c.species),
                            or_dash(&c.goodevil),
                            or_dash(&c.lawchaos),
                        ]
                    })
                    .collect(),
            ));
        }
        out.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_read_line_by_line_across_objects_and_strangers_counted() {
        let a = br#"{"mysfitId":"a","name":"Cole","species":"Yeti","goodevil":"Good","lawchaos":"Neutral","clickedAt":"2026-12-07T10:00:00.000Z"}
{"mysfitId":"b","name":"Pip"}
"#
        .to_vec();
        let b = b"not json\n\n{\"mysfitId\":\"c\"}".to_vec();
        let t = Some("2026-12-07T10:00:03Z".to_string());
        let (clicks, unreadable) = parse(&[(a, t.clone()), (b, None)]);
        assert_eq!(clicks[0].delivered_at, t);
        assert_eq!(
            clicks
                .iter()
                .map(|c| c.mysfit_id.as_str())
                .collect::<Vec<_>>(),
            ["a", "b", "c"]
        );
        assert_eq!(clicks[0].species.as_deref(), Some("Yeti"));
        assert_eq!(unreadable, 1);
    }

    #[test]
    fn text_names_counts_and_the_latest() {
        let report = ClicksReport {
            stream: "mysfits-clicks".into(),
            bucket: "b1".into(),
            objects: 1,
            records: 1,
            latest: parse(&[(br#"{"mysfitId":"a","name":"Cole"}"#.to_vec(), None)]).0,
            unreadable: 0,
        };
        let text = report.text();
        assert!(
            text.starts_with("1 click record in 1 object of s3://b1 (stream mysfits-clicks)"),
            "{text}"
        );
        assert!(text.contains("Cole"), "{text}");
    }
}
