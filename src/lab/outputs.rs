//! The core stack's outputs, read by name: the only way the tool learns where things are.

use std::collections::BTreeMap;

/// Every fixed output of `templates/core.yaml` (repository URIs come per service).
pub const OUTPUT_KEYS: [&str; 20] = [
    "VpcId",
    "PublicSubnets",
    "PrivateSubnets",
    "AlbArn",
    "AlbDnsName",
    "AlbUrl",
    "AlbSecurityGroup",
    "ListenerArn",
    "DefaultTargetGroupArn",
    "TaskSecurityGroup",
    "TaskSubnets",
    "TaskAssignPublicIp",
    "RunSecurityGroup",
    "ClusterName",
    "ClusterArn",
    "ExecutionRoleArn",
    "TaskRoleArn",
    "LogGroupName",
    "TableName",
    "TableArn",
];

#[derive(Debug, Clone, serde::Serialize)]
pub struct StackOutputs(pub BTreeMap<String, String>);

#[derive(Debug, thiserror::Error)]
#[error(
    "the stack has no output '{0}': it did not finish creating, or was made by another version"
)]
pub struct MissingOutput(pub String);

impl StackOutputs {
    pub fn get(&self, key: &str) -> Result<&str, MissingOutput> {
        self.0
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| MissingOutput(key.to_string()))
    }

    pub fn list(&self, key: &str) -> Result<Vec<String>, MissingOutput> {
        Ok(self
            .get(key)?
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect())
    }

    /// Check every fixed output is there before relying on any of them.
    pub fn complete(&self) -> Result<(), MissingOutput> {
        OUTPUT_KEYS.iter().try_for_each(|k| self.get(k).map(|_| ()))
    }
}
