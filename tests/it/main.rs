//! The integration tests, one binary (the SDK is linked once): one module per area, all
//! running the real binary against real moto, podman, registries and terminals.

mod common;

mod attach;
mod attach_local;
mod bad_inputs;
mod build_push;
mod compose;
mod compose_local;
mod cutover;
mod cutover_local;
mod deploy;
mod health_checks;
mod healthy_first;
mod json;
mod lab;
mod local_engine;
mod logs;
mod platform;
mod rollback_local;
mod run;
mod snapshots;
mod split;
mod split_conditions;
mod split_local;
mod templates;
mod terminal;
mod unreliable;
mod website;
mod whole_runs;
