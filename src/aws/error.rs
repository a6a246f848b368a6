//! One error type for every AWS call: what was being done, and why it failed, short.

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

#[derive(Debug, thiserror::Error)]
pub enum AwsError {
    #[error("{op}: cannot reach AWS: {detail}")]
    Unreachable { op: &'static str, detail: String },
    #[error("{op}: timed out waiting for AWS")]
    Timeout { op: &'static str },
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

/// Maps any SDK error of operation `op` to [`AwsError`].
pub fn map<E, R>(op: &'static str) -> impl FnOnce(SdkError<E, R>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    move |err| match &err {
        SdkError::TimeoutError(_) => AwsError::Timeout { op },
        SdkError::DispatchFailure(d) if d.is_timeout() => AwsError::Timeout { op },
        SdkError::DispatchFailure(_) => AwsError::Unreachable {
            op,
            detail: innermost(&err),
        },
        SdkError::ServiceError(e) => AwsError::Service {
            op,
            code: e.err().code().unwrap_or("Unknown").to_string(),
            message: e.err().message().unwrap_or_default().to_string(),
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
