//! Waiting on the lab's stack: the rows of its resources until it settles.

use std::collections::BTreeMap;

use mysfits_lab::stack::StackEnd;

use crate::commands::Ctx;
use crate::error::Error;

/// Polls `stack` until it settles, one progress row per resource, labelled by `labels`.
pub async fn wait(
    ctx: &Ctx<'_>,
    stack: &str,
    labels: &BTreeMap<String, String>,
) -> Result<StackEnd, Error> {
    ctx.aws
        .wait_stack(
            stack,
            labels,
            &ctx.reporter,
            crate::aws::poll::STACK_TIMEOUT,
        )
        .await
        .map_err(|source| Error::Wait {
            stack: stack.into(),
            source,
        })
}
