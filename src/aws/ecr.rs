//! ECR: the images in the lab's repositories.

use aws_sdk_ecr::types::ImageIdentifier;

use super::error::{map, AwsError};
use super::Aws;

impl Aws {
    /// Image ids in a repository; a missing repository holds none.
    pub async fn repository_images(&self, repo: &str) -> Result<Vec<ImageIdentifier>, AwsError> {
        let mut ids = Vec::new();
        let mut pages = self.ecr.list_images().repository_name(repo).into_paginator().send();
        while let Some(page) = pages.next().await {
            match page.map_err(map("list images")) {
                Ok(p) => ids.extend(p.image_ids().iter().cloned()),
                Err(e) if e.is_code("RepositoryNotFoundException") => return Ok(vec![]),
                Err(e) => return Err(e),
            }
        }
        Ok(ids)
    }

    /// Deletes every image, 100 per call (the API's limit).
    pub async fn delete_images(&self, repo: &str, ids: Vec<ImageIdentifier>) -> Result<(), AwsError> {
        for chunk in ids.chunks(100) {
            self.ecr
                .batch_delete_image()
                .repository_name(repo)
                .set_image_ids(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(map("delete images"))?;
        }
        Ok(())
    }

    /// Which of these repositories exist (the sweep asks for the lab's exact names, so a
    /// look-alike made by hand is never reported, let alone touched).
    pub async fn existing_repositories(&self, names: &[String]) -> Result<Vec<String>, AwsError> {
        let mut found = Vec::new();
        for name in names {
            match self
                .ecr
                .describe_repositories()
                .repository_names(name)
                .send()
                .await
                .map_err(map("describe repositories"))
            {
                Ok(_) => found.push(name.clone()),
                Err(e) if e.is_code("RepositoryNotFoundException") => {}
                Err(e) => return Err(e),
            }
        }
        Ok(found)
    }
}
