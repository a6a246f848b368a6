//! The one `SdkConfig`: the standard chain (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL,
//! SSO…) with `--profile`, `--region` and `--endpoint-url` on top.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_types::SdkConfig;

use super::error::innermost;

/// Where AWS is: flattened into every command that calls it.
#[derive(Debug, clap::Args, Clone, Default)]
pub struct AwsArgs {
    /// Named profile from the AWS config files
    #[arg(long)]
    pub profile: Option<String>,
    /// AWS region (default: from the profile or AWS_REGION)
    #[arg(long)]
    pub region: Option<String>,
    /// Send every AWS call to this endpoint, e.g. a local emulator (AWS_ENDPOINT_URL works too)
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no AWS region is set")]
    NoRegion,
    #[error("no AWS credentials were found: {0}")]
    NoCredentials(String),
    #[error("endpoint URL '{0}' is not an http(s) URL")]
    BadEndpoint(String),
    #[error("profile '{name}' is not in {files}")]
    UnknownProfile { name: String, files: String },
}

/// The AWS config and credentials files, as the SDK and the AWS CLI find them.
fn profile_files() -> Vec<std::path::PathBuf> {
    let home = std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_default();
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| home.join(default))
    };
    vec![
        file("AWS_CONFIG_FILE", ".aws/config"),
        file("AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials"),
    ]
}

/// Whether an INI text has a `[profile NAME]` (config) or `[NAME]` (credentials) section.
fn has_profile(text: &str, name: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        line.strip_prefix('[')
            .and_then(|l| l.strip_suffix(']'))
            .map(|header| {
                let header = header.trim();
                header == name || header.strip_prefix("profile").map(str::trim) == Some(name)
            })
            .unwrap_or(false)
    })
}

/// What chose the region, in the order `load` and aws-config apply: `--region`, the
/// `--profile`'s region, AWS_REGION, AWS_DEFAULT_REGION, then the profile in use.
pub fn region_source(args: &AwsArgs) -> String {
    let env = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
    if args.region.is_some() {
        "--region".into()
    } else if let Some(profile) = &args.profile {
        format!("profile '{profile}'")
    } else if env("AWS_REGION").is_some() {
        "AWS_REGION".into()
    } else if env("AWS_DEFAULT_REGION").is_some() {
        "AWS_DEFAULT_REGION".into()
    } else {
        format!(
            "profile '{}'",
            env("AWS_PROFILE").unwrap_or_else(|| "default".into())
        )
    }
}

/// Where a command looked for the lab: named by errors that found nothing, so that a lab
/// in another region or account is not mistaken for no lab at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub region: String,
    /// What chose the region (`--region`, AWS_REGION, a profile).
    pub region_from: String,
    /// `None` when STS did not say.
    pub account: Option<String>,
    /// `--endpoint-url` or AWS_ENDPOINT_URL, when not AWS itself.
    pub endpoint: Option<String>,
}

impl std::fmt::Display for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.region)?;
        if let Some(account) = &self.account {
            write!(f, ", account {account}")?;
        }
        if let Some(endpoint) = &self.endpoint {
            write!(f, " (endpoint {endpoint})")?;
        }
        Ok(())
    }
}

pub async fn load(args: &AwsArgs) -> Result<SdkConfig, ConfigError> {
    // Standard retries, enough of them that a quarter of all calls throttled still
    // completes a lab (10 attempts: 1 in a million calls fails), with short jittered
    // backoff; every call, retries included, ends within CALL_DEADLINE, so an endpoint
    // that takes connections and never answers is an error in seconds, not minutes.
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .retry_config(
            RetryConfig::standard()
                .with_max_attempts(10)
                .with_initial_backoff(Duration::from_millis(200))
                .with_max_backoff(Duration::from_secs(2)),
        )
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(super::error::CALL_DEADLINE)
                .operation_timeout(super::error::CALL_DEADLINE)
                .build(),
        );
    if let Some(profile) = &args.profile {
        let files = profile_files();
        let known = files.iter().any(|f| {
            std::fs::read_to_string(f)
                .map(|text| has_profile(&text, profile))
                .unwrap_or(false)
        });
        if !known {
            return Err(ConfigError::UnknownProfile {
                name: profile.clone(),
                files: files
                    .iter()
                    .map(|f| f.display().to_string())
                    .collect::<Vec<_>>()
                    .join(" or "),
            });
        }
        // An explicit --profile wins over AWS_ACCESS_KEY_ID and friends, as in the AWS CLI:
        // its credentials and (unless --region) its region come from the profile itself.
        loader = loader.profile_name(profile).credentials_provider(
            aws_config::profile::ProfileFileCredentialsProvider::builder()
                .profile_name(profile)
                .build(),
        );
        if args.region.is_none() {
            loader = loader.region(
                aws_config::profile::ProfileFileRegionProvider::builder()
                    .profile_name(profile)
                    .build(),
            );
        }
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
    let Some(region) = config.region() else {
        return Err(ConfigError::NoRegion);
    };
    super::error::set_endpoint(match config.endpoint_url() {
        Some(url) => url.to_string(),
        None => format!("AWS in {region}"),
    });
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

#[cfg(test)]
mod tests {
    use super::has_profile;

    #[test]
    fn profile_sections_of_config_and_credentials_files() {
        let config = "[default]\nregion = us-east-1\n\n[profile lab]\nregion = eu-west-1\n";
        let credentials = "[other]\naws_access_key_id = x\n";
        assert!(has_profile(config, "lab"));
        assert!(has_profile(config, "default"));
        assert!(!has_profile(config, "la"));
        assert!(has_profile(credentials, "other"));
        assert!(!has_profile(credentials, "lab"));
    }
}
