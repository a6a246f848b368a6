//! Images: building and pushing with a container CLI, and asking a registry what it holds.
//! Like `aws/`, this never prints: output of a failed build is returned in the error.

pub mod builder;
pub mod registry;
