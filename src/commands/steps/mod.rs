//! The steps two or more commands share. A command imports steps, never another command.

pub mod attach;
pub mod cutover;
pub mod interrupt;
pub mod lab_service;
pub mod revision;
pub mod rollout;
pub mod rules;
pub mod stack;
pub mod task;
