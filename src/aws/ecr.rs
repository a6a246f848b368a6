//! ECR: the images in the lab's repositories.

use aws_sdk_ecr::types::ImageIdentifier;

use super::error::{Answer, AwsError, NoneIf};
use super::pages::all_pages;
use super::Aws;

impl Aws {
    /// Image ids in a repository; a missing repository holds none.
    pub async fn repository_images(&self, repo: &str) -> Result<Vec<ImageIdentifier>, AwsError> {
        let pages = self.ecr.list_images().repository_name(repo);
        let ids = all_pages(pages.into_paginator().send(), "list images", |p| {
            p.image_ids().to_vec()
        });
        Ok(ids
            .await
            .none_if(|e| e.is_code("RepositoryNotFoundException"))?
            .unwrap_or_default())
    }

    /// Deletes every image, 100 per call (the API's limit).
    pub async fn delete_images(
        &self,
        repo: &str,
        ids: Vec<ImageIdentifier>,
    ) -> Result<(), AwsError> {
        for chunk in ids.chunks(100) {
            self.ecr
                .batch_delete_image()
                .repository_name(repo)
                .set_image_ids(Some(chunk.to_vec()))
                .send()
                .answer("delete images")
                .await?;
        }
        Ok(())
    }

    /// Which of these repositories exist (the sweep asks for the lab's exact names, so a
    /// look-alike made by hand is never reported, let alone touched).
    pub async fn existing_repositories(&self, names: &[String]) -> Result<Vec<String>, AwsError> {
        let mut found = Vec::new();
        for name in names {
            let described = self.ecr.describe_repositories().repository_names(name);
            let answer = described.send().answer("describe repositories").await;
            if answer
                .none_if(|e| e.is_code("RepositoryNotFoundException"))?
                .is_some()
            {
                found.push(name.clone());
            }
        }
        Ok(found)
    }

    /// Tags of the images in an ECR repository.
    pub async fn ecr_tags(&self, repo: &str) -> Result<Vec<String>, AwsError> {
        let mut tags: Vec<String> = self
            .repository_images(repo)
            .await?
            .iter()
            .filter_map(|i| i.image_tag().map(String::from))
            .collect();
        tags.sort();
        Ok(tags)
    }

    /// The digest an ECR tag points at, if the tag exists.
    pub async fn ecr_digest(&self, repo: &str, tag: &str) -> Result<Option<String>, AwsError> {
        Ok(self
            .repository_images(repo)
            .await?
            .into_iter()
            .find(|i| i.image_tag() == Some(tag))
            .and_then(|i| i.image_digest().map(String::from)))
    }

    /// Registry host, user and password from `GetAuthorizationToken` (the token is
    /// base64 of `AWS:<password>`); `aws ecr get-login` no longer exists.
    pub async fn ecr_login(&self) -> Result<(String, String, String), AwsError> {
        use base64::Engine;
        let call = self.ecr.get_authorization_token();
        let out = call.send().answer("get ECR login token").await?;
        let data = out.authorization_data().first().ok_or(AwsError::Other {
            op: "get ECR login token",
            detail: "no authorization data in the answer".into(),
        })?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(data.authorization_token().unwrap_or_default())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or(AwsError::Other {
                op: "get ECR login token",
                detail: "the token is not base64 of user:password".into(),
            })?;
        let (user, password) = decoded.split_once(':').ok_or(AwsError::Other {
            op: "get ECR login token",
            detail: "the token is not user:password".into(),
        })?;
        let endpoint = data.proxy_endpoint().unwrap_or_default();
        let host = endpoint
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .to_string();
        Ok((host, user.to_string(), password.to_string()))
    }
}
