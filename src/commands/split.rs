//! `mysfits split`: lab 4, the strangler pattern. A target group, a listener rule that
//! forwards the pattern to it, and a Fargate service on the revision `deploy` registered.

mod plan;

use crate::aws::elb::RuleInfo;
use crate::commands::steps::cutover::{BakePart, Cutover};
use crate::commands::steps::rollout::watch_rollout;
use crate::commands::steps::rules::{self, WeightPart};
use crate::commands::steps::task::{ensure_grace, refuse_foreign_service, service_spec};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;
use crate::report::Row;
use mysfits_lab::alb::{evaluate_request, Conditions, HttpRequest, PathPattern, Placement};
use mysfits_lab::manifest::Service;
use mysfits_lab::outputs::StackOutputs;
use mysfits_lab::rollout::short;
use mysfits_lab::weights::Forward;
use plan::{SplitPlan, SplitRequest};

/// A split as it stands: the service, its paths, its rule's priority and target group.
#[derive(Debug, serde::Serialize)]
pub struct SplitResult {
    pub service: String,
    pub patterns: Vec<String>,
    /// The rule's host condition (`--host`, `host:`), when it has one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<String>,
    pub priority: Option<u32>,
    pub target_group: String,
    /// The rule's groups and their shares as the split left them.
    pub weights: Vec<WeightPart>,
    /// The steps watched on the way, in order.
    pub bakes: Vec<BakePart>,
    /// What the rest of the app must do now (the manifest's `split_needs`).
    pub note: Option<String>,
}

/// Everything was said on stderr, row by row.
impl Render for SplitResult {}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::SplitArgs) -> Result<SplitResult, Error> {
    let req = request(args, ctx.manifest().attach.is_some());
    // Offline checks first: nothing is created when the input is wrong.
    let target = plan::target(ctx.manifest(), &req)?;
    for trap in &target.accepted {
        ctx.printer.warn(&format!("{trap} (accepted with --force)"));
    }
    let service = target.service;
    // Said first: it is what must be true before traffic moves.
    if let Some(needs) = &service.split_needs {
        ctx.printer.remark(needs);
    }
    let tg_name = ctx.lab.target_group(&service.name)?;
    let outputs = ctx.outputs_for_change().await?;
    refuse_foreign_service(ctx, &outputs.cluster_name, &service.name).await?;
    let family = ctx.lab.family(&service.name);
    let latest = ctx.aws.latest_revision(&family).await?.map(|(arn, _)| arn);
    let revision = plan::revision(service, latest)?;
    let live = rules::live(ctx, &outputs).await?;
    // Target group: ours by name and tag, or made below once the rule has a place.
    let tg_row = Row::new(&ctx.reporter, &format!("Target group {tg_name}"));
    let existing = ctx.aws.find_target_group(&tg_name).await?;
    let plan = SplitPlan::new(target, tg_name, revision, &live, existing, ctx.lab, &req)
        .inspect_err(|e| {
            if matches!(e, Error::ForeignTargetGroup { .. }) {
                tg_row.finish("exists, not ours", false);
            }
        })?;
    for dead in &plan.dead {
        ctx.printer
            .warn(&format!("already on the listener: {dead}"));
    }

    let tg_arn = ensure_target_group(ctx, &tg_row, &plan, &outputs).await?;
    let default_tg = outputs.default_target_group_arn.clone();
    // A new rule starts at 0 %: the service has no healthy target yet, and a share sent
    // to an empty group is the load balancer's own 503. The walk below moves it (a plain
    // split walks one step, 100) once the service's first target is healthy.
    let first = Forward::at(&tg_arn, &default_tg, 0);
    let (priority, rule_arn) = ensure_rule(ctx, &live, &plan, &first).await?;
    ensure_service(ctx, &plan, &outputs, &tg_arn).await?;

    let mut cut = Cutover {
        service: &service.name,
        cluster: outputs.cluster_name.as_str(),
        rule_arn,
        target_group: tg_arn,
        default_target_group: default_tg,
        default_service: live.default_target.clone(),
        load_balancer: outputs.alb_arn.clone(),
        current: plan
            .own
            .as_ref()
            .and_then(|r| r.forward.clone())
            .unwrap_or(first),
        wait: plan.wait,
    };
    let bakes = cut.walk(ctx, &plan.steps, &plan.watch).await?;
    let held = plan.steps.last().is_some_and(|s| s.weight > cut.weight());
    if held {
        // --no-wait, and no healthy target yet: the same command again finishes the walk.
        ctx.printer.next(
            "once it has a healthy target, send it its share",
            &crate::commands::steps::interrupt::command_line().replace(" --no-wait", ""),
        );
    } else if cut.weight() == 100 {
        answers(ctx, service, &plan.patterns);
    } else if plan.weighted {
        ctx.next(
            "send it more",
            &format!(
                "mysfits shift {} {}",
                service.name,
                mysfits_lab::weights::next_weight(cut.weight())
            ),
        );
    }
    Ok(SplitResult {
        service: service.name.clone(),
        patterns: plan.pattern_strings(),
        hosts: plan.host_strings(),
        priority,
        target_group: plan.target_group,
        weights: cut.weights(),
        bakes,
        note: service.split_needs.clone(),
    })
}

