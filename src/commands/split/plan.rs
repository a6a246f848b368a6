//! `split`'s plan: the service, its patterns, the rule's place and the weights to walk,
//! decided from the arguments, the manifest and what was read, with no call.

use std::time::Duration;

use crate::aws::elb::{RuleInfo, TargetGroupInfo};
use crate::commands::ctx::service_in;
use crate::commands::steps::cutover::Watch;
use crate::commands::steps::rules::Live;
use crate::error::Error;
use mysfits_lab::alb::{
    check_conditions, check_rule, dead_patterns, place, traps, Conditions, Glob, NewRule,
    PathPattern, Placement, Request, Rule, RuleError, MAX_RULES_PER_LISTENER,
};
use mysfits_lab::manifest::{Manifest, Route, Service};
use mysfits_lab::names::{owned_by, Lab};
use mysfits_lab::weights::{steps_of, walk, Step};

/// What was asked, as plain values: the clap arguments stop here.
#[derive(Debug, Clone, Default)]
pub struct SplitRequest {
    pub service: Option<String>,
    pub paths: Vec<PathPattern>,
    /// `--host`: a host-header condition (default: the manifest's `host:`).
    pub hosts: Vec<Glob>,
    pub priority: Option<u32>,
    pub force: bool,
    /// Attached to a listener the lab did not make: the new rule goes as late as works.
    pub attached: bool,
    pub no_wait: bool,
    pub timeout: Duration,
    pub canary: Option<u8>,
    pub steps: Option<Vec<u8>>,
    pub bake: Option<Duration>,
    pub max_5xx: f64,
}

/// The service to split and its patterns, with ALB's limits and the traps checked.
#[derive(Debug)]
pub struct Target<'m> {
    pub service: &'m Service,
    pub patterns: Vec<PathPattern>,
    /// The rule's other conditions (its hosts).
    pub when: Conditions,
    /// Traps `--force` accepted: each is said as a warning.
    pub accepted: Vec<RuleError>,
}

/// The service and its patterns (the manifest's route when no `--path`): all offline, so
/// nothing is created when the input is wrong.
pub fn target<'m>(manifest: &'m Manifest, req: &SplitRequest) -> Result<Target<'m>, Error> {
    // Each pattern was parsed by clap; the rule's limits hold over all of them.
    let mut patterns = req.paths.clone();
    check_rule(&patterns)?;
    let service = pick_service(manifest, req.service.as_deref(), &patterns)?;
    if service.route == Route::Default {
        return Err(Error::SplitDefault(service.name.clone()));
    }
    if patterns.is_empty() {
        match &service.route {
            Route::Paths(ps) => patterns = ps.clone(),
            Route::Unset => return Err(Error::SplitNoRoute(service.name.clone())),
            Route::Default => {}
        }
        check_rule(&patterns)?;
    }
    let accepted = traps(&patterns);
    if let Some(trap) = accepted.first().filter(|_| !req.force) {
        return Err(trap.clone().into());
    }
    let hosts = if req.hosts.is_empty() {
        service.hosts.clone()
    } else {
        req.hosts.clone()
    };
    let when = Conditions {
        hosts,
        ..Conditions::default()
    };
    check_conditions(&patterns, &when)?;
    Ok(Target {
        service,
        patterns,
        when,
        accepted,
    })
}

/// The revision `deploy` registered, which the new service runs: none is a refusal.
pub fn revision(service: &Service, latest: Option<String>) -> Result<String, Error> {
    latest.ok_or_else(|| Error::NoRevision {
        service: service.name.clone(),
        deploy: service.deploy_command(),
    })
}

/// What `split` does, decided before anything is created or changed.
#[derive(Debug)]
pub struct SplitPlan<'m> {
    pub service: &'m Service,
    pub patterns: Vec<PathPattern>,
    pub when: Conditions,
    /// The target group's name.
    pub target_group: String,
    pub revision: String,
    /// The lab's target group of that name, reused; `None`: one is created.
    pub existing: Option<TargetGroupInfo>,
    /// How the existing group's health check differs from the manifest's: each is set.
    pub health_changes: Vec<String>,
    /// The rule forwarding to it, when there is one.
    pub own: Option<RuleInfo>,
    /// Where the rule goes among the live ones; `None`: it is there already, unchanged.
    pub placement: Option<Placement>,
    /// Patterns the listener already leaves unreachable, said as warnings.
    pub dead: Vec<String>,
    /// The weights to walk, each baked or not.
    pub steps: Vec<Step>,
    /// `--canary` or `--steps`: a share below 100 is meant.
    pub weighted: bool,
    pub watch: Watch,
    /// How long to wait for the service (its rollout, its first healthy target);
    /// `None` with `--no-wait`.
    pub wait: Option<Duration>,
}

