//! DynamoDB: loading the sample mysfits, the ones the table does not have yet.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};

use std::collections::HashSet;

use super::error::{Answer, AwsError};
use super::pages::all_pages;
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
        let scan = self
            .ddb
            .scan()
            .table_name(table)
            .projection_expression("#k")
            .expression_attribute_names("#k", key);
        let present: HashSet<String> = all_pages(scan.into_paginator().send(), "scan table", |p| {
            let keys = p.items().iter().filter_map(|item| match item.get(key) {
                Some(AttributeValue::S(v)) => Some(v.clone()),
                _ => None,
            });
            keys.collect()
        })
        .await?
        .into_iter()
        .collect();
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
                let call = self.ddb.batch_write_item().request_items(table, requests);
                let out = call.send().answer("load sample data").await?;
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
