//! Thin wrappers over the AWS SDK, one module per service. They return plain types and
//! typed errors, report progress through [`crate::report::Reporter`], and never print.

pub mod calls;
pub mod cfn;
pub mod cloudwatch;
pub mod config;
pub mod ddb;
pub mod ec2;
pub mod ecr;
pub mod ecs;
pub mod elb;
pub mod error;
pub mod existing;
pub mod logs;
pub mod pages;
pub mod pairs;
pub mod poll;
pub mod rollout;
pub mod s3;
pub mod sts;
pub mod tagging;

pub use calls::ApiCalls;
pub use error::AwsError;

use aws_types::SdkConfig;

/// One client per service, all from one `SdkConfig`, all counting their calls.
#[derive(Clone)]
pub struct Aws {
    pub cfn: aws_sdk_cloudformation::Client,
    pub ecs: aws_sdk_ecs::Client,
    pub elb: aws_sdk_elasticloadbalancingv2::Client,
    pub ecr: aws_sdk_ecr::Client,
    pub ec2: aws_sdk_ec2::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub ddb: aws_sdk_dynamodb::Client,
    pub s3: aws_sdk_s3::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    pub sts: aws_sdk_sts::Client,
    pub calls: ApiCalls,
    pub region: String,
    /// The endpoint override, when the calls do not go to AWS itself.
    pub endpoint: Option<String>,
}

impl Aws {
    /// Clients whose every call `calls` counts (and shows, when it has an observer).
    pub fn observed(config: &SdkConfig, calls: ApiCalls) -> Self {
        macro_rules! client {
            ($krate:ident) => {
                $krate::Client::from_conf(
                    $krate::config::Builder::from(config)
                        .interceptor(calls.clone())
                        .build(),
                )
            };
        }
        Self {
            cfn: client!(aws_sdk_cloudformation),
            ecs: client!(aws_sdk_ecs),
            elb: client!(aws_sdk_elasticloadbalancingv2),
            ecr: client!(aws_sdk_ecr),
            ec2: client!(aws_sdk_ec2),
            logs: client!(aws_sdk_cloudwatchlogs),
            cloudwatch: client!(aws_sdk_cloudwatch),
            ddb: client!(aws_sdk_dynamodb),
            // Path-style (`endpoint/bucket/key`): a local endpoint has no per-bucket host
            // names. Checksums only where S3 requires them (DeleteObjects): a PutObject
            // then sends its plain body, which every S3-compatible endpoint takes.
            s3: aws_sdk_s3::Client::from_conf(
                aws_sdk_s3::config::Builder::from(config)
                    .force_path_style(true)
                    .request_checksum_calculation(
                        aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
                    )
                    .interceptor(calls.clone())
                    .build(),
            ),
            tagging: client!(aws_sdk_resourcegroupstagging),
            sts: client!(aws_sdk_sts),
            region: config.region().map(|r| r.to_string()).unwrap_or_default(),
            endpoint: config.endpoint_url().map(String::from),
            calls,
        }
    }
}

#[cfg(test)]
impl Aws {
    /// Clients for recorded-response tests: CloudFormation as given, the others built from a
    /// bare config that the test never calls.
    pub fn with_cfn(cfn: aws_sdk_cloudformation::Client) -> Self {
        let config = SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new("us-east-1"))
            .build();
        let mut aws = Self::observed(&config, ApiCalls::default());
        aws.cfn = cfn;
        aws
    }
}