impl<'m> SplitPlan<'m> {
    /// The plan from the target, the revision and what was read: the listener's rules
    /// and the target group found by name. A group without the lab's tag is refused.
    pub fn new(
        target: Target<'m>,
        target_group: String,
        revision: String,
        live: &Live,
        existing: Option<TargetGroupInfo>,
        lab: &Lab,
        req: &SplitRequest,
    ) -> Result<Self, Error> {
        if existing
            .as_ref()
            .is_some_and(|tg| !owned_by(&tg.tags, lab.name()))
        {
            return Err(Error::ForeignTargetGroup {
                name: target_group,
                lab: lab.to_string(),
            });
        }
        let own = existing
            .as_ref()
            .and_then(|tg| live.rule_of(&tg.arn))
            .cloned();
        // A new rule on a listener at its quota: refused before anything is made.
        let rules = live.rules.iter().filter(|r| r.priority.is_some()).count();
        if own.is_none() && rules >= MAX_RULES_PER_LISTENER {
            return Err(Error::ListenerFull {
                rules,
                service: target.service.name.clone(),
            });
        }
        let placement = decide_placement(live, own.as_ref(), &target, req)?;
        let current = own.as_ref().and_then(|r| r.priority);
        let dead = match dead_patterns(&live.model) {
            Ok(dead) => dead
                .iter()
                .filter(|d| Some(d.rule.priority) != current)
                .map(|d| d.to_string())
                .collect(),
            Err(_) => Vec::new(),
        };
        // The share the rule gives the service now: a walk resumes from it.
        let had = own
            .as_ref()
            .zip(existing.as_ref())
            .and_then(|(r, tg)| r.forward.as_ref().map(|f| f.percent(&tg.arn)));
        let health_changes = existing
            .as_ref()
            .map(|tg| target.service.health_check.changes_from(&tg.health_check))
            .unwrap_or_default();
        Ok(Self {
            service: target.service,
            patterns: target.patterns,
            when: target.when,
            target_group,
            revision,
            existing,
            health_changes,
            own,
            placement,
            dead,
            steps: plan_steps(req, had),
            weighted: req.canary.is_some() || req.steps.is_some(),
            watch: Watch::new(req.bake, req.max_5xx),
            wait: (!req.no_wait).then_some(req.timeout),
        })
    }

    /// The patterns as written.
    pub fn pattern_strings(&self) -> Vec<String> {
        self.patterns
            .iter()
            .map(|p| p.as_str().to_string())
            .collect()
    }

    /// The hosts as written.
    pub fn host_strings(&self) -> Vec<String> {
        self.when
            .hosts
            .iter()
            .map(|h| h.as_str().to_string())
            .collect()
    }
}

/// The weights to walk: `--canary N` alone sets N (watched only with an explicit
/// `--bake`); `--steps` resumes from the first step at or above the rule's weight; no
/// flag is the plain split, one step to 100 % (once the service has a healthy target).
fn plan_steps(req: &SplitRequest, current: Option<u8>) -> Vec<Step> {
    let steps = req.steps.as_deref().unwrap_or(&[]);
    match (req.canary, req.steps.is_some()) {
        (None, false) => walk(&[100], None, false),
        (Some(c), false) => walk(&[c], None, req.bake.is_some()),
        (canary, true) => walk(&steps_of(canary, steps), current, true),
    }
}

/// Where the rule goes among the live ones: `None` when it is there already, unchanged.
fn decide_placement(
    live: &Live,
    own: Option<&RuleInfo>,
    target: &Target<'_>,
    req: &SplitRequest,
) -> Result<Option<Placement>, Error> {
    let current = own.and_then(|r| r.priority);
    let wanted: Vec<&str> = target.patterns.iter().map(PathPattern::as_str).collect();
    let unchanged = own.is_some_and(|r| r.patterns == wanted && r.conditions == target.when)
        && req.priority.is_none_or(|p| Some(p) == current);
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
        priority: req.priority,
        keep: current.filter(|_| req.priority.is_none()),
        force: req.force,
        latest: req.attached,
    };
    let new = NewRule {
        target: target.service.name.clone(),
        patterns: target.patterns.clone(),
        when: Box::new(target.when.clone()),
    };
    Ok(Some(place(&others, &new, &request)?))
}

