//! `mysfits split`: lab 4, the strangler pattern. A target group, a listener rule that
//! forwards the pattern to it, and a Fargate service on the revision `deploy` registered.

use crate::aws::elb::RuleInfo;
use crate::commands::steps::cutover::{BakePart, Cutover, Watch};
use crate::commands::steps::rollout::watch_rollout;
use crate::commands::steps::rules;
use crate::commands::steps::rules::WeightPart;
use crate::commands::steps::task::{ensure_grace, service_spec};
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::Render;
use crate::report::Row;
use mysfits_lab::alb::{
    check_rule, dead_patterns, place, traps, NewRule, PathPattern, Placement, Request, Rule,
};
use mysfits_lab::manifest::{Route, Service};
use mysfits_lab::names::owned_by;
use mysfits_lab::outputs::StackOutputs;
use mysfits_lab::rollout::short;
use mysfits_lab::weights::{steps_of, walk, Forward, Step};

/// A split as it stands: the service, its paths, its rule's priority and target group.
#[derive(Debug, serde::Serialize)]
pub struct SplitResult {
    pub service: String,
    pub patterns: Vec<String>,
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
impl Render for SplitResult {
    fn text(&self) -> String {
        String::new()
    }
}

pub async fn run(ctx: &Ctx<'_>, args: &crate::cli::SplitArgs) -> Result<SplitResult, Error> {
    // Offline checks first: nothing is created when the input is wrong.
    let (service, patterns) = service_and_patterns(ctx, args)?;
    // Said first: it is what must be true before traffic moves.
    if let Some(needs) = &service.split_needs {
        ctx.printer.remark(needs);
    }
    let tg_name = ctx.lab.target_group(&service.name)?;
    let outputs = ctx.outputs_for_change().await?;
    let family = ctx.lab.family(&service.name);
    let Some((revision, _)) = ctx.aws.latest_revision(&family).await? else {
        return Err(Error::NoRevision {
            service: service.name.clone(),
            deploy: service.deploy_command(),
        });
    };
    let live = rules::live(ctx, &outputs).await?;

    // Target group: ours by name and tag, or made below once the rule has a place.
    let tg_row = Row::new(&ctx.reporter, &format!("Target group {tg_name}"));
    let existing_tg = ctx.aws.find_target_group(&tg_name).await?;
    if existing_tg
        .as_ref()
        .is_some_and(|tg| !owned_by(&tg.tags, ctx.lab.name()))
    {
        tg_row.finish("exists, not ours", false);
        return Err(Error::ForeignTargetGroup {
            name: tg_name,
            lab: ctx.lab.to_string(),
        });
    }
    let own = existing_tg.as_ref().and_then(|tg| live.rule_of(&tg.arn));
    // The rule's place, decided before anything is created or changed.
    let placement = decide_placement(&live, own, service, &patterns, args)?;
    let current = own.and_then(|r| r.priority);
    if let Ok(dead) = dead_patterns(&live.model) {
        for d in dead.iter().filter(|d| Some(d.rule.priority) != current) {
            ctx.printer.warn(&format!("already on the listener: {d}"));
        }
    }

    let tg_arn =
        ensure_target_group(ctx, &tg_row, existing_tg, &tg_name, service, &outputs).await?;
    let default_tg = outputs.default_target_group_arn.clone();
    let had = own.and_then(|r| r.forward.clone());
    let steps = plan_steps(args, had.as_ref().map(|f| f.percent(&tg_arn)));
    let weighted = args.canary.is_some() || args.steps.is_some();
    // A new rule starts at 0 %: the service has no healthy target yet, and a share sent
    // to an empty group is the load balancer's own 503. The walk below moves it (a plain
    // split walks one step, 100) once the service's first target is healthy.
    let first = Forward::at(&tg_arn, &default_tg, 0);
    let (priority, rule_arn) =
        ensure_rule(ctx, &live, own, placement, &patterns, &first, service).await?;
    ensure_service(ctx, service, &outputs, &revision, &tg_arn, args).await?;

    let mut cut = Cutover {
        service: &service.name,
        cluster: outputs.cluster_name.as_str(),
        rule_arn,
        target_group: tg_arn,
        default_target_group: default_tg,
        default_service: live.default_target.clone(),
        load_balancer: outputs.alb_arn.clone(),
        current: had.unwrap_or(first),
        wait: (!args.no_wait).then(|| std::time::Duration::from_secs(args.timeout)),
    };
    let bakes = cut
        .walk(ctx, &steps, &Watch::from_args(&args.watch))
        .await?;
    let held = steps.last().is_some_and(|s| s.weight > cut.weight());
    if held {
        // --no-wait, and no healthy target yet: the same command again finishes the walk.
        ctx.printer.next(
            "once it has a healthy target, send it its share",
            &crate::commands::steps::interrupt::command_line().replace(" --no-wait", ""),
        );
    } else if cut.weight() == 100 {
        answers(ctx, service, &patterns);
    } else if weighted {
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
        patterns: patterns.iter().map(|p| p.as_str().to_string()).collect(),
        priority,
        target_group: tg_name,
        weights: cut.weights(),
        bakes,
        note: service.split_needs.clone(),
    })
}

/// The weights to walk: `--canary N` alone sets N (watched only with an explicit
/// `--bake`); `--steps` resumes from the first step at or above the rule's weight; no
/// flag is the plain split, one step to 100 % (once the service has a healthy target).
fn plan_steps(args: &crate::cli::SplitArgs, current: Option<u8>) -> Vec<Step> {
    let steps = args.steps.as_ref().map(|s| s.0.as_slice()).unwrap_or(&[]);
    match (args.canary, args.steps.is_some()) {
        (None, false) => walk(&[100], None, false),
        (Some(c), false) => walk(&[c], None, args.watch.bake.is_some()),
        (canary, true) => walk(&steps_of(canary, steps), current, true),
    }
}

