//! The pure model of a lab: names, manifest, template, routing. No SDK here, so all of
//! it is unit-tested offline and `--dry-run` can print plans without AWS.

pub mod alb;
pub mod arn;
pub mod bake;
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
pub mod template;
pub mod weights;

/// The image of the default-route service's first revision, which `up` creates with no
/// task; ECS's circuit breaker may roll a failed first deploy back to it (then on AWS it
/// answers `/` on port 80).
pub const PLACEHOLDER_IMAGE: &str = "public.ecr.aws/nginx/nginx:stable-alpine";
