//! An image built, pushed and resolved to the digest a task definition pins.

use std::path::Path;

use crate::aws::Aws;
use crate::error::Error;
use crate::image::build::Builder;
use crate::image::registry;
use crate::report::Reporter;
use crate::report::Row;
use mysfits_lab::manifest::Service;

/// What builds the image (the container CLI) and from where (the service's `build:`).
pub struct Build<'a> {
    pub builder: &'a Builder,
    pub context: &'a Path,
}

/// Builds the service's image for its platform, logs in to ECR when pushing there, and
/// pushes, all in one progress row whose status follows the builder's output.
pub async fn build_and_push(
    aws: &Aws,
    reporter: &dyn Reporter,
    Build { builder, context }: Build<'_>,
    service: &Service,
    reference: &str,
    build_args: &[(String, String)],
    ecr: bool,
) -> Result<(), Error> {
    let row = Row::new(reporter, &format!("Image {reference}"));
    let platform = service.platform;
    let on_line = |line: &str| row.output(line);
    let step = async {
        row.update(&format!("building for {platform} with {}", builder.name()));
        builder
            .build(context, reference, platform, build_args, &on_line)
            .await?;
        if ecr {
            row.update("logging in to ECR");
            let (host, user, password) = aws.ecr_login().await?;
            builder.login(&host, &user, &password).await?;
        }
        row.update("pushing");
        builder.push(reference).await?;
        Ok::<_, Error>(())
    };
    match step.await {
        Ok(()) => {
            row.finish(&format!("built for {platform} and pushed"), true);
            Ok(())
        }
        Err(e) => {
            row.finish("failed", false);
            Err(e)
        }
    }
}

/// The digest the tag points at, or an error listing the tags that do exist (the lab once
/// deployed `:latest` after pushing `:v1`).
pub async fn resolve_digest(
    aws: &Aws,
    repository: &str,
    tag: &str,
    ecr: bool,
) -> Result<String, Error> {
    let (digest, tags) = if ecr {
        let name = registry::split(repository).1;
        match aws.ecr_digest(name, tag).await? {
            Some(d) => (Some(d), vec![]),
            None => (None, aws.ecr_tags(name).await?),
        }
    } else {
        let (repo, t) = (repository.to_string(), tag.to_string());
        tokio::task::spawn_blocking(move || -> Result<_, registry::RegistryError> {
            match registry::digest(&repo, &t)? {
                Some(d) => Ok((Some(d), vec![])),
                None => Ok((None, registry::tags(&repo)?)),
            }
        })
        .await
        .map_err(|e| Error::Worker("registry lookup", e.to_string()))??
    };
    digest.ok_or_else(|| Error::TagMissing {
        repository: repository.to_string(),
        tag: tag.to_string(),
        existing: tags,
    })
}
