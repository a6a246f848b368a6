//! `mysfits deploy`: labs 1–3 of the lab. Build, push, pin the task definition to the
//! pushed digest, register a revision only when something changed, roll the service.

use std::path::Path;
use std::time::Duration;

use crate::aws::rollout::Previous;
use crate::cli::{DeployArgs, ImageSource};
use crate::commands::steps::revision::ensure_revision;
use crate::commands::steps::rollout::watch_rollout;
use crate::commands::Ctx;
use crate::error::Error;
use crate::image::build::{BuildError, Builder};
use crate::image::push::{resolve_digest, Build};
use crate::output::Render;
use crate::report::Row;
use mysfits_lab::manifest::{Route, Service};
use mysfits_lab::rollout::short;

/// What the deploy did to the service.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rollout {
    /// The revision is registered; the service does not exist yet (split or up makes it).
    NoService,
    /// The service already ran this revision.
    Unchanged,
    /// Updated, not watched (`--no-wait`).
    Started,
    /// Updated and watched to the circuit breaker's verdict: completed.
    Completed,
}

/// A deploy's result: the image as pinned, the revision, and what happened to the service.
#[derive(Debug, serde::Serialize)]
pub struct DeployResult {
    pub service: String,
    pub image: String,
    pub revision: String,
    pub rollout: Rollout,
}

impl DeployResult {
    fn new(service: &Service, image: String, revision: &str, rollout: Rollout) -> Self {
        Self {
            service: service.name.clone(),
            image,
            revision: short(revision).to_string(),
            rollout,
        }
    }
}

/// Everything was said on stderr, row by row.
impl Render for DeployResult {
    fn text(&self) -> String {
        String::new()
    }
}

pub async fn run(ctx: &Ctx<'_>, args: &DeployArgs) -> Result<DeployResult, Error> {
    let service = ctx.service(&args.service)?;
    // Everything that can be checked offline is checked before any call (the tag and
    // image reference already by clap).
    let no_build = |tag: Option<&str>| Error::NoBuild {
        service: service.name.clone(),
        tag: tag.map(String::from),
    };
    let Some(source) = args.source() else {
        return Err(match service.build {
            Some(_) => Error::NoTag(service.name.clone()),
            None => no_build(None),
        });
    };
    // The builder and the context, when this deploy builds.
    let build = match source {
        ImageSource::Tag(tag) if !args.no_build => {
            // Images built elsewhere (`build:` left out) are only ever deployed as they are.
            let context = service
                .build
                .as_deref()
                .ok_or_else(|| no_build(Some(tag)))?;
            let builder = Builder::new(args.builder.program())?;
            check_context(ctx, &builder, service, context)?;
            Some((builder, context))
        }
        _ => None,
    };
    let timeout = Duration::from_secs(args.timeout);
    let outputs = ctx.outputs_for_change().await?;

    let image = match source {
        ImageSource::Image(uri) => {
            ctx.printer.note(&format!(
                "Deploying {uri} as given: not built, not pushed, not checked in a registry"
            ));
            uri.to_string()
        }
        ImageSource::Tag(tag) => {
            let repository = match &args.registry {
                Some(r) => format!("{}/{}", r.trim_end_matches('/'), service.name),
                None => outputs.repository(&service.name)?.to_string(),
            };
            let reference = format!("{repository}:{tag}");
            if let Some((builder, context)) = &build {
                crate::image::push::build_and_push(
                    &ctx.aws,
                    &ctx.reporter,
                    Build { builder, context },
                    service,
                    &reference,
                    &args.build_args,
                    args.registry.is_none(),
                )
                .await?;
            }
            let digest =
                resolve_digest(&ctx.aws, &repository, tag, args.registry.is_none()).await?;
            format!("{repository}@{digest}")
        }
    };

    let revision = ensure_revision(ctx, service, &outputs, &image).await?;

    let cluster = outputs.cluster_name.as_str();
    let Some(current) = ctx.aws.describe_service(cluster, &service.name).await? else {
        ctx.printer.note(&format!(
            "{} has no ECS service yet: revision {} is registered for it",
            service.name,
            short(&revision)
        ));
        match &service.route {
            Route::Paths(patterns) => ctx.next(
                "route traffic to it",
                &format!(
                    "mysfits split {} --path '{}'",
                    service.name,
                    patterns[0].as_str()
                ),
            ),
            Route::Default => ctx.next("create the default service", "mysfits up"),
        }
        return Ok(DeployResult::new(
            service,
            image,
            &revision,
            Rollout::NoService,
        ));
    };
    let row = Row::new(&ctx.reporter, &format!("ECS service {}", service.name));
    if current.task_definition == revision {
        row.finish(&format!("already on {}", short(&revision)), true);
        if !args.no_wait {
            // A deploy stopped mid-rollout (Ctrl-C, a kill) left it rolling: the re-run
            // watches it to the verdict instead of calling it done (and finds what it
            // replaces among the deployments).
            watch_rollout(ctx, cluster, &service.name, &revision, None, timeout).await?;
        }
        return Ok(DeployResult::new(
            service,
            image,
            &revision,
            Rollout::Unchanged,
        ));
    }
    // A service that runs no task (`up` makes the default one so) gets the manifest's
    // count with its first revision that is deployed.
    let desired = (current.desired == 0).then_some(service.count as i32);
    ctx.aws
        .update_service_revision(cluster, &service.name, &revision, desired)
        .await?;
    row.finish(
        &match desired {
            Some(n) => format!(
                "updated to {}, {n} task{}",
                short(&revision),
                if n == 1 { "" } else { "s" }
            ),
            None => format!("updated to {}", short(&revision)),
        },
        true,
    );
    // What a rollback restores: the revision, and the count it ran.
    let previous = Previous {
        task_definition: current.task_definition,
        desired: current.desired,
    };
    if args.no_wait {
        ctx.next("watch it", "mysfits status");
        return Ok(DeployResult::new(
            service,
            image,
            &revision,
            Rollout::Started,
        ));
    }
    watch_rollout(
        ctx,
        cluster,
        &service.name,
        &revision,
        Some(previous),
        timeout,
    )
    .await?;
    ctx.printer
        .success(&format!("{} runs {}", service.name, short(&revision)));
    Ok(DeployResult::new(
        service,
        image,
        &revision,
        Rollout::Completed,
    ))
}

/// The built-in lab's contexts exist only where `mysfits init` wrote them: say so, rather
/// than name a path the user never wrote.
fn check_context(
    ctx: &Ctx<'_>,
    builder: &Builder,
    service: &Service,
    context: &Path,
) -> Result<(), Error> {
    match builder.check_context(context) {
        Err(BuildError::NoContext(context)) if ctx.manifest().built_in => {
            Err(Error::NoSampleApps {
                service: service.name.clone(),
                context,
                cwd: std::env::current_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|_| ".".into()),
            })
        }
        other => Ok(other?),
    }
}
