//! Resource Groups Tagging: the sweep after cleanup for anything still carrying the lab's tag.

use aws_sdk_resourcegroupstagging::types::TagFilter;

use super::error::{map, AwsError};
use super::Aws;
use mysfits_lab::names::TAG_LAB;

impl Aws {
    pub async fn tagged_resources(&self, lab: &str) -> Result<Vec<String>, AwsError> {
        let mut arns = Vec::new();
        let mut pages = self
            .tagging
            .get_resources()
            .tag_filters(TagFilter::builder().key(TAG_LAB).values(lab).build())
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            arns.extend(
                page.map_err(map("find tagged resources"))?
                    .resource_tag_mapping_list()
                    .iter()
                    .filter_map(|m| m.resource_arn().map(String::from)),
            );
        }
        Ok(arns)
    }
}
