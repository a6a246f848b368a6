//! `mysfits up`: the lab's setup. Core stack, the default-route service, sample data.
//! Every step checks AWS first and changes only what differs.

mod plan;

use crate::commands::steps::attach::resolve;
use crate::commands::steps::revision::ensure_revision;
use crate::commands::steps::task::{ensure_grace, service_spec};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::table::table;
use crate::output::Render;
use crate::report::Row;
use mysfits_lab::attach::AttachSpec;
use mysfits_lab::data::{sample_items, SAMPLE_KEY};
use mysfits_lab::outputs::StackOutputs;
use mysfits_lab::site;
use mysfits_lab::stack::{Phase, StackEnd};
use mysfits_lab::template::StackOptions;
use plan::{stack_step, StackStep, UpPlan};

/// The lab as `up` left it: where it is, its page, and the stack's outputs.
#[derive(Debug, serde::Serialize)]
pub struct UpResult {
    pub lab: String,
    pub region: String,
    /// The lab's page (the `WebsiteUrl` output), published by this run.
    pub site_url: String,
    pub outputs: std::collections::BTreeMap<String, String>,
    /// The rows of the text form: load balancer, cluster, table, repositories.
    #[serde(skip)]
    rows: Vec<Vec<String>>,
}

/// The page's URL first, on a line of its own (the one to open), then the stack's outputs.
impl Render for UpResult {
    fn text(&self) -> String {
        format!(
            "{}: {}\n{}",
            if self.outputs.contains_key("Attached") {
                "Load balancer"
            } else {
                "Website"
            },
            self.site_url,
            table(&[], self.rows.clone())
        )
    }
}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::UpArgs) -> Result<UpResult, Error> {
    if let Some(spec) = &ctx.manifest().attach {
        return run_attached(ctx, spec).await;
    }
    let options = StackOptions {
        private_tasks: args.private_tasks,
        clicks_buffer_seconds: args.clicks_buffer,
    };
    let plan = UpPlan::new(ctx.lab, ctx.manifest(), &options, &args.placeholder_image);
    ctx.printer.note(&format!(
        "Setting up lab '{}' in {}",
        ctx.lab, ctx.aws.region
    ));
    let outputs = ensure_stack(ctx, &plan).await?;
    ensure_default_service(ctx, &plan, &outputs).await?;
    load_sample_data(ctx, &outputs).await?;
    publish_site(ctx, &outputs).await?;
    let site_url = outputs.site()?.1.to_string();
    ctx.next(plan.next.0, &plan.next.1);
    ctx.printer.next(
        "then open the lab's page (the mysfits, likes, adoptions)",
        &site_url,
    );
    Ok(UpResult {
        lab: ctx.lab.to_string(),
        region: ctx.aws.region.clone(),
        site_url,
        rows: summary_rows(
            ctx,
            &outputs,
            ("Table", outputs.table_name.clone().unwrap_or_default()),
        ),
        outputs: outputs.all,
    })
}

/// Attached to a listener mysfits did not make: every check against the setup first, then
/// only mysfits' own stack beside it. No default service, table or page of its own.
async fn run_attached(ctx: &Ctx<'_>, spec: &AttachSpec) -> Result<UpResult, Error> {
    let found = resolve(ctx, spec).await?;
    let plan = UpPlan::attached(ctx.lab, ctx.manifest(), &found.attached);
    ctx.printer.note(&format!(
        "Setting up lab '{}' in {} beside load balancer {} (default: {})",
        ctx.lab, ctx.aws.region, found.load_balancer.name, found.attached.default
    ));
    let outputs = ensure_stack(ctx, &plan).await?;
    // A foreign group is never edited: when it keeps the load balancer from reaching the
    // tasks, the exact rule to add is said instead.
    let groups = ctx
        .aws
        .security_groups(&found.attached.alb_security_groups)
        .await?;
    for group in groups.iter().filter(|g| !g.open_egress) {
        ctx.printer.warn(&format!(
            "the load balancer's security group {} ({}) has no egress to anywhere: it may not reach mysfits' tasks",
            group.id, group.name
        ));
        ctx.printer.next(
            "let it reach them (mysfits does not edit groups it did not make)",
            &format!(
                "aws ec2 authorize-security-group-egress --group-id {} --ip-permissions IpProtocol=tcp,FromPort=1,ToPort=65535,UserIdGroupPairs=[{{GroupId={}}}]",
                group.id,
                outputs.task_security_group.split(',').next().unwrap_or_default()
            ),
        );
    }
    ctx.next(plan.next.0, &plan.next.1);
    Ok(UpResult {
        lab: ctx.lab.to_string(),
        region: ctx.aws.region.clone(),
        site_url: outputs.alb_url.clone(),
        rows: summary_rows(
            ctx,
            &outputs,
            ("Default", found.attached.default.to_string()),
        ),
        outputs: outputs.all,
    })
}

