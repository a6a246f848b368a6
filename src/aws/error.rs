//! One error type for every AWS call: what was being done, and why it failed, short.

use std::future::Future;
use std::sync::OnceLock;

use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use aws_smithy_types::error::operation::BuildError;

/// How long one call may take in all, retries included (`config::load` sets the SDK's
/// operation and attempt timeouts to it), so an endpoint that never answers fails within
/// 20 s. One attempt may use all of it: a slow answer (moto creating a whole stack on a
/// busy machine) is waited for rather than cut short and sent again.
pub const CALL_DEADLINE: std::time::Duration = std::time::Duration::from_secs(18);

/// Where the calls go, for the errors that say where they did not get an answer:
/// `--endpoint-url` as given, else AWS in the region. Set once by `config::load`.
static ENDPOINT: OnceLock<String> = OnceLock::new();

pub fn set_endpoint(endpoint: String) {
    let _ = ENDPOINT.set(endpoint);
}

fn endpoint() -> String {
    ENDPOINT.get().cloned().unwrap_or_else(|| "AWS".into())
}

/// Error codes AWS services answer with when a caller goes over its rate.
const THROTTLING: [&str; 8] = [
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
];

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("{op}: cannot reach {endpoint}: {detail}")]
    Unreachable {
        op: &'static str,
        endpoint: String,
        detail: String,
    },
    #[error("{op}: no answer from {endpoint} in {} s: it takes connections but does not respond", CALL_DEADLINE.as_secs())]
    Timeout { op: &'static str, endpoint: String },
    /// A batch write that DynamoDB kept handing back.
    #[error("{op}: DynamoDB left {count} item(s) unprocessed after {tries} tries")]
    Unprocessed {
        op: &'static str,
        count: usize,
        tries: usize,
    },
    /// A wait of ours that ran out, with every call answered.
    #[error("{op}: still not done after {waited} s")]
    NotDone { op: &'static str, waited: u64 },
    /// An answer that is not AWS's (a proxy's or load balancer's error page).
    #[error("{op}: {endpoint} answered HTTP {status}, not an AWS answer: {body}")]
    NotAws {
        op: &'static str,
        endpoint: String,
        status: u16,
        body: String,
    },
    #[error("{op}: {code}: {message}")]
    Service {
        op: &'static str,
        code: String,
        message: String,
    },
    #[error("{op}: {detail}")]
    Other { op: &'static str, detail: String },
}

impl AwsError {
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => Some(code),
            _ => None,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            AwsError::Service { message, .. } => message,
            _ => "",
        }
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.code() == Some(code)
    }

    /// Still throttled after every retry: transient, so the same command can be re-run.
    pub fn is_throttling(&self) -> bool {
        self.code().is_some_and(|c| THROTTLING.contains(&c))
    }
}

/// The start of a body on one line: enough to tell an HTML error page from anything else.
fn body_start(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(100) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None if line.is_empty() => "(empty body)".into(),
        None => line,
    }
}

/// The innermost cause's text: "Connection refused (os error 111)" rather than the
/// SDK's "dispatch failure".
pub fn innermost(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = err;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// An SDK call's answer: its output, or its error as [`AwsError`] naming operation `op`
/// (`call.send().answer("delete stack").await?`).
pub trait Answer<O> {
    fn answer(self, op: &'static str) -> impl Future<Output = Result<O, AwsError>>;
}

impl<F, O, E> Answer<O> for F
where
    F: Future<Output = Result<O, SdkError<E, HttpResponse>>>,
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    async fn answer(self, op: &'static str) -> Result<O, AwsError> {
        self.await.map_err(map(op))
    }
}

/// A request the SDK would not build (a required field missing), as operation `op`.
pub fn unbuilt(op: &'static str) -> impl FnOnce(BuildError) -> AwsError {
    move |e| AwsError::Other {
        op,
        detail: e.to_string(),
    }
}

/// An answer whose one error means "nothing there" (a missing cluster, bucket,
/// repository…, nothing to update): `Ok(None)` for the error `missing` picks, any other
/// error as it is.
pub trait NoneIf<T> {
    fn none_if(self, missing: impl FnOnce(&AwsError) -> bool) -> Result<Option<T>, AwsError>;
}

impl<T> NoneIf<T> for Result<T, AwsError> {
    fn none_if(self, missing: impl FnOnce(&AwsError) -> bool) -> Result<Option<T>, AwsError> {
        match self {
            Ok(t) => Ok(Some(t)),
            Err(e) if missing(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Maps any SDK error of operation `op` to [`AwsError`].
pub fn map<E>(op: &'static str) -> impl FnOnce(SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    move |err| match &err {
        SdkError::TimeoutError(_) => AwsError::Timeout {
            op,
            endpoint: endpoint(),
        },
        SdkError::DispatchFailure(d) if d.is_timeout() => AwsError::Timeout {
            op,
            endpoint: endpoint(),
        },
        SdkError::DispatchFailure(_) => AwsError::Unreachable {
            op,
            endpoint: endpoint(),
            detail: innermost(&err),
        },
        SdkError::ServiceError(e) => match e.err().code() {
            Some(code) => AwsError::Service {
                op,
                code: code.to_string(),
                message: e.err().message().unwrap_or_default().to_string(),
            },
            None => AwsError::NotAws {
                op,
                endpoint: endpoint(),
                status: e.raw().status().as_u16(),
                body: body_start(e.raw().body().bytes().unwrap_or_default()),
            },
        },
        SdkError::ResponseError(r) => AwsError::NotAws {
            op,
            endpoint: endpoint(),
            status: r.raw().status().as_u16(),
            body: body_start(r.raw().body().bytes().unwrap_or_default()),
        },
        _ => match err.code() {
            Some(code) => AwsError::Service {
                op,
                code: code.to_string(),
                message: err.message().unwrap_or_default().to_string(),
            },
            None => AwsError::Other {
                op,
                detail: innermost(&err),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{body_start, AwsError, NoneIf};

    #[test]
    fn only_the_error_that_means_nothing_there_is_none() {
        let missing = |code: &str| AwsError::Service {
            op: "list images",
            code: code.into(),
            message: String::new(),
        };
        let not_found = |e: &AwsError| e.is_code("RepositoryNotFoundException");
        assert_eq!(Ok::<_, AwsError>(1).none_if(not_found).unwrap(), Some(1));
        let gone: Result<u8, _> = Err(missing("RepositoryNotFoundException"));
        assert_eq!(gone.none_if(not_found).unwrap(), None);
        let denied: Result<u8, _> = Err(missing("AccessDeniedException"));
        assert!(denied.none_if(not_found).is_err());
    }

    #[test]
    fn a_body_is_shown_short_and_on_one_line() {
        assert_eq!(
            body_start(b"<html>\r\n<head><title>500</title></head>\n"),
            "<html> <head><title>500</title></head>"
        );
        assert_eq!(body_start(b""), "(empty body)");
        let long = "x".repeat(300);
        assert_eq!(body_start(long.as_bytes()).chars().count(), 101);
    }
}