/// The service named, or the one whose manifest route is the given pattern.
fn pick_service<'m>(
    manifest: &'m Manifest,
    name: Option<&str>,
    patterns: &[PathPattern],
) -> Result<&'m Service, Error> {
    if let Some(name) = name {
        return service_in(manifest, name);
    }
    let routed: Vec<&Service> = manifest
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
            known: manifest
                .services
                .iter()
                .filter(|s| s.route != Route::Default)
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::steps::rules::Live;
    use mysfits_lab::weights::Forward;
    use std::collections::BTreeMap;

    const TG: &str = "arn:aws:elasticloadbalancing:r:1:targetgroup/mysfits-like-service/1";
    const DEFAULT_TG: &str = "arn:aws:elasticloadbalancing:r:1:targetgroup/mysfits-default/2";

    fn manifest() -> Manifest {
        crate::commands::ctx::testing::manifest()
    }

    fn lab() -> Lab {
        Lab::parse("mysfits").unwrap()
    }

    fn pattern(p: &str) -> PathPattern {
        PathPattern::parse(p).unwrap()
    }

    fn req() -> SplitRequest {
        SplitRequest {
            timeout: Duration::from_secs(1200),
            max_5xx: 1.0,
            ..Default::default()
        }
    }

    /// A split of like-service, by name.
    fn like() -> SplitRequest {
        SplitRequest {
            service: Some("like-service".into()),
            ..req()
        }
    }

    /// The lab's target group for like-service, as read (`ours`: with the lab's tag).
    /// The like-service's group as a split made it: the manifest's health check.
    fn group(ours: bool) -> TargetGroupInfo {
        let tags: &[(&str, &str)] = if ours {
            &[("mysfits:lab", "mysfits")]
        } else {
            &[]
        };
        TargetGroupInfo {
            health_check: manifest()
                .service("like-service")
                .unwrap()
                .health_check
                .clone(),
            ..crate::commands::ctx::testing::target_group(TG, tags)
        }
    }

    /// A listener read with `rules`: (ARN, priority, patterns, target group, weight).
    fn live(rules: &[(&str, u32, &[&str], &str, u8)]) -> Live {
        let infos: Vec<RuleInfo> = rules
            .iter()
            .map(|(arn, priority, patterns, tg, weight)| RuleInfo {
                action: "forward".into(),
                arn: arn.to_string(),
                priority: Some(*priority),
                patterns: patterns.iter().map(|p| p.to_string()).collect(),
                conditions: Conditions::default(),
                target_groups: vec![tg.to_string()],
                forward: Some(Forward::at(tg, DEFAULT_TG, *weight)),
            })
            .collect();
        Live {
            listener: "listener".into(),
            model: rules
                .iter()
                .map(|(_, priority, patterns, tg, _)| Rule {
                    priority: *priority,
                    patterns: patterns.iter().map(|p| pattern(p)).collect(),
                    when: Conditions::default(),
                    target: if *tg == TG { "like-service" } else { "other" }.into(),
                    owned: !tg.contains("foreign"),
                })
                .collect(),
            rules: infos,
            default_target: "monolith-service".into(),
            service_of: BTreeMap::new(),
        }
    }

    fn plan<'m>(
        m: &'m Manifest,
        req: &SplitRequest,
        live: &Live,
        existing: Option<TargetGroupInfo>,
    ) -> Result<SplitPlan<'m>, Error> {
        let target = target(m, req)?;
        let name = "mysfits-like-service".to_string();
        SplitPlan::new(target, name, "td:1".into(), live, existing, &lab(), req)
    }

    fn weights(plan: &SplitPlan<'_>) -> Vec<(u8, bool)> {
        plan.steps.iter().map(|s| (s.weight, s.bake)).collect()
    }

    #[test]
    fn a_first_split_creates_the_group_and_places_the_rule_then_walks_to_100() {
        let m = manifest();
        let req = like();
        let plan = plan(&m, &req, &live(&[]), None).unwrap();
        assert_eq!(
            plan.pattern_strings(),
            ["/mysfits/*/like"],
            "the manifest's route"
        );
        assert!(plan.existing.is_none() && plan.own.is_none(), "all created");
        let placement = plan.placement.as_ref().expect("a new rule has a place");
        assert!(placement.moves.is_empty());
        assert_eq!(weights(&plan), [(100, false)], "the plain split: one step");
        assert!(!plan.weighted);
        assert_eq!(plan.wait, Some(Duration::from_secs(1200)));
    }

    #[test]
    fn the_service_is_found_by_its_path_and_the_default_one_is_refused() {
        let m = manifest();
        let by_path = SplitRequest {
            paths: vec![pattern("/mysfits/*/like")],
            ..req()
        };
        assert_eq!(target(&m, &by_path).unwrap().service.name, "like-service");
        let unrouted = SplitRequest {
            paths: vec![pattern("/other")],
            ..req()
        };
        assert!(matches!(
            target(&m, &unrouted),
            Err(Error::NoRoutedService { .. })
        ));
        let default = SplitRequest {
            service: Some("monolith-service".into()),
            ..like()
        };
        assert!(matches!(target(&m, &default), Err(Error::SplitDefault(_))));
        let unknown = SplitRequest {
            service: Some("nope".into()),
            ..like()
        };
        assert!(matches!(
            target(&m, &unknown),
            Err(Error::UnknownService { .. })
        ));
    }

    #[test]
    fn a_service_with_no_route_takes_its_paths_from_path_only() {
        let m = Manifest::parse(
            "services:\n  - name: api\n    build: .\n    route: default\n  - name: users\n    build: .\n",
            "mysfits.yaml",
            std::path::Path::new("."),
        )
        .unwrap();
        let users = SplitRequest {
            service: Some("users".into()),
            ..req()
        };
        assert!(matches!(target(&m, &users), Err(Error::SplitNoRoute(s)) if s == "users"));
        let with_path = SplitRequest {
            paths: vec![pattern("/api/users*")],
            ..users
        };
        assert_eq!(
            target(&m, &with_path).unwrap().patterns,
            [pattern("/api/users*")]
        );
    }

    #[test]
    fn a_trap_is_refused_unless_forced_then_said() {
        let m = manifest();
        let trailing = SplitRequest {
            paths: vec![pattern("/mysfits/")],
            ..like()
        };
        assert!(matches!(target(&m, &trailing), Err(Error::Rule(_))));
        let forced = SplitRequest {
            force: true,
            ..trailing
        };
        assert_eq!(target(&m, &forced).unwrap().accepted.len(), 1);
    }

    #[test]
    fn no_revision_is_a_refusal_that_names_deploy() {
        let m = manifest();
        let service = m.service("like-service").unwrap();
        let err = revision(service, None).unwrap_err();
        assert!(matches!(err, Error::NoRevision { .. }), "{err:?}");
        assert_eq!(revision(service, Some("td:3".into())).unwrap(), "td:3");
    }

    #[test]
    fn a_group_without_the_lab_tag_is_refused() {
        let m = manifest();
        let req = like();
        let err = plan(&m, &req, &live(&[]), Some(group(false))).unwrap_err();
        assert!(matches!(err, Error::ForeignTargetGroup { .. }), "{err:?}");
    }

    #[test]
    fn a_rule_in_place_is_reused_unchanged_and_a_walk_resumes_at_its_weight() {
        let m = manifest();
        let rules = live(&[("rule-1", 5, &["/mysfits/*/like"], TG, 50)]);
        let req = SplitRequest {
            steps: Some(vec![10, 50, 100]),
            ..like()
        };
        let plan = plan(&m, &req, &rules, Some(group(true))).unwrap();
        assert!(plan.existing.is_some(), "the group is reused");
        assert_eq!(
            plan.health_changes,
            Vec::<String>::new(),
            "as the manifest says"
        );
        assert_eq!(plan.own.as_ref().map(|r| r.arn.as_str()), Some("rule-1"));
        assert!(plan.placement.is_none(), "the rule stays as it is");
        assert_eq!(weights(&plan), [(50, true), (100, false)]);
        assert!(plan.weighted);
    }

    #[test]
    fn a_reused_group_gets_the_manifests_health_check() {
        let m = manifest();
        let mut read = group(true);
        read.health_check.path = "/old".into();
        let plan = plan(&m, &like(), &live(&[]), Some(read)).unwrap();
        assert_eq!(plan.health_changes.len(), 1, "{:?}", plan.health_changes);
        assert!(plan.health_changes[0].contains("(was /old)"));
    }

    #[test]
    fn a_new_priority_moves_the_rule_in_place() {
        let m = manifest();
        let rules = live(&[("rule-1", 5, &["/mysfits/*/like"], TG, 100)]);
        let req = SplitRequest {
            priority: Some(7),
            ..like()
        };
        let plan = plan(&m, &req, &rules, Some(group(true))).unwrap();
        assert_eq!(plan.placement.map(|p| p.priority), Some(7));
    }

    #[test]
    fn the_new_rule_goes_before_a_broader_one_of_the_lab() {
        let m = manifest();
        let other = "arn:aws:elasticloadbalancing:r:1:targetgroup/mysfits-other/3";
        let rules = live(&[("rule-2", 1, &["/mysfits/*"], other, 100)]);
        let req = like();
        let plan = plan(&m, &req, &rules, None).unwrap();
        let placement = plan.placement.unwrap();
        assert_eq!(placement.priority, 1, "before the broader rule");
        assert_eq!(placement.moves.len(), 1, "which moves down: {placement:?}");
    }

    #[test]
    fn no_room_before_a_broader_rule_not_the_labs_is_a_refusal() {
        let m = manifest();
        let foreign = "arn:aws:elasticloadbalancing:r:1:targetgroup/foreign/4";
        let rules = live(&[("rule-3", 1, &["/mysfits/*"], foreign, 100)]);
        let req = like();
        let err = plan(&m, &req, &rules, None).unwrap_err();
        assert!(matches!(err, Error::Placement(_)), "{err:?}");
    }

    #[test]
    fn a_canary_sets_one_weight_baked_only_with_an_explicit_bake() {
        let m = manifest();
        let canary = SplitRequest {
            canary: Some(10),
            no_wait: true,
            ..like()
        };
        let plan_of = |r: &SplitRequest| plan(&m, r, &live(&[]), None).unwrap();
        let p = plan_of(&canary);
        assert_eq!(weights(&p), [(10, false)]);
        assert_eq!(p.wait, None, "--no-wait");
        let baked = SplitRequest {
            bake: Some(Duration::from_secs(30)),
            ..canary.clone()
        };
        let p = plan_of(&baked);
        assert_eq!(weights(&p), [(10, true)]);
        assert_eq!(p.watch.bake, Duration::from_secs(30));
        let walked = SplitRequest {
            steps: Some(vec![5, 50, 100]),
            ..canary
        };
        assert_eq!(
            weights(&plan_of(&walked)),
            [(10, true), (50, true), (100, false)]
        );
    }

    #[test]
    fn a_listener_at_its_rule_quota_is_refused_before_any_change() {
        let m = manifest();
        let paths: Vec<String> = (0..MAX_RULES_PER_LISTENER)
            .map(|i| format!("/r{i}"))
            .collect();
        let foreign = "arn:aws:elasticloadbalancing:r:1:targetgroup/foreign/4";
        let rules: Vec<(&str, u32, Vec<&str>)> = paths
            .iter()
            .enumerate()
            .map(|(i, p)| ("rule", i as u32 + 1, vec![p.as_str()]))
            .collect();
        let full: Vec<(&str, u32, &[&str], &str, u8)> = rules
            .iter()
            .map(|(a, p, ps)| (*a, *p, ps.as_slice(), foreign, 100))
            .collect();
        let err = plan(&m, &like(), &live(&full), None).unwrap_err();
        assert!(
            matches!(err, Error::ListenerFull { rules: 100, .. }),
            "{err:?}"
        );
        assert!(
            err.to_string()
                .contains("ALB's quota of rules per load balancer"),
            "{err}"
        );
        // One fewer: room for one more.
        assert!(plan(&m, &like(), &live(&full[1..]), None).is_ok());
    }

    #[test]
    fn a_host_narrows_the_rule_so_another_hosts_rule_hides_nothing() {
        let m = manifest();
        // Theirs: every path of a.example.com, at 1 and foreign.
        let foreign = "arn:aws:elasticloadbalancing:r:1:targetgroup/foreign/4";
        let mut rules = live(&[("rule-3", 1, &["/*"], foreign, 100)]);
        rules.model[0].when.hosts = vec![Glob::new("a.example.com")];
        let b = SplitRequest {
            hosts: vec![Glob::new("b.example.com")],
            ..like()
        };
        let p = plan(&m, &b, &rules, None).unwrap();
        assert_eq!(p.placement.map(|p| p.priority), Some(2), "after theirs");
        assert_eq!(p.when.hosts, [Glob::new("b.example.com")]);
        // The same host: theirs takes every path of it, so the rule would be dark.
        let a = SplitRequest {
            hosts: vec![Glob::new("a.example.com")],
            ..like()
        };
        let err = plan(&m, &a, &rules, None).unwrap_err();
        assert!(matches!(err, Error::Placement(_)), "{err:?}");
    }
}
