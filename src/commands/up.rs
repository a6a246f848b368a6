//! `mysfits up`: the lab's setup. Core stack, the default-route service, sample data.
//! Every step checks AWS first and changes only what differs.

use std::time::Duration;

use crate::aws::cfn::{needs_replacing, phase, Phase};
use crate::aws::ecs::ServiceSpec;
use crate::cli::OutputFormat;
use crate::commands::task::task_spec;
use crate::commands::Ctx;
use crate::error::Error;
use crate::lab::data::sample_items;
use crate::lab::names::TAG_LAB;
use crate::lab::outputs::StackOutputs;
use crate::lab::template::{self, StackOptions};
use crate::output::table::table;
use crate::report::Reporter;

const STACK_TIMEOUT: Duration = Duration::from_secs(45 * 60);

pub async fn run(ctx: &Ctx<'_>, private_tasks: bool, placeholder_image: &str) -> Result<(), Error> {
    let options = StackOptions { private_tasks };
    ctx.printer.note(&format!(
        "Setting up lab '{}' in {}",
        ctx.lab, ctx.aws.region
    ));
    let outputs = ensure_stack(ctx, &options).await?;
    ensure_default_service(ctx, &outputs, private_tasks, placeholder_image).await?;
    load_sample_data(ctx, &outputs).await?;
    print_outputs(ctx, &outputs);
    let default = ctx.manifest.default_service();
    ctx.printer.next(
        "build and roll out the monolith",
        &format!("mysfits deploy {} --tag v1", default.name),
    );
    Ok(())
}

/// Creates, updates, replaces or waits for the core stack until it is complete and current.
async fn ensure_stack(ctx: &Ctx<'_>, options: &StackOptions) -> Result<StackOutputs, Error> {
    let name = ctx.lab.stack();
    let body = template::render(ctx.manifest);
    let params = template::parameters(ctx.lab, ctx.manifest, options);
    let labels = template::descriptions(&body);
    let tags = ctx.lab.tags(None);
    // A few rounds at most: wait for someone else's change, replace a failed stack, then act.
    for _ in 0..4 {
        let Some(stack) = ctx.aws.describe_stack(name).await? else {
            ctx.printer.note(&format!(
                "Creating core stack '{name}' ({} resources)",
                labels.len()
            ));
            ctx.aws.create_stack(name, &body, &params, &tags).await?;
            return finish_change(ctx, &labels).await;
        };
        if stack.tags.get(TAG_LAB).map(String::as_str) != Some(ctx.lab.name()) {
            return Err(Error::NotOurs { stack: name.into() });
        }
        if phase(&stack.status) == Phase::InProgress {
            ctx.printer.note(&format!(
                "Stack '{name}' is {}: another change is under way; waiting for it",
                stack.status
            ));
            wait(ctx, &labels).await?;
            continue;
        }
        if needs_replacing(&stack.status) {
            let reasons = failed_reasons(ctx, name).await;
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
            let (status, reasons) = wait(ctx, &labels).await?;
            if status != "DELETE_COMPLETE" {
                return Err(Error::StackFailed {
                    stack: name.into(),
                    status,
                    reasons,
                });
            }
            continue;
        }
        // Complete (or an update that rolled back): update only when template or parameters differ.
        let current = ctx.aws.stack_template(name).await?;
        if current == body
            && stack.parameters == params
            && stack.status != "UPDATE_ROLLBACK_COMPLETE"
        {
            ctx.reporter.start("stack", &format!("Core stack {name}"));
            ctx.reporter
                .finish("stack", &format!("up to date ({})", stack.status), true);
            let outputs = StackOutputs(stack.outputs);
            outputs.complete()?;
            return Ok(outputs);
        }
        ctx.printer.note(&format!(
            "Updating core stack '{name}': its template or parameters changed"
        ));
        if !ctx.aws.update_stack(name, &body, &params, &tags).await? {
            ctx.printer.note("CloudFormation found nothing to change");
        }
        return finish_change(ctx, &labels).await;
    }
    Err(Error::Data(format!(
        "stack '{name}' kept changing under us; try again when no one else is changing it"
    )))
}

async fn wait(
    ctx: &Ctx<'_>,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<(String, Vec<String>), Error> {
    let stack = ctx.lab.stack();
    ctx.aws
        .wait_stack(stack, labels, &ctx.reporter, STACK_TIMEOUT)
        .await
        .map_err(|source| Error::Wait {
            stack: stack.into(),
            source,
        })
}