/// Creates, updates, replaces or waits for the core stack until it is complete and current.
async fn ensure_stack(ctx: &Ctx<'_>, plan: &UpPlan<'_>) -> Result<StackOutputs, Error> {
    let name = plan.stack.as_str();
    let (body, params, labels, tags) = (&plan.body, &plan.parameters, &plan.labels, &plan.tags);
    // A few rounds at most: wait for someone else's change, replace a failed stack, then act.
    for _ in 0..4 {
        let stack = ctx.aws.describe_stack(name).await?;
        let step = stack_step(stack.as_ref(), ctx.lab)?;
        let Some(stack) = stack else {
            ctx.printer.note(&format!(
                "Creating core stack '{name}' ({} resources)",
                labels.len()
            ));
            ctx.aws.create_stack(name, body, params, tags).await?;
            return finish_change(ctx, labels).await;
        };
        match step {
            StackStep::Wait => {
                ctx.printer.note(&format!(
                    "Stack '{name}' is {}: another change is under way; waiting for it",
                    stack.status
                ));
                wait(ctx, labels).await?;
                continue;
            }
            StackStep::Replace => {
                let reasons = failed_reasons(ctx, name).await?;
                if !ctx.yes {
                    return Err(Error::NeedsReplacing {
                        stack: name.into(),
                        status: stack.status,
                        reasons,
                    });
                }
                ctx.printer.warn(&format!(
                    "stack '{name}' is {}: deleting it to create it again (--yes)",
                    stack.status
                ));
                ctx.aws.delete_stack(name).await?;
                if let StackEnd::Settled { status, reasons } = wait(ctx, labels).await? {
                    return Err(Error::StackFailed {
                        stack: name.into(),
                        status,
                        reasons,
                    });
                }
                continue;
            }
            // Create: only ever for no stack, made above.
            StackStep::Compare | StackStep::Create => {}
        }
        // Complete (or an update that rolled back): update only when template or parameters differ.
        let current = ctx.aws.stack_template(name).await?;
        if plan.up_to_date(&stack, &current) {
            Row::new(&ctx.reporter, &format!("Core stack {name}"))
                .finish(&format!("up to date ({})", stack.status), true);
            return Ok(StackOutputs::read(stack.outputs)?);
        }
        ctx.printer.note(&format!(
            "Updating core stack '{name}': its template or parameters changed"
        ));
        if !ctx.aws.update_stack(name, body, params, tags).await? {
            ctx.printer.note("CloudFormation found nothing to change");
        }
        return finish_change(ctx, labels).await;
    }
    Err(Error::StackKeptChanging(name.to_string()))
}

async fn wait(
    ctx: &Ctx<'_>,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<StackEnd, Error> {
    crate::commands::steps::stack::wait(ctx, ctx.lab.stack(), labels).await
}

async fn finish_change(
    ctx: &Ctx<'_>,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<StackOutputs, Error> {
    let name = ctx.lab.stack();
    match wait(ctx, labels).await? {
        StackEnd::Settled { status, .. } if status.phase() == Phase::Done => {}
        StackEnd::Settled { status, reasons } => {
            return Err(Error::StackFailed {
                stack: name.into(),
                status,
                reasons,
            })
        }
        StackEnd::Gone => return Err(ctx.not_set_up().await),
    }
    // Read outputs only from a stack that completed (the lab read them from one that had not).
    let Some(stack) = ctx.aws.describe_stack(name).await? else {
        return Err(ctx.not_set_up().await);
    };
    Ok(StackOutputs::read(stack.outputs)?)
}

async fn failed_reasons(ctx: &Ctx<'_>, name: &str) -> Result<Vec<String>, Error> {
    Ok(ctx
        .aws
        .stack_resources(name)
        .await?
        .into_iter()
        .filter(|r| r.failed)
        .filter_map(|r| {
            r.reason
                .map(|why| format!("{} ({}): {why}", r.logical_id, r.kind))
        })
        .collect())
}

