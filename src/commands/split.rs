//! `mysfits split`: lab 4, the strangler pattern. A target group, a listener rule that
//! forwards the pattern to it, and a Fargate service on the revision `deploy` registered.

use std::time::Duration;

use crate::commands::deploy::watch_rollout;
use crate::commands::task::service_spec;
use crate::commands::{rules, Ctx};
use crate::error::Error;
use crate::lab::alb::{choose_priority, shadowed_by, PathPattern};
use crate::lab::manifest::{Route, Service};
use crate::lab::names::TAG_LAB;
use crate::lab::rollout::short;
use crate::report::Reporter;

pub async fn run(
    ctx: &Ctx<'_>,
    service: Option<&str>,
    paths: &[String],
    priority: Option<u32>,
    no_wait: bool,
    timeout: Duration,
) -> Result<(), Error> {
    // Offline checks first: nothing is created when the input is wrong.
    let mut patterns = Vec::new();
    for p in paths {
        patterns.push(PathPattern::parse(p).map_err(|e| Error::Pattern(e.explain(p)))?);
    }
    // ALB takes at most 5 values across a rule's conditions.
    if patterns.len() > 5 {
        return Err(Error::Pattern(format!(
            "{} path patterns for one rule, but ALB allows at most 5: use wildcards to cover more",
            patterns.len()
        )));
    }
    let service = pick_service(ctx, service, &patterns)?;
    if service.route == Route::Default {
        return Err(Error::Data(format!(
            "{} is the default route's service: it answers every path no rule takes, so it cannot be split out",
            service.name
        )));
    }
    if patterns.is_empty() {
        if let Route::Paths(ps) = &service.route {
            patterns = ps.clone();
        }
    }
    for p in &patterns {
        for w in p.warnings() {
            ctx.printer.warn(&w);
        }
    }
    let tg_name = ctx.lab.target_group(&service.name)?;
    let wanted: Vec<String> = patterns.iter().map(|p| p.as_str().to_string()).collect();

    let outputs = ctx.outputs().await?;
    let family = ctx.lab.family(&service.name);
    let Some((revision, _)) = ctx.aws.latest_revision(&family).await? else {
        return Err(Error::NoRevision(service.name.clone()));
    };
    let live = rules::live(ctx, &outputs).await?;
    let listener = outputs.get("ListenerArn")?;

    // Target group: ours by name and tag, or made now.
    let tg_key = format!("tg/{}", service.name);
    ctx.reporter
        .start(&tg_key, &format!("Target group {tg_name}"));
    let tg_arn = match ctx.aws.find_target_group(&tg_name).await? {
        Some(tg) if tg.tags.get(TAG_LAB).map(String::as_str) != Some(ctx.lab.name()) => {
            ctx.reporter.finish(&tg_key, "exists, not ours", false);
            return Err(Error::Data(format!(
                "target group {tg_name} exists but mysfits did not create it (no tag {TAG_LAB}={}): rename or delete it",
                ctx.lab
            )));
        }
        Some(tg) => {
            ctx.reporter.finish(&tg_key, "exists", true);
            tg.arn
        }
        None => {
            // Check the rule can be placed before creating anything.
            plan_rule(&live, &patterns, priority, &service.name, None)?;
            let arn = ctx
                .aws
                .create_target_group(
                    &tg_name,
                    service.port,
                    outputs.get("VpcId")?,
                    &service.health_check,
                    &ctx.lab.tags(Some(&service.name)),
                )
                .await?;
            ctx.reporter.finish(
                &tg_key,
                "created (ip targets, 10 s checks, 15 s draining)",
                true,
            );
            arn
        }
    };

    // Listener rule: created, changed in place, or left alone.
    let rule_key = format!("rule/{}", service.name);
    ctx.reporter
        .start(&rule_key, &format!("Listener rule {}", wanted.join(", ")));
    match live
        .rules
        .iter()
        .find(|r| r.priority.is_some() && r.target_groups.contains(&tg_arn))
    {
        Some(rule) => {
            let current = rule.priority.unwrap_or_default();
            let target = priority.unwrap_or(current);
            if rule.patterns == wanted && target == current {
                ctx.reporter
                    .finish(&rule_key, &format!("unchanged (priority {current})"), true);
            } else {
                // A new priority must be free; either way the result must not be shadowed.
                let checked = if target == current {
                    plan_rule(
                        &live,
                        &patterns,
                        Some(current),
                        &service.name,
                        Some(current),
                    )?
                } else {
                    plan_rule(&live, &patterns, Some(target), &service.name, None)?
                };
                let mut done = Vec::new();
                if rule.patterns != wanted {
                    ctx.aws.modify_rule_patterns(&rule.arn, &wanted).await?;
                    done.push("pattern changed in place".to_string());
                }
                if checked != current {
                    ctx.aws.set_rule_priority(&rule.arn, checked).await?;
                    done.push(format!("priority {current} → {checked}"));
                }
                ctx.reporter.finish(
                    &rule_key,
                    &format!("{} (priority {checked})", done.join(", ")),
                    true,
                );
            }
        }
        None => {
            let chosen = plan_rule(&live, &patterns, priority, &service.name, None)?;
            ctx.aws
                .create_rule(
                    listener,
                    chosen,
                    &wanted,
                    &tg_arn,
                    &ctx.lab.tags(Some(&service.name)),
                )
                .await?;
            ctx.reporter
                .finish(&rule_key, &format!("created (priority {chosen})"), true);
            for p in &patterns {
                ctx.printer.note(&format!(
                    "paths matching {} went to {} before; now {} answers them",
                    p.as_str(),
                    taken_from(&live, p),
                    service.name
                ));
            }
        }
    }

    // The Fargate service behind it.
    let cluster = outputs.get("ClusterName")?;
    let svc_key = format!("service/{}", service.name);
    ctx.reporter
        .start(&svc_key, &format!("ECS service {}", service.name));
    if let Some(existing) = ctx.aws.describe_service(cluster, &service.name).await? {
        ctx.reporter.finish(
            &svc_key,
            &format!("exists ({})", short(&existing.task_definition)),
            true,
        );
        ctx.next(
            "send it a request",
            &format!("mysfits route {}", example_path(&patterns[0])),
        );
        return Ok(());
    }
    ctx.aws
        .create_service(&service_spec(
            ctx.lab, service, &outputs, &revision, &tg_arn,
        )?)
        .await?;
    ctx.reporter
        .finish(&svc_key, &format!("created on {}", short(&revision)), true);
    if !no_wait {
        watch_rollout(ctx, cluster, &service.name, &revision, timeout).await?;
    }
    ctx.printer.success(&format!(
        "{} answers {} behind the same load balancer",
        service.name,
        wanted.join(", ")
    ));
    ctx.next(
        "check the routing",
        &format!("mysfits route {}", example_path(&patterns[0])),
    );
    Ok(())
}

