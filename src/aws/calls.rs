//! Counts every AWS API call the tool makes (an SDK interceptor, so nothing escapes it):
//! `-v` shows each call as it ends and the tally, and tests assert that a re-run makes
//! no mutating call.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

/// One call as it ended: `CloudFormation.DescribeStacks`, how long it took in all, how
/// many attempts (retries + 1), and whether it succeeded.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    pub took: Duration,
    pub attempts: u32,
    pub ok: bool,
}

/// Told of every call as it ends (`-v` prints them); `aws/` itself never prints.
pub type Observer = Arc<dyn Fn(&Call) + Send + Sync>;

#[derive(Clone, Default)]
pub struct ApiCalls {
    calls: Arc<Mutex<Vec<String>>>,
    observer: Option<Observer>,
}

impl std::fmt::Debug for ApiCalls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiCalls")
            .field("calls", &self.calls)
            .finish()
    }
}

/// When the call started, kept in its config bag between the interceptor's hooks.
#[derive(Debug, Clone)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// Operations that only read. Everything else counts as mutating.
fn read_only(operation: &str) -> bool {
    [
        "Describe", "List", "Get", "Scan", "Query", "BatchGet", "Validate",
        // CloudWatch Logs' FilterLogEvents (`logs`) only reads.
        "Filter",
    ]
    .iter()
    .any(|p| operation.starts_with(p))
}

impl ApiCalls {
    pub fn observed(observer: Observer) -> Self {
        Self {
            calls: Arc::default(),
            observer: Some(observer),
        }
    }

    pub fn all(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
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
            self.calls
                .lock()
                .unwrap()
                .push(format!("{}.{}", meta.service(), meta.name()));
        }
        cfg.interceptor_state().store_put(Started(Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let Some(observer) = &self.observer else {
            return Ok(());
        };
        let operation = cfg
            .load::<Metadata>()
            .map(|m| format!("{}.{}", m.service(), m.name()))
            .unwrap_or_default();
        observer(&Call {
            operation,
            took: cfg
                .load::<Started>()
                .map(|s| s.0.elapsed())
                .unwrap_or_default(),
            attempts: cfg.load::<RequestAttempts>().map_or(1, |a| a.attempts()),
            ok: matches!(context.output_or_error(), Some(Ok(_))),
        });
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
            "FilterLogEvents",
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