/// The service behind the listener's default action, with no task until the first
/// deploy: its first revision names a placeholder image that nothing starts (AWS would
/// pull it, the local engine cannot), so `up` bills no task and waits for no image. The
/// first `deploy` sets the manifest's count. An existing service is left as it is:
/// `deploy` owns its revisions.
async fn ensure_default_service(
    ctx: &Ctx<'_>,
    plan: &UpPlan<'_>,
    outputs: &StackOutputs,
) -> Result<(), Error> {
    let service = plan.default_service;
    let cluster = outputs.cluster_name.as_str();
    let row = Row::new(&ctx.reporter, &format!("ECS service {}", service.name));
    if let Some(existing) = ctx.aws.describe_service(cluster, &service.name).await? {
        let revision = mysfits_lab::arn::tail(&existing.task_definition).to_string();
        let grace = ensure_grace(ctx, cluster, &existing, service).await?;
        row.finish(
            &format!(
                "exists ({revision}, {}/{} running){}",
                existing.running,
                existing.desired,
                grace.map(|g| format!("; {g}")).unwrap_or_default()
            ),
            true,
        );
        return Ok(());
    }
    // The identical revision when a cut-short run registered it already, as deploy does.
    row.update("task definition");
    let task_definition = ensure_revision(ctx, service, outputs, &plan.placeholder_image).await?;
    row.update("creating");
    let mut spec = service_spec(
        ctx.lab,
        service,
        outputs,
        &task_definition,
        outputs.default_target_group_arn.as_str(),
    )?;
    spec.desired = 0;
    let created = ctx.aws.create_service(&spec).await?;
    row.finish(
        &format!(
            "created with no task until the first deploy ({}, {})",
            mysfits_lab::arn::tail(&task_definition),
            created.status
        ),
        true,
    );
    Ok(())
}

async fn load_sample_data(ctx: &Ctx<'_>, outputs: &StackOutputs) -> Result<(), Error> {
    let table = outputs.table()?;
    let row = Row::new(&ctx.reporter, &format!("Sample mysfits in {table}"));
    let items = sample_items().map_err(Error::SampleData)?;
    let items = ctx.aws.missing_items(table, SAMPLE_KEY, &items).await?;
    if items.is_empty() {
        row.finish("already loaded", true);
        return Ok(());
    }
    ctx.aws.put_items(table, &items).await?;
    row.finish(&format!("loaded {} mysfits", items.len()), true);
    Ok(())
}

/// The page and its `config.js` in the website bucket: only the objects whose bytes
/// differ from what S3 holds (its ETag is the MD5 of a single-part put), and objects no
/// longer part of the page removed. A re-run with nothing changed puts nothing.
async fn publish_site(ctx: &Ctx<'_>, outputs: &StackOutputs) -> Result<(), Error> {
    let (bucket, site_url) = outputs.site()?;
    let row = Row::new(&ctx.reporter, "website");
    let modern = outputs.modern()?;
    let objects = site::objects(&site::PageConfig {
        api_url: modern.api_url.clone(),
        region: ctx.aws.region.clone(),
        cognito_endpoint: site::PageConfig::cognito_endpoint(
            &ctx.aws.region,
            ctx.aws.endpoint.as_deref(),
        ),
        user_pool_id: modern.user_pool_id.clone(),
        client_id: modern.client_id.clone(),
    });
    let current = ctx
        .aws
        .bucket_objects(bucket)
        .await?
        .ok_or_else(|| Error::WebsiteBucketMissing(bucket.to_string()))?;
    let changed: Vec<_> = objects
        .iter()
        .filter(|o| current.get(&o.key) != Some(&o.etag))
        .collect();
    let stale: Vec<String> = current
        .keys()
        .filter(|k| !objects.iter().any(|o| &o.key == *k))
        .cloned()
        .collect();
    for (i, object) in changed.iter().enumerate() {
        row.update(&format!("{}/{}: {}", i + 1, changed.len(), object.key));
        ctx.aws
            .put_object(
                bucket,
                &object.key,
                object.body.clone(),
                object.content_type,
            )
            .await?;
    }
    if !stale.is_empty() {
        ctx.aws.delete_objects(bucket, &stale).await?;
    }
    let done = match (changed.len(), stale.len()) {
        (0, 0) => "up to date".to_string(),
        (n, 0) => format!("published {n} of {} files", objects.len()),
        (n, s) => format!("published {n} of {} files, removed {s}", objects.len()),
    };
    row.finish(&format!("{done}: {site_url}"), true);
    Ok(())
}

