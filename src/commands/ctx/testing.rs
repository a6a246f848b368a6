//! Recorded-response fixtures for whole commands: a lab, its manifest and a quiet
//! printer, with CloudFormation answering as a test records and the other clients
//! counting (and failing) any call made to them.

use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::types::{Output, Stack, StackStatus, Tag};

use super::Ctx;
use crate::aws::Aws;
use crate::cli::OutputFormat;
use crate::output::{Printer, TermReporter, Verbosity};
use mysfits_lab::manifest::{Manifest, DEFAULT_MANIFEST};
use mysfits_lab::names::Lab;
use mysfits_lab::outputs::OUTPUT_KEYS;

/// The lab's stack in `status`, with every output (`tagged`: carries the lab's tag).
pub fn stack(status: StackStatus, tagged: bool) -> DescribeStacksOutput {
    let mut s = Stack::builder().stack_name("mysfits").stack_status(status);
    if tagged {
        s = s.tags(Tag::builder().key("mysfits:lab").value("mysfits").build());
    }
    for key in OUTPUT_KEYS {
        s = s.outputs(
            Output::builder()
                .output_key(key)
                .output_value(format!("{key}-value"))
                .build(),
        );
    }
    DescribeStacksOutput::builder().stacks(s.build()).build()
}

/// The built-in lab, as `mysfits` without a manifest file sees it.
pub struct Fixture {
    pub lab: Lab,
    pub manifest: Manifest,
    pub printer: Printer,
}

impl Fixture {
    pub fn new() -> Self {
        Self {
            lab: Lab::parse("mysfits").unwrap(),
            manifest: manifest(),
            printer: Printer::new(Verbosity::Quiet),
        }
    }

    pub fn ctx(&self, cfn: aws_sdk_cloudformation::Client, yes: bool) -> Ctx<'_> {
        Ctx {
            aws: Aws::with_cfn(cfn),
            lab: &self.lab,
            manifest: Some(&self.manifest),
            region_from: "--region".into(),
            printer: &self.printer,
            reporter: TermReporter::new(&self.printer),
            output: OutputFormat::Text,
            yes,
        }
    }
}

/// The stack's outputs as `stack` has them, each `<key>-value`.
pub fn outputs() -> mysfits_lab::outputs::StackOutputs {
    mysfits_lab::outputs::StackOutputs::read(
        OUTPUT_KEYS
            .iter()
            .map(|k| (k.to_string(), format!("{k}-value")))
            .collect(),
    )
    .unwrap()
}

/// A target group as read: `arn`'s name, with `tags`.
pub fn target_group(arn: &str, tags: &[(&str, &str)]) -> crate::aws::elb::TargetGroupInfo {
    crate::aws::elb::TargetGroupInfo {
        arn: arn.into(),
        name: arn.rsplit('/').nth(1).unwrap_or(arn).into(),
        port: None,
        health_check_path: None,
        health_check: Default::default(),
        tags: tags
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// The built-in manifest.
pub fn manifest() -> Manifest {
    Manifest::parse(DEFAULT_MANIFEST, "built-in", std::path::Path::new(".")).unwrap()
}
