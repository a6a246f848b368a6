//! DynamoDB: loading the sample mysfits, the ones the table does not have yet.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use super::error::{map, AwsError};
use super::Aws;
use mysfits_lab::data::{Attr, Item};

impl Aws {
    /// The items whose `key` attribute is not in the table yet: a load cut short is
    /// finished on the next run, and items already there (liked since) are left alone.
    pub async fn missing_items(
        &self,
        table: &str,
        key: &str,
        items: &[Item],
    ) -> Result<Vec<Item>, AwsError> {
        let mut present = std::collections::HashSet::new();
        let mut pages = self
            .ddb
            .scan()
            .table_name(table)
            .projection_expression("#k")
            .expression_attribute_names("#k", key)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(map("scan table"))?;
            for item in page.items() {
                if let Some(AttributeValue::S(v)) = item.get(key) {
                    present.insert(v.clone());
                }
            }
        }
        Ok(items
            .iter()
            .filter(|item| {
                !item
                    .iter()
                    .any(|(k, v)| k == key && matches!(v, Attr::S(s) if present.contains(s)))
            })
            .cloned()
            .collect())
    }

    /// Writes items 25 at a time (BatchWriteItem's limit), retrying what comes back unprocessed.
    pub async fn put_items(&self, table: &str, items: &[Item]) -> Result<(), AwsError> {
        for chunk in items.chunks(25) {
            let mut requests: Vec<WriteRequest> = chunk
                .iter()
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(
                            item.iter()
                                .map(|(k, v)| (k.clone(), attribute(v)))
                                .collect(),
                        ))
                        .build()
                        .expect("item is set");
                    WriteRequest::builder().put_request(put).build()
                })
                .collect();
            const TRIES: usize = 5;
            for _ in 0..TRIES {
                let out = self
                    .ddb
                    .batch_write_item()
                    .request_items(table, requests)
                    .send()
                    .await
                    .map_err(map("load sample data"))?;
                requests = out
                    .unprocessed_items()
                    .and_then(|m| m.get(table))
                    .cloned()
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            if !requests.is_empty() {
                return Err(AwsError::Unprocessed {
                    op: "load sample data",
                    count: requests.len(),
                    tries: TRIES,
                });
            }
        }
        Ok(())
    }
}

fn attribute(attr: &Attr) -> AttributeValue {
    match attr {
        Attr::S(s) => AttributeValue::S(s.clone()),
        Attr::N(n) => AttributeValue::N(n.clone()),
        Attr::Bool(b) => AttributeValue::Bool(*b),
    }
}