/// Load balancer, cluster, one row of the lab's kind (its table; attached, its default),
/// then each repository.
fn summary_rows(
    ctx: &Ctx<'_>,
    outputs: &StackOutputs,
    (label, value): (&str, String),
) -> Vec<Vec<String>> {
    let mut rows = vec![
        vec!["Load balancer".into(), outputs.alb_url.clone()],
        vec!["Cluster".into(), outputs.cluster_name.clone()],
        vec![label.into(), value],
    ];
    // A core lab's API in front (the page's API) and its user pool.
    if let Some(m) = &outputs.modern {
        rows.push(vec!["API".into(), m.api_url.clone()]);
        rows.push(vec!["User pool".into(), m.user_pool_id.clone()]);
    }
    for service in &ctx.manifest().services {
        if let Ok(uri) = outputs.repository(&service.name) {
            rows.push(vec![
                format!("Repository {}", service.name),
                uri.to_string(),
            ]);
        }
    }
    rows
}

/// Stack states moto cannot reach (ROLLBACK_COMPLETE, someone else's change, a stack not
/// ours), as recorded CloudFormation responses.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::ctx::testing::{stack, Fixture};
    use aws_sdk_cloudformation::error::ErrorMetadata;
    use aws_sdk_cloudformation::operation::create_stack::CreateStackOutput;
    use aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput;
    use aws_sdk_cloudformation::operation::describe_stack_resources::DescribeStackResourcesOutput;
    use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksError;
    use aws_sdk_cloudformation::types::{StackResource, StackStatus};
    use aws_sdk_cloudformation::Client;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

    fn gone() -> DescribeStacksError {
        DescribeStacksError::generic(
            ErrorMetadata::builder()
                .code("ValidationError")
                .message("Stack with id mysfits does not exist")
                .build(),
        )
    }

    fn failed_resources() -> Rule {
        mock!(Client::describe_stack_resources).then_output(|| {
            DescribeStackResourcesOutput::builder()
                .stack_resources(
                    StackResource::builder()
                        .logical_resource_id("Alb")
                        .resource_type("AWS::ElasticLoadBalancingV2::LoadBalancer")
                        .resource_status(
                            aws_sdk_cloudformation::types::ResourceStatus::CreateFailed,
                        )
                        .resource_status_reason("Name 'x' is too long")
                        .build(),
                )
                .build()
        })
    }

    async fn ensure(cfn: Client, yes: bool) -> Result<StackOutputs, Error> {
        let fixture = Fixture::new();
        let ctx = fixture.ctx(cfn, yes);
        let plan = UpPlan::new(
            ctx.lab,
            ctx.manifest(),
            &StackOptions::default(),
            "placeholder",
        );
        ensure_stack(&ctx, &plan).await
    }

    #[tokio::test]
    async fn rollback_complete_is_reported_and_left_alone_without_yes() {
        let describe = mock!(Client::describe_stacks)
            .then_output(|| stack(StackStatus::RollbackComplete, true));
        let resources = failed_resources();
        let delete =
            mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
        let cfn = mock_client!(
            aws_sdk_cloudformation,
            RuleMode::MatchAny,
            [&describe, &resources, &delete]
        );
        let err = ensure(cfn, false).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "stack 'mysfits' is ROLLBACK_COMPLETE: CloudFormation can only delete it and create it again"
        );
        let hints = err.hints("mysfits");
        assert!(
            hints.iter().any(|h| h.contains("Name 'x' is too long")),
            "{hints:?}"
        );
        assert!(
            hints.iter().any(|h| h.contains("`mysfits up --yes`")),
            "{hints:?}"
        );
        assert_eq!(err.exit_code(), 1);
        assert_eq!(delete.num_calls(), 0, "nothing deleted without --yes");
    }

    #[tokio::test]
    async fn rollback_complete_is_replaced_with_yes() {
        let describe = mock!(Client::describe_stacks)
            .sequence()
            .output(|| stack(StackStatus::RollbackComplete, true))
            .error(gone) // the deletion's wait: gone
            .error(gone) // the next round: create
            .output(|| stack(StackStatus::CreateComplete, true))
            .repeatedly()
            .build();
        let resources = failed_resources();
        let delete =
            mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build());
        let create = mock!(Client::create_stack)
            .then_output(|| CreateStackOutput::builder().stack_id("id").build());
        let cfn = mock_client!(
            aws_sdk_cloudformation,
            RuleMode::MatchAny,
            [&describe, &resources, &delete, &create]
        );
        let outputs = ensure(cfn, true).await.unwrap();
        assert_eq!(outputs.cluster_name, "ClusterName-value");
        assert_eq!((delete.num_calls(), create.num_calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_stack_without_the_lab_tag_is_not_touched() {
        let describe = mock!(Client::describe_stacks)
            .then_output(|| stack(StackStatus::CreateComplete, false));
        let cfn = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, [&describe]);
        let err = ensure(cfn, true).await.unwrap_err();
        assert!(
            err.to_string().contains("mysfits did not create it"),
            "{err}"
        );
    }
}