/// The service to split and its patterns (the manifest's route when no `--path`), with
/// ALB's limits and the traps checked: all offline.
fn service_and_patterns<'m>(
    ctx: &Ctx<'m>,
    args: &crate::cli::SplitArgs,
) -> Result<(&'m Service, Vec<PathPattern>), Error> {
    // Each pattern was parsed by clap; the rule's limits hold over all of them.
    let mut patterns = args.paths.clone();
    check_rule(&patterns)?;
    let service = pick_service(ctx, args.service.as_deref(), &patterns)?;
    if service.route == Route::Default {
        return Err(Error::SplitDefault(service.name.clone()));
    }
    if patterns.is_empty() {
        if let Route::Paths(ps) = &service.route {
            patterns = ps.clone();
        }
        check_rule(&patterns)?;
    }
    for trap in traps(&patterns) {
        if !args.force {
            return Err(trap.into());
        }
        ctx.printer.warn(&format!("{trap} (accepted with --force)"));
    }
    Ok((service, patterns))
}

/// Where the rule goes among the live ones: `None` when it is there already, unchanged.
fn decide_placement(
    live: &rules::Live,
    own: Option<&RuleInfo>,
    service: &Service,
    patterns: &[PathPattern],
    args: &crate::cli::SplitArgs,
) -> Result<Option<Placement>, Error> {
    let current = own.and_then(|r| r.priority);
    let wanted: Vec<&str> = patterns.iter().map(PathPattern::as_str).collect();
    let unchanged = own.is_some_and(|r| r.patterns == wanted)
        && args.priority.is_none_or(|p| Some(p) == current);
    if unchanged {
        return Ok(None);
    }
    let others: Vec<Rule> = live
        .model
        .iter()
        .filter(|r| Some(r.priority) != current)
        .cloned()
        .collect();
    let request = Request {
        priority: args.priority,
        keep: current.filter(|_| args.priority.is_none()),
        force: args.force,
    };
    let new = NewRule {
        target: service.name.clone(),
        patterns: patterns.to_vec(),
    };
    Ok(Some(place(&others, &new, &request)?))
}

/// The target group: an existing one of ours brought to the manifest's health check and
/// draining time (a changed manifest, or a run cut short before the draining time was
/// set), each change said; else created. Its ARN.
async fn ensure_target_group(
    ctx: &Ctx<'_>,
    row: &Row<'_>,
    existing: Option<crate::aws::elb::TargetGroupInfo>,
    name: &str,
    service: &Service,
    outputs: &StackOutputs,
) -> Result<String, Error> {
    let hc = &service.health_check;
    if let Some(tg) = existing {
        let mut changes = hc.changes_from(&tg.health_check);
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
        return Ok(tg.arn);
    }
    let arn = ctx
        .aws
        .create_target_group(
            name,
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
    own: Option<&RuleInfo>,
    placement: Option<Placement>,
    patterns: &[PathPattern],
    forward: &Forward,
    service: &Service,
) -> Result<(Option<u32>, String), Error> {
    let wanted: Vec<String> = patterns.iter().map(|p| p.as_str().to_string()).collect();
    let row = Row::new(
        &ctx.reporter,
        &format!("Listener rule {}", wanted.join(", ")),
    );
    let Some(placement) = placement else {
        let current = own.and_then(|r| r.priority);
        row.finish(
            &format!("unchanged (priority {})", current.unwrap_or_default()),
            true,
        );
        let arn = own.map(|r| r.arn.clone()).unwrap_or_default();
        return Ok((current, arn));
    };
    let (done, arn) = write_rule(ctx, live, own, &placement, &wanted, forward, service).await?;
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
        for p in patterns {
            ctx.printer.note(&format!(
                "paths matching {} went to {} before; they move to {} below, once it has a healthy target",
                p.as_str(),
                taken_from(live, p),
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
    wanted: &[String],
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
            if rule.patterns != wanted {
                ctx.aws.modify_rule_patterns(&rule.arn, wanted).await?;
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
    service: &Service,
    outputs: &StackOutputs,
    revision: &str,
    tg_arn: &str,
    args: &crate::cli::SplitArgs,
) -> Result<(), Error> {
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
    if !args.no_wait {
        watch_rollout(
            ctx,
            cluster,
            &service.name,
            revision,
            // A new service: nothing to roll back to.
            None,
            std::time::Duration::from_secs(args.timeout),
        )
        .await?;
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
        .manifest()
        .services
        .iter()
        .filter(|s| matches!(&s.route, Route::Paths(ps) if !patterns.is_empty() && patterns.iter().all(|p| ps.contains(p))))
        .collect();
    match routed.as_slice() {
        [one] => Ok(one),
        _ => Err(Error::NoRoutedService {
            patterns: if patterns.is_empty() {
                "no --path".to_string()
            } else {
                patterns
                    .iter()
                    .map(|p| p.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            known: ctx
                .manifest()
                .services
                .iter()
                .filter(|s| s.route != Route::Default)
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Who answered the pattern's paths before: the first rule that overlaps it, else the default.
fn taken_from(live: &rules::Live, p: &PathPattern) -> String {
    let example = p.example_path();
    live.model
        .iter()
        .find(|r| r.matches(&example))
        .map(|r| format!("{} (rule priority {})", r.target, r.priority))
        .unwrap_or_else(|| format!("{} (default action)", live.default_target))
}
