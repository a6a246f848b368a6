//! A service's rollout watched to the circuit breaker's verdict (`deploy`, and `split`
//! when it creates a service), its outcome turned into the command's error.

use std::time::Duration;

use crate::aws::rollout::{Outcome, Previous, Watch};
use crate::commands::Ctx;
use crate::error::Error;
use mysfits_lab::rollout::{short, Rollback};

/// Watches the service's deployment of `revision` to the circuit breaker's verdict, or
/// rolls it back to `previous` at once when a task stops for a reason no retry fixes.
pub async fn watch_rollout(
    ctx: &Ctx<'_>,
    cluster: &str,
    service: &str,
    revision: &str,
    previous: Option<Previous>,
    timeout: Duration,
) -> Result<(), Error> {
    let outcome = Watch {
        ecs: &ctx.aws.ecs,
        cluster,
        service,
        revision,
        previous,
        timeout,
        interval: Duration::from_secs(3),
    }
    .run(&ctx.reporter)
    .await?;
    match outcome {
        Outcome::Completed => Ok(()),
        Outcome::Failed {
            reason: failed,
            stopped,
            rollback: Rollback::AlsoFails { revision, reason },
            ..
        } => Err(Error::RollbackFails {
            service: service.to_string(),
            failed,
            revision: short(&revision).to_string(),
            reason,
            stopped,
        }),
        Outcome::Failed {
            reason,
            stopped,
            rollback,
            by,
        } => Err(Error::DeployFailed {
            service: service.to_string(),
            reason,
            stopped,
            rollback: match rollback {
                Rollback::Done(td) => Rollback::Done(short(&td).to_string()),
                other => other,
            },
            by,
        }),
        Outcome::TimedOut { last } => Err(Error::DeployTimedOut {
            service: service.to_string(),
            waited: timeout.as_secs(),
            last,
        }),
    }
}
