//! `mysfits merge`: the reverse of a split. The rule goes first, so traffic returns to
//! the default route at once; then the service drains and goes, then its target group.

use crate::commands::{rules, Ctx};
use crate::error::Error;
use crate::lab::manifest::Route;
use crate::lab::names::TAG_LAB;
use crate::report::Reporter;

pub async fn run(ctx: &Ctx<'_>, name: &str) -> Result<(), Error> {
    let service = ctx.service(name)?;
    if service.route == Route::Default {
        return Err(Error::MergeDefault(name.to_string()));
    }
    let tg_name = ctx.lab.target_group(name)?;
    let outputs = ctx.outputs().await?;
    let live = rules::live(ctx, &outputs).await?;
    let tg = ctx
        .aws
        .find_target_group(&tg_name)
        .await?
        .filter(|t| t.tags.get(TAG_LAB).map(String::as_str) == Some(ctx.lab.name()));

    let key = format!("rule/{name}");
    ctx.reporter
        .start(&key, &format!("Listener rule of {name}"));
    match tg.as_ref().and_then(|t| {
        live.rules
            .iter()
            .find(|r| r.priority.is_some() && r.target_groups.contains(&t.arn))
    }) {
        Some(rule) => {
            ctx.aws.delete_rule(&rule.arn).await?;
            ctx.reporter.finish(
                &key,
                &format!(
                    "deleted: {} goes to {} again",
                    rule.patterns.join(", "),
                    live.default_target
                ),
                true,
            );
        }
        None => ctx.reporter.finish(&key, "none", true),
    }
    let cluster = outputs.get("ClusterName")?;
    let key = name.to_string();
    ctx.reporter.start(&key, &format!("ECS service {name}"));
    match ctx.aws.describe_service(cluster, name).await? {
        Some(s) if s.tags.get(TAG_LAB).map(String::as_str) == Some(ctx.lab.name()) => {
            ctx.aws.delete_service(cluster, name, &ctx.reporter).await?;
            ctx.reporter.finish(&key, "deleted", true);
        }
        _ => ctx.reporter.finish(&key, "none", true),
    }
    let key = format!("tg/{name}");
    ctx.reporter.start(&key, &format!("Target group {tg_name}"));
    match tg {
        Some(t) => {
            ctx.aws.delete_target_group(&t.arn).await?;
            ctx.reporter.finish(&key, "deleted", true);
        }
        None => ctx.reporter.finish(&key, "none", true),
    }
    ctx.printer.success(&format!(
        "{name} is merged back: {} answers its paths",
        live.default_target
    ));
    Ok(())
}
