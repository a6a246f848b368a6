//! The task-definition revision for an image (`deploy`, `run --tag`, `up`'s placeholder):
//! registered only when something differs from the family's latest.

use crate::commands::steps::task::task_spec;
use crate::commands::Ctx;
use crate::error::Error;
use crate::report::Row;
use mysfits_lab::rollout::short;

/// The family's latest revision when it already runs `image` as the manifest says, else a
/// new one: re-deploying the same thing registers nothing.
pub async fn ensure_revision(
    ctx: &Ctx<'_>,
    service: &mysfits_lab::manifest::Service,
    outputs: &mysfits_lab::outputs::StackOutputs,
    image: &str,
) -> Result<String, Error> {
    let spec = task_spec(ctx.lab, service, outputs, &ctx.aws.region, image)?;
    let row = Row::new(&ctx.reporter, &format!("Task definition {}", spec.family));
    Ok(match ctx.aws.latest_revision(&spec.family).await? {
        Some((arn, current)) if current.same_revision(&spec) => {
            row.finish(&format!("unchanged ({})", short(&arn)), true);
            arn
        }
        _ => {
            let arn = ctx.aws.register_task_definition(&spec).await?;
            row.finish(&format!("registered {}", short(&arn)), true);
            arn
        }
    })
}
