//! The pure model of a lab: names, manifest, template, routing, rollout verdicts. This
//! crate does not depend on the AWS SDK, so all of it is unit-tested offline in seconds
//! on a cold machine, and `--dry-run` can print plans without AWS.

pub mod alb;
pub mod arn;
pub mod attach;
pub mod bake;
pub mod compose;
pub mod data;
pub mod health;
pub mod image;
pub mod manifest;
pub mod names;
pub mod outputs;
pub mod plan;
pub mod platform;
pub mod rollout;
pub mod samples;
pub mod site;
pub mod stack;
pub mod stop_reason;
pub mod task;
pub mod task_definition;
pub mod template;
pub mod weights;

/// The image of the default-route service's first revision, which `up` creates with no
/// task; ECS's circuit breaker may roll a failed first deploy back to it (then on AWS it
/// answers `/` on port 80).
pub const PLACEHOLDER_IMAGE: &str = "public.ecr.aws/nginx/nginx:stable-alpine";

/// The repository root, where the examples, site and templates this crate embeds live
/// (two levels above the crate); the tests compare what is embedded with what is there.
#[cfg(test)]
pub(crate) const REPO_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
