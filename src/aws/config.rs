//! The one `SdkConfig`: the standard chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL,
//! SSO…) with `--profile`, `--region` and `--endpoint-url` on top.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_types::SdkConfig;

use super::error::innermost;
use crate::cli::AwsArgs;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no AWS region is set")]
    NoRegion,
    #[error("no AWS credentials were found: {0}")]
    NoCredentials(String),
    #[error("endpoint URL '{0}' is not an http(s) URL")]
    BadEndpoint(String),
}

pub async fn load(args: &AwsArgs) -> Result<SdkConfig, ConfigError> {
    // Few, short retries: an endpoint where nothing listens fails in seconds, while
    // throttling and brief blips are still absorbed.
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(3)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(2)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(30))
                .build(),
        );
    if let Some(profile) = &args.profile {
        loader = loader.profile_name(profile);
    }
    // Only when given: a region set in code would hide the profile's own region.
    if let Some(region) = &args.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(url) = &args.endpoint_url {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ConfigError::BadEndpoint(url.clone()));
        }
        loader = loader.endpoint_url(url);
    }
    let config = loader.load().await;
    if config.region().is_none() {
        return Err(ConfigError::NoRegion);
    }
    let provider = config.credentials_provider().ok_or_else(|| {
        ConfigError::NoCredentials("no credentials provider is configured".into())
    })?;
    use aws_credential_types::provider::ProvideCredentials;
    provider
        .provide_credentials()
        .await
        .map_err(|e| ConfigError::NoCredentials(innermost(&e)))?;
    Ok(config)
}
