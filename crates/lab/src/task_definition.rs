//! What a revision of a service's task definition holds, as the tool compares it: the
//! SDK's shape is read into this and written from it in `aws/ecs/task_definitions.rs`.

use std::collections::BTreeMap;

use crate::platform::Platform;

/// Everything a revision of a service's task definition holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskSpec {
    pub family: String,
    pub container: String,
    pub image: String,
    pub port: u16,
    pub cpu: u32,
    pub memory: u32,
    pub environment: BTreeMap<String, String>,
    pub log_group: String,
    pub region: String,
    pub execution_role: String,
    pub task_role: String,
    /// The image's platform: the revision's `runtimePlatform`.
    pub platform: Platform,
    pub tags: Vec<(String, String)>,
}

impl TaskSpec {
    /// Whether a registered revision already runs this: tags and order do not matter.
    pub fn same_revision(&self, other: &TaskSpec) -> bool {
        let strip = |t: &TaskSpec| TaskSpec {
            tags: vec![],
            ..t.clone()
        };
        strip(self) == strip(other)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> TaskSpec {
        TaskSpec {
            family: "lab-like".into(),
            container: "like".into(),
            image: "repo/like:v1".into(),
            port: 80,
            cpu: 256,
            memory: 512,
            environment: BTreeMap::from([("A".into(), "1".into())]),
            log_group: "lab-logs".into(),
            region: "us-east-1".into(),
            execution_role: "exec".into(),
            task_role: "task".into(),
            platform: Platform::default(),
            tags: vec![("mysfits:lab".into(), "lab".into())],
        }
    }

    #[test]
    fn a_revision_is_the_same_whatever_its_tags() {
        let other = TaskSpec {
            tags: vec![],
            ..spec()
        };
        assert!(spec().same_revision(&other));
        let moved = TaskSpec {
            image: "repo/like:v2".into(),
            ..spec()
        };
        assert!(!spec().same_revision(&moved));
    }
}