/// The arguments as plain values, for the plan.
fn request(args: &crate::cli::SplitArgs, attached: bool) -> SplitRequest {
    SplitRequest {
        attached,
        service: args.service.clone(),
        paths: args.paths.clone(),
        hosts: args.hosts.clone(),
        priority: args.priority,
        force: args.force,
        no_wait: args.no_wait,
        timeout: std::time::Duration::from_secs(args.timeout),
        canary: args.canary,
        steps: args.steps.as_ref().map(|s| s.0.clone()),
        bake: args.watch.bake,
        max_5xx: args.watch.max_5xx,
    }
}

/// The target group: an existing one of ours brought to the manifest's health check and
/// draining time (a changed manifest, or a run cut short before the draining time was
/// set), each change said; else created. Its ARN.
async fn ensure_target_group(
    ctx: &Ctx<'_>,
    row: &Row<'_>,
    plan: &SplitPlan<'_>,
    outputs: &StackOutputs,
) -> Result<String, Error> {
    let service = plan.service;
    let hc = &service.health_check;
    if let Some(tg) = &plan.existing {
        let mut changes = plan.health_changes.clone();
        if !changes.is_empty() {
            ctx.aws.modify_health_check(&tg.arn, hc).await?;
        }
        if let Some(was) = ctx
            .aws
            .ensure_draining_time(&tg.arn, service.draining)
            .await?
        {
            changes.push(format!(
                "draining time set to {} s (was {was} s)",
                service.draining
            ));
        }
        if changes.is_empty() {
            row.finish("exists", true);
        } else {
            row.finish(&format!("exists; {}", changes.join(", ")), true);
        }
        return Ok(tg.arn.clone());
    }
    let arn = ctx
        .aws
        .create_target_group(
            &plan.target_group,
            service.port,
            outputs.vpc_id.as_str(),
            hc,
            service.draining,
            &ctx.lab.tags(Some(&service.name)),
        )
        .await?;
    row.finish(
        &format!(
            "created (ip targets, {} s checks, {} s draining)",
            hc.interval, service.draining
        ),
        true,
    );
    Ok(arn)
}

/// The listener rule: created, changed in place, or left alone; the lab's rules
/// renumbered first, in one call, when the place needs a number. Its priority.
async fn ensure_rule(
    ctx: &Ctx<'_>,
    live: &rules::Live,
    plan: &SplitPlan<'_>,
    forward: &Forward,
) -> Result<(Option<u32>, String), Error> {
    let (own, service) = (plan.own.as_ref(), plan.service);
    let wanted = plan.pattern_strings();
    let row = Row::new(
        &ctx.reporter,
        &format!(
            "Listener rule {}",
            mysfits_lab::alb::conditions_text(&plan.patterns, &plan.when)
        ),
    );
    let Some(placement) = &plan.placement else {
        let current = own.and_then(|r| r.priority);
        row.finish(
            &format!("unchanged (priority {})", current.unwrap_or_default()),
            true,
        );
        let arn = own.map(|r| r.arn.clone()).unwrap_or_default();
        return Ok((current, arn));
    };
    let (done, arn) = write_rule(
        ctx,
        live,
        own,
        placement,
        (&wanted, &plan.when),
        forward,
        service,
    )
    .await?;
    // A new rule is made at 0 %; say so.
    let share = match forward {
        // The service's group comes first in the forward `split` builds.
        Forward::Weighted(groups) if own.is_none() => {
            format!(" at {} %", forward.percent(&groups[0].0))
        }
        _ => String::new(),
    };
    row.finish(
        &format!("{done} (priority {}){share}", placement.priority),
        true,
    );
    if !placement.moves.is_empty() {
        ctx.printer.note(&format!(
            "renumbered the lab's own rules in one SetRulePriorities call to make room at priority {}: {}",
            placement.priority,
            placement.describe_moves()
        ));
    }
    if own.is_none() {
        // The new rule starts at 0 %: nothing moves before the service is up.
        for p in &plan.patterns {
            ctx.printer.note(&format!(
                "paths matching {} went to {} before; they move to {} below, once it has a healthy target",
                p.as_str(),
                taken_from(live, p, &plan.when),
                service.name
            ));
        }
    }
    for d in &placement.dark {
        ctx.printer.warn(&format!("accepted with --force, so {d}"));
    }
    Ok((Some(placement.priority), arn))
}

