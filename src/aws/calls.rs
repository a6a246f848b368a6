//! Counts every AWS API call the tool makes (an SDK interceptor, so nothing escapes it):
//! `-v` prints the tally, and tests assert that a re-run makes no mutating call.

use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

#[derive(Debug, Clone, Default)]
pub struct ApiCalls(Arc<Mutex<Vec<String>>>);

/// Operations that only read. Everything else counts as mutating.
fn read_only(operation: &str) -> bool {
    [
        "Describe", "List", "Get", "Scan", "Query", "BatchGet", "Validate",
    ]
    .iter()
    .any(|p| operation.starts_with(p))
}

impl ApiCalls {
    pub fn all(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// `total`, `mutating`, and the mutating operations by name.
    pub fn summary(&self) -> (usize, Vec<String>) {
        let all = self.all();
        let mutating = all
            .iter()
            .filter(|c| !read_only(c.split('.').nth(1).unwrap_or(c)))
            .cloned()
            .collect();
        (all.len(), mutating)
    }
}

impl Intercept for ApiCalls {
    fn name(&self) -> &'static str {
        "mysfits-api-calls"
    }

    // Not `read_before_execution`: client interceptors run that before the operation's
    // metadata is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            self.0
                .lock()
                .unwrap()
                .push(format!("{}.{}", meta.service(), meta.name()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::read_only;

    #[test]
    fn reads_and_writes_are_told_apart() {
        for op in [
            "DescribeStacks",
            "ListServices",
            "GetTemplate",
            "Scan",
            "GetAuthorizationToken",
        ] {
            assert!(read_only(op), "{op}");
        }
        for op in [
            "CreateStack",
            "UpdateService",
            "DeleteRule",
            "BatchWriteItem",
            "RegisterTaskDefinition",
        ] {
            assert!(!read_only(op), "{op}");
        }
    }
}