async fn finish_change(
    ctx: &Ctx<'_>,
    labels: &std::collections::BTreeMap<String, String>,
) -> Result<StackOutputs, Error> {
    let name = ctx.lab.stack();
    let (status, reasons) = wait(ctx, labels).await?;
    if phase(&status) != Phase::Done {
        return Err(Error::StackFailed {
            stack: name.into(),
            status,
            reasons,
        });
    }
    // Read outputs only from a stack that completed (the lab read them from one that had not).
    let stack = ctx
        .aws
        .describe_stack(name)
        .await?
        .ok_or_else(|| Error::NotSetUp(name.into()))?;
    let outputs = StackOutputs(stack.outputs);
    outputs.complete()?;
    Ok(outputs)
}

async fn failed_reasons(ctx: &Ctx<'_>, name: &str) -> Vec<String> {
    ctx.aws
        .stack_resources(name)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.status.ends_with("_FAILED"))
        .filter_map(|r| {
            r.reason
                .map(|why| format!("{} ({}): {why}", r.logical_id, r.kind))
        })
        .collect()
}

/// The service behind the listener's default action, on a placeholder image until the
/// first deploy. An existing service is left as it is: `deploy` owns its revisions.
async fn ensure_default_service(
    ctx: &Ctx<'_>,
    outputs: &StackOutputs,
    private_tasks: bool,
    placeholder_image: &str,
) -> Result<(), Error> {
    let service = ctx.manifest.default_service();
    let cluster = outputs.get("ClusterName")?;
    let key = format!("service/{}", service.name);
    ctx.reporter
        .start(&key, &format!("ECS service {}", service.name));
    if let Some(existing) = ctx.aws.describe_service(cluster, &service.name).await? {
        let revision = existing
            .task_definition
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string();
        ctx.reporter.finish(
            &key,
            &format!(
                "exists ({revision}, {}/{} running)",
                existing.running, existing.desired
            ),
            true,
        );
        return Ok(());
    }
    ctx.reporter.update(&key, "registering task definition");
    let spec = task_spec(
        ctx.lab,
        service,
        outputs,
        &ctx.aws.region,
        placeholder_image,
    )?;
    let task_definition = ctx.aws.register_task_definition(&spec).await?;
    ctx.reporter.update(&key, "creating");
    let subnets = outputs.list(if private_tasks {
        "PrivateSubnets"
    } else {
        "PublicSubnets"
    })?;
    let created = ctx
        .aws
        .create_service(&ServiceSpec {
            cluster: cluster.to_string(),
            name: service.name.clone(),
            task_definition,
            desired: service.count,
            subnets,
            security_group: outputs.get("TaskSecurityGroup")?.to_string(),
            public_ip: !private_tasks,
            target_group: outputs.get("DefaultTargetGroupArn")?.to_string(),
            container: service.name.clone(),
            port: service.port,
            tags: ctx.lab.tags(Some(&service.name)),
        })
        .await?;
    ctx.reporter.finish(
        &key,
        &format!("created on {placeholder_image} ({})", created.status),
        true,
    );
    Ok(())
}

async fn load_sample_data(ctx: &Ctx<'_>, outputs: &StackOutputs) -> Result<(), Error> {
    let table = outputs.get("TableName")?;
    ctx.reporter
        .start("data", &format!("Sample mysfits in {table}"));
    if !ctx.aws.table_is_empty(table).await? {
        ctx.reporter.finish("data", "already loaded", true);
        return Ok(());
    }
    let items = sample_items().map_err(Error::Data)?;
    ctx.aws.put_items(table, &items).await?;
    ctx.reporter
        .finish("data", &format!("loaded {} mysfits", items.len()), true);
    Ok(())
}

fn print_outputs(ctx: &Ctx<'_>, outputs: &StackOutputs) {
    if ctx.output == OutputFormat::Json {
        ctx.printer
            .data(&serde_json::to_string_pretty(&outputs.0).expect("string map serializes"));
        return;
    }
    let mut rows = vec![
        vec![
            "Load balancer".into(),
            outputs.get("AlbUrl").unwrap_or_default().to_string(),
        ],
        vec![
            "Cluster".into(),
            outputs.get("ClusterName").unwrap_or_default().to_string(),
        ],
        vec![
            "Table".into(),
            outputs.get("TableName").unwrap_or_default().to_string(),
        ],
    ];
    for service in &ctx.manifest.services {
        if let Ok(uri) = outputs.get(&template::repo_output(&service.name)) {
            rows.push(vec![
                format!("Repository {}", service.name),
                uri.to_string(),
            ]);
        }
    }
    ctx.printer.data(&table(&[], rows));
}
