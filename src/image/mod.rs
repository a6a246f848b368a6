//! Images: building with a container CLI, pushing to the lab's repository (or another
//! registry), and asking a registry what it holds. Like `aws/`, this never prints: build
//! output goes through the reporter, and a failed build's tail is returned in the error.

pub mod build;
pub mod push;
pub mod registry;
