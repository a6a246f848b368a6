//! S3: the objects of the lab's website bucket, published and emptied; the clicks read.

use std::collections::BTreeMap;

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{Delete, ObjectIdentifier};

use super::error::{unbuilt, Answer, AwsError, NoneIf};
use super::pages::all_pages;
use super::Aws;

/// DeleteObjects takes at most this many keys a call.
const DELETE_BATCH: usize = 1000;

/// One object of a listing.
struct Listed {
    key: String,
    etag: String,
    modified: Option<String>,
}

impl Aws {
    /// Every object's key and ETag (quotes stripped), all pages; `None` when the bucket
    /// does not exist.
    pub async fn bucket_objects(
        &self,
        bucket: &str,
    ) -> Result<Option<BTreeMap<String, String>>, AwsError> {
        Ok(self
            .listing(bucket)
            .await?
            .map(|objects| objects.into_iter().map(|o| (o.key, o.etag)).collect()))
    }

    /// Every object's key and last-modified time (RFC 3339), all pages, in key order;
    /// `None` when the bucket does not exist.
    pub async fn object_times(
        &self,
        bucket: &str,
    ) -> Result<Option<Vec<(String, Option<String>)>>, AwsError> {
        Ok(self
            .listing(bucket)
            .await?
            .map(|objects| objects.into_iter().map(|o| (o.key, o.modified)).collect()))
    }

    /// ListObjectsV2, all pages.
    async fn listing(&self, bucket: &str) -> Result<Option<Vec<Listed>>, AwsError> {
        use aws_sdk_s3::primitives::DateTimeFormat;
        let pages = self.s3.list_objects_v2().bucket(bucket).into_paginator();
        let objects = all_pages(pages.send(), "list bucket objects", |p| {
            p.contents()
                .iter()
                .filter_map(|o| {
                    Some(Listed {
                        key: o.key()?.to_string(),
                        etag: o.e_tag().unwrap_or_default().trim_matches('"').into(),
                        modified: o
                            .last_modified()
                            .and_then(|t| t.fmt(DateTimeFormat::DateTime).ok()),
                    })
                })
                .collect::<Vec<_>>()
        });
        objects.await.none_if(|e| e.is_code("NoSuchBucket"))
    }

    /// One object's bytes.
    pub async fn get_object(&self, bucket: &str, key: &str) -> Result<Vec<u8>, AwsError> {
        let out = self
            .s3
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .answer("get object")
            .await?;
        let body = out.body.collect().await.map_err(|e| AwsError::Other {
            op: "get object",
            detail: format!("reading s3://{bucket}/{key}: {e}"),
        })?;
        Ok(body.into_bytes().to_vec())
    }

    pub async fn put_object(
        &self,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
        content_type: &str,
    ) -> Result<(), AwsError> {
        let call = self
            .s3
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .content_type(content_type)
            // The page changes with each `up` (config.js with the stack): browsers revalidate.
            .cache_control("no-cache");
        call.send().answer("put object").await?;
        Ok(())
    }

    /// Deletes these keys, a batch per call; a key that failed fails the whole.
    pub async fn delete_objects(&self, bucket: &str, keys: &[String]) -> Result<(), AwsError> {
        for chunk in keys.chunks(DELETE_BATCH) {
            let ids = chunk
                .iter()
                .map(|k| ObjectIdentifier::builder().key(k).build())
                .collect::<Result<Vec<_>, _>>()
                .map_err(unbuilt("delete objects"))?;
            let delete = Delete::builder()
                .set_objects(Some(ids))
                .quiet(true)
                .build()
                .map_err(unbuilt("delete objects"))?;
            let call = self.s3.delete_objects().bucket(bucket).delete(delete);
            let out = call.send().answer("delete objects").await?;
            if let Some(failed) = out.errors().first() {
                return Err(AwsError::Service {
                    op: "delete objects",
                    code: failed.code().unwrap_or("Error").to_string(),
                    message: format!(
                        "{} of {} keys not deleted, e.g. {}: {}",
                        out.errors().len(),
                        chunk.len(),
                        failed.key().unwrap_or_default(),
                        failed.message().unwrap_or_default()
                    ),
                });
            }
        }
        Ok(())
    }

    /// Deletes every object, until a listing comes back empty (a few rounds: something
    /// writing into the bucket meanwhile is an error, not a loop). The count deleted; a
    /// bucket already gone holds none.
    pub async fn empty_bucket(&self, bucket: &str) -> Result<usize, AwsError> {
        let mut deleted = 0;
        for _ in 0..5 {
            let keys: Vec<String> = match self.bucket_objects(bucket).await? {
                Some(objects) => objects.into_keys().collect(),
                None => return Ok(deleted),
            };
            if keys.is_empty() {
                return Ok(deleted);
            }
            self.delete_objects(bucket, &keys).await?;
            deleted += keys.len();
        }
        Err(AwsError::Other {
            op: "empty bucket",
            detail: format!("objects keep appearing in {bucket} while it is emptied"),
        })
    }
}
