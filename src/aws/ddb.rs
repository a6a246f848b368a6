//! DynamoDB: loading the sample mysfits into an empty table.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, Select, WriteRequest};

use super::error::{map, AwsError};
use super::Aws;
use crate::lab::data::{Attr, Item};

impl Aws {
    pub async fn table_is_empty(&self, table: &str) -> Result<bool, AwsError> {
        let out = self
            .ddb
            .scan()
            .table_name(table)
            .limit(1)
            .select(Select::Count)
            .send()
            .await
            .map_err(map("scan table"))?;
        Ok(out.count() == 0)
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
            for _ in 0..5 {
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