/// The rule's calls: the lab's rules renumbered (and this one moved) in one
/// SetRulePriorities call, then the rule created or its patterns changed in place.
async fn write_rule(
    ctx: &Ctx<'_>,
    live: &rules::Live,
    own: Option<&RuleInfo>,
    placement: &Placement,
    (wanted, when): (&[String], &Conditions),
    forward: &Forward,
    service: &Service,
) -> Result<(String, String), Error> {
    let mut pairs = Vec::new();
    for m in &placement.moves {
        let arn = live
            .arn_at(m.rule.priority)
            .ok_or(Error::RuleGone(m.rule.priority))?;
        pairs.push((arn.to_string(), m.to));
    }
    let current = own.and_then(|r| r.priority);
    if let Some(rule) = own.filter(|_| current != Some(placement.priority)) {
        pairs.push((rule.arn.clone(), placement.priority));
    }
    if !pairs.is_empty() {
        ctx.aws.set_rule_priorities(&pairs).await?;
    }
    let mut done = Vec::new();
    let arn = match own {
        Some(rule) => {
            if let Some(from) = current.filter(|&c| c != placement.priority) {
                done.push(format!("priority {from} → {}", placement.priority));
            }
            if rule.patterns != wanted || rule.conditions.hosts != when.hosts {
                let hosts: Vec<String> = when.hosts.iter().map(|h| h.to_string()).collect();
                ctx.aws
                    .modify_rule_patterns(&rule.arn, wanted, &hosts)
                    .await?;
                done.push("pattern changed in place".to_string());
            }
            rule.arn.clone()
        }
        None => {
            let arn = ctx
                .aws
                .create_rule(
                    &live.listener,
                    placement.priority,
                    wanted,
                    &when.hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
                    forward,
                    &ctx.lab.tags(Some(&service.name)),
                )
                .await?;
            done.push("created".to_string());
            arn
        }
    };
    if !placement.moves.is_empty() {
        done.push(format!("renumbered {}", placement.describe_moves()));
    }
    Ok((done.join(", "), arn))
}

/// The Fargate service behind the rule: created on the revision `deploy` registered.
async fn ensure_service(
    ctx: &Ctx<'_>,
    plan: &SplitPlan<'_>,
    outputs: &StackOutputs,
    tg_arn: &str,
) -> Result<(), Error> {
    let (service, revision) = (plan.service, plan.revision.as_str());
    let cluster = outputs.cluster_name.as_str();
    let service_row = Row::new(&ctx.reporter, &format!("ECS service {}", service.name));
    if let Some(existing) = ctx.aws.describe_service(cluster, &service.name).await? {
        let grace = ensure_grace(ctx, cluster, &existing, service).await?;
        service_row.finish(
            &format!(
                "exists ({}){}",
                short(&existing.task_definition),
                grace.map(|g| format!("; {g}")).unwrap_or_default()
            ),
            true,
        );
        return Ok(());
    }
    ctx.aws
        .create_service(&service_spec(ctx.lab, service, outputs, revision, tg_arn)?)
        .await?;
    service_row.finish(&format!("created on {}", short(revision)), true);
    if let Some(wait) = plan.wait {
        // A new service: nothing to roll back to.
        watch_rollout(ctx, cluster, &service.name, revision, None, wait).await?;
    }
    Ok(())
}

/// The split done: the service has the whole share of its paths.
fn answers(ctx: &Ctx<'_>, service: &Service, patterns: &[PathPattern]) {
    ctx.printer.success(&format!(
        "{} answers {} behind the same load balancer",
        service.name,
        patterns
            .iter()
            .map(PathPattern::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    ));
    ctx.next(
        "check the routing",
        &format!("mysfits route {}", patterns[0].example_path()),
    );
}

/// Who answered the pattern's paths before (on the rule's first host): the rule ALB
/// applies to an example request, else the default.
fn taken_from(live: &rules::Live, p: &PathPattern, when: &Conditions) -> String {
    let request = HttpRequest {
        host: when.hosts.first().map(|h| h.example()),
        ..HttpRequest::new(&p.example_path())
    };
    evaluate_request(&live.model, &request)
        .map(|r| format!("{} (rule priority {})", r.target, r.priority))
        .unwrap_or_else(|| format!("{} (default action)", live.default_target))
}
