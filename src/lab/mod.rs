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
pub mod task;
pub mod template;
pub mod weights;

/// What the default-route service runs until its first deploy: answers `/` on port 80.
pub const PLACEHOLDER_IMAGE: &str = "public.ecr.aws/nginx/nginx:stable-alpine";
