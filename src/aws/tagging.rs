//! Resource Groups Tagging: the sweep after cleanup for anything still carrying the lab's tag.

use aws_sdk_resourcegroupstagging::types::TagFilter;

use super::error::AwsError;
use super::pages::all_pages;
use super::Aws;
use mysfits_lab::names::TAG_LAB;

impl Aws {
    pub async fn tagged_resources(&self, lab: &str) -> Result<Vec<String>, AwsError> {
        let filter = TagFilter::builder().key(TAG_LAB).values(lab).build();
        let pages = self.tagging.get_resources().tag_filters(filter);
        all_pages(
            pages.into_paginator().send(),
            "find tagged resources",
            |p| {
                p.resource_tag_mapping_list()
                    .iter()
                    .filter_map(|m| m.resource_arn().map(String::from))
                    .collect()
            },
        )
        .await
    }
}