/// The service named, or the one whose manifest route is the given pattern.
fn pick_service<'m>(
    ctx: &Ctx<'m>,
    name: Option<&str>,
    patterns: &[PathPattern],
) -> Result<&'m Service, Error> {
    if let Some(name) = name {
        return ctx.service(name);
    }
    let routed: Vec<&Service> = ctx
        .manifest
        .services
        .iter()
        .filter(|s| matches!(&s.route, Route::Paths(ps) if !patterns.is_empty() && patterns.iter().all(|p| ps.contains(p))))
        .collect();
    match routed.as_slice() {
        [one] => Ok(one),
        _ => Err(Error::Data(format!(
            "no single manifest service is routed by {}: name one of {}",
            if patterns.is_empty() {
                "no --path".to_string()
            } else {
                patterns
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            ctx.manifest
                .services
                .iter()
                .filter(|s| s.route != Route::Default)
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The priority for the rule, refusing one a higher-precedence rule would shadow.
fn plan_rule(
    live: &rules::Live,
    patterns: &[PathPattern],
    requested: Option<u32>,
    service: &str,
    own: Option<u32>,
) -> Result<u32, Error> {
    let others: Vec<_> = live
        .model
        .iter()
        .filter(|r| Some(r.priority) != own && r.target != service)
        .cloned()
        .collect();
    let priority = match own {
        Some(p) => p,
        None => choose_priority(&others, patterns, requested)
            .map_err(|e| Error::Priority(e.to_string()))?,
    };
    if let Some(rule) = shadowed_by(&others, patterns, priority) {
        return Err(Error::Shadowed {
            patterns: patterns
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            priority: rule.priority,
            by: rule
                .patterns
                .iter()
                .map(|p| p.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            target: rule.target.clone(),
        });
    }
    Ok(priority)
}

/// Who answered the pattern's paths before: the first rule that overlaps it, else the default.
fn taken_from(live: &rules::Live, p: &PathPattern) -> String {
    let example = example_path(p);
    live.model
        .iter()
        .find(|r| r.matches(&example))
        .map(|r| format!("{} (rule priority {})", r.target, r.priority))
        .unwrap_or_else(|| format!("{} (default action)", live.default_target))
}

/// A concrete path the pattern matches: `*` → `1`, `?` → `x`.
fn example_path(p: &PathPattern) -> String {
    p.as_str().replace('*', "1").replace('?', "x")
}
