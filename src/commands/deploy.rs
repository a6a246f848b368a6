//! `mysfits deploy`: labs 1–3 of the lab. Build, push, pin the task definition to the
//! pushed digest, register a revision only when something changed, roll the service.

use std::path::Path;
use std::time::Duration;

mod plan;

use crate::aws::rollout::Previous;
use crate::cli::{DeployArgs, ImageSource};
use crate::commands::steps::revision::ensure_revision;
use crate::commands::steps::rollout::watch_rollout;
use crate::commands::steps::task::refuse_foreign_service;
use crate::commands::Ctx;
use crate::error::Error;
use crate::image::build::{BuildError, Builder};
use crate::image::push::{resolve_digest, Build};
use crate::output::Render;
use crate::report::Row;
use mysfits_lab::manifest::{Route, Service};
use mysfits_lab::outputs::StackOutputs;
use mysfits_lab::rollout::short;
use plan::{rollout_step, DeployPlan, DeployRequest, RolloutStep, Source};

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
impl Render for DeployResult {}

pub async fn run(ctx: &Ctx<'_>, args: &DeployArgs) -> Result<DeployResult, Error> {
    let plan = DeployPlan::new(ctx.manifest(), &request(args))?;
    let service = plan.service;
    // The builder and the context, when this deploy builds.
    let build = match plan.build {
        Some(context) => {
            let builder = Builder::new(plan.builder)?;
            check_context(ctx, &builder, service, context)?;
            Some((builder, context))
        }
        None => None,
    };
    let outputs = ctx.outputs_for_change().await?;
    let cluster = outputs.cluster_name.as_str();
    refuse_foreign_service(ctx, cluster, &service.name).await?;
    let image = image(ctx, &plan, &outputs, build).await?;
    let revision = ensure_revision(ctx, service, &outputs, &image).await?;

    let current = ctx.aws.describe_service(cluster, &service.name).await?;
    let step = rollout_step(
        service,
        current
            .as_ref()
            .map(|c| (c.task_definition.as_str(), c.desired)),
        &revision,
    );
    let rollout = match step {
        RolloutStep::NoService => {
            no_service(ctx, service, &revision);
            Rollout::NoService
        }
        RolloutStep::Unchanged => {
            let row = Row::new(&ctx.reporter, &format!("ECS service {}", service.name));
            row.finish(&format!("already on {}", short(&revision)), true);
            if let Some(wait) = plan.wait {
                // A deploy stopped mid-rollout (Ctrl-C, a kill) left it rolling: the re-run
                // watches it to the verdict instead of calling it done (and finds what it
                // replaces among the deployments).
                watch_rollout(ctx, cluster, &service.name, &revision, None, wait).await?;
            }
            Rollout::Unchanged
        }
        RolloutStep::Update { desired, previous } => {
            update(ctx, &plan, cluster, &revision, desired, previous).await?
        }
    };
    Ok(DeployResult::new(service, image, &revision, rollout))
}

/// The arguments as plain values, for the plan.
fn request(args: &DeployArgs) -> DeployRequest {
    DeployRequest {
        service: args.service.clone(),
        source: args.source().map(|s| match s {
            ImageSource::Tag(t) => Source::Tag(t.to_string()),
            ImageSource::Image(i) => Source::Image(i.to_string()),
        }),
        no_build: args.no_build,
        builder: args.builder.program(),
        build_args: args.build_args.clone(),
        registry: args.registry.clone(),
        no_wait: args.no_wait,
        timeout: Duration::from_secs(args.timeout),
    }
}

/// The image the revision names: as given, or the tag built and pushed (when this deploy
/// builds) and pinned to its digest in the registry.
async fn image(
    ctx: &Ctx<'_>,
    plan: &DeployPlan<'_>,
    outputs: &StackOutputs,
    build: Option<(Builder, &Path)>,
) -> Result<String, Error> {
    let tag = match &plan.source {
        Source::Image(uri) => {
            ctx.printer.note(&format!(
                "Deploying {uri} as given: not built, not pushed, not checked in a registry"
            ));
            return Ok(uri.clone());
        }
        Source::Tag(tag) => tag,
    };
    let repository = plan.repository(outputs)?;
    let reference = format!("{repository}:{tag}");
    if let Some((builder, context)) = &build {
        crate::image::push::build_and_push(
            &ctx.aws,
            &ctx.reporter,
            Build { builder, context },
            plan.service,
            &reference,
            &plan.build_args,
            plan.ecr(),
        )
        .await?;
    }
    let digest = resolve_digest(&ctx.aws, &repository, tag, plan.ecr()).await?;
    Ok(format!("{repository}@{digest}"))
}

/// No ECS service yet: the revision waits for it; the next command makes it.
fn no_service(ctx: &Ctx<'_>, service: &Service, revision: &str) {
    ctx.printer.note(&format!(
        "{} has no ECS service yet: revision {} is registered for it",
        service.name,
        short(revision)
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
        Route::Unset => ctx.next(
            "route traffic to it, giving the paths it serves",
            &format!("mysfits split {} --path PATTERN", service.name),
        ),
        Route::Default => ctx.next("create the default service", "mysfits up"),
    }
}

/// The service rolled to the revision (and the manifest's count when it ran no task),
/// then watched to the verdict unless `--no-wait`.
async fn update(
    ctx: &Ctx<'_>,
    plan: &DeployPlan<'_>,
    cluster: &str,
    revision: &str,
    desired: Option<i32>,
    previous: Previous,
) -> Result<Rollout, Error> {
    let service = plan.service;
    let row = Row::new(&ctx.reporter, &format!("ECS service {}", service.name));
    ctx.aws
        .update_service_revision(cluster, &service.name, revision, desired)
        .await?;
    row.finish(
        &match desired {
            Some(n) => format!(
                "updated to {}, {n} task{}",
                short(revision),
                if n == 1 { "" } else { "s" }
            ),
            None => format!("updated to {}", short(revision)),
        },
        true,
    );
    let Some(wait) = plan.wait else {
        ctx.next("watch it", "mysfits status");
        return Ok(Rollout::Started);
    };
    watch_rollout(ctx, cluster, &service.name, revision, Some(previous), wait).await?;
    ctx.printer
        .success(&format!("{} runs {}", service.name, short(revision)));
    Ok(Rollout::Completed)
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
