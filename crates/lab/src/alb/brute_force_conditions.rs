//! Placement with host and method conditions against brute force: random rule
//! sequences (fixed seed), each accepted placement checked for patterns no request
//! reaches over every (host, method) class × every path, each refusal checked.
//!
//! Exact oracle: the host patterns come from a fixed set, so a few hosts stand for
//! every class of hosts they tell apart (`a.b.x` is the one `*.x` and `a.*` share
//! without `a.x`); methods likewise. Per class, path reachability is the exact
//! inclusion search of `coverage.rs`, checked itself in `brute_force.rs`.

use std::collections::HashSet;

use super::brute_force::{inserted, random_patterns, renumberable};
use super::conditions::{Conditions, HttpRequest};
use super::coverage::{uncovered, Coverage};
use super::glob::Glob;
use super::placement::{place, NewRule, PlacementError, Request};
use super::Rule;

const SEQUENCES: usize = 4_000;
const HOST_PATTERNS: [&str; 4] = ["a.x", "b.x", "*.x", "a.*"];
const HOSTS: [&str; 6] = ["a.x", "b.x", "c.x", "a.y", "c.y", "a.b.x"];
const METHODS: [&str; 3] = ["GET", "POST", "PUT"];

type Key = (String, String);

fn random_when(rng: &mut fastrand::Rng) -> Conditions {
    let mut when = Conditions::default();
    if rng.bool() {
        for _ in 0..rng.usize(1..=2) {
            let h = Glob::new(HOST_PATTERNS[rng.usize(..HOST_PATTERNS.len())]);
            if !when.hosts.contains(&h) {
                when.hosts.push(h);
            }
        }
    }
    if rng.u8(..10) < 4 {
        when.methods = match rng.u8(..3) {
            0 => vec!["GET".into()],
            1 => vec!["POST".into()],
            _ => vec!["GET".into(), "POST".into()],
        };
    }
    when
}

/// (target, pattern) of every pattern no request reaches, exactly.
fn dead(rules: &[Rule]) -> HashSet<Key> {
    let mut order: Vec<&Rule> = rules.iter().collect();
    order.sort_by_key(|r| r.priority);
    let mut out = HashSet::new();
    for (k, b) in order.iter().enumerate() {
        for p in b.paths() {
            let reached = HOSTS.iter().any(|h| {
                METHODS.iter().any(|m| {
                    let req = HttpRequest {
                        host: Some(h.to_string()),
                        method: Some(m.to_string()),
                        ..HttpRequest::new("/")
                    };
                    if !b.when.matches(&req) {
                        return false;
                    }
                    let by: Vec<_> = order[..k]
                        .iter()
                        .filter(|r| r.when.matches(&req))
                        .flat_map(|r| r.paths())
                        .collect();
                    let refs: Vec<_> = by.iter().collect();
                    match uncovered(&p, &refs) {
                        Coverage::Witness(_) => true,
                        Coverage::Covered => false,
                        Coverage::Unknown => panic!("search limit on {p}"),
                    }
                })
            });
            if !reached {
                out.insert((b.target.clone(), p.to_string()));
            }
        }
    }
    out
}

fn newly_dead(before: &[Rule], after: &[Rule]) -> HashSet<Key> {
    let old = dead(before);
    dead(after)
        .into_iter()
        .filter(|k| !old.contains(k))
        .collect()
}

#[derive(Default, Debug)]
struct Tally {
    placements: usize,
    accepted: usize,
    forced: usize,
    refused: usize,
    unsure: usize,
}

#[test]
fn random_rule_sequences_with_hosts_and_methods_never_leave_a_dead_pattern() {
    let mut rng = fastrand::Rng::with_seed(21);
    let mut t = Tally::default();
    for _ in 0..SEQUENCES {
        let mut rules: Vec<Rule> = Vec::new();
        if rng.u8(..10) < 4 {
            for k in 0..rng.usize(1..=2) {
                let priority = rng.u32(1..=6);
                if rules.iter().all(|r| r.priority != priority) {
                    let when = random_when(&mut rng);
                    let patterns = if !when.is_empty() && rng.u8(..5) == 0 {
                        Vec::new()
                    } else {
                        random_patterns(&mut rng)
                    };
                    rules.push(Rule {
                        priority,
                        patterns,
                        when,
                        target: format!("f{k}"),
                        owned: false,
                    });
                }
            }
        }
        for step in 0..rng.usize(1..=4) {
            t.placements += 1;
            let existing = rules.clone();
            let req = Request {
                priority: (rng.u8(..10) < 3).then(|| rng.u32(1..=8)),
                keep: None,
                force: rng.u8(..20) == 0,
                latest: rng.bool(),
            };
            let new = NewRule {
                target: format!("s{step}"),
                patterns: random_patterns(&mut rng),
                when: Box::new(random_when(&mut rng)),
            };
            let context = format!("{existing:?}\n+ {new:?} {req:?}");
            match place(&existing, &new, &req) {
                Ok(pl) => {
                    let mut after = existing.clone();
                    pl.apply(&mut after, &new);
                    let dark = newly_dead(&existing, &after);
                    let claimed: HashSet<Key> = pl
                        .dark
                        .iter()
                        .map(|d| (d.rule.target.clone(), d.pattern.to_string()))
                        .collect();
                    if req.force {
                        t.forced += 1;
                        // Forced, undecided counts as reached: what it names is real.
                        assert!(claimed.is_subset(&dark), "{claimed:?} {dark:?}\n{context}");
                    } else {
                        t.accepted += 1;
                        assert!(
                            dark.is_empty(),
                            "accepted, but {dark:?} went dark\n{context}\n{pl:?}"
                        );
                    }
                    rules = after;
                }
                Err(err) => {
                    t.refused += 1;
                    let n = existing.len();
                    let dark_at = |i| newly_dead(&existing, &inserted(&existing, &new, i));
                    match &err {
                        PlacementError::Shadows { priority, dark, .. } => {
                            let i = existing.iter().filter(|r| r.priority < *priority).count();
                            let real = dark_at(i);
                            let claimed: HashSet<Key> = dark
                                .iter()
                                .map(|d| (d.rule.target.clone(), d.pattern.to_string()))
                                .collect();
                            assert!(!real.is_empty(), "refused for nothing: {err}\n{context}");
                            assert!(claimed.is_subset(&real), "{err}\n{context}");
                        }
                        PlacementError::Equivalent { .. } | PlacementError::Order { .. } => {
                            for i in 0..=n {
                                assert!(
                                    !dark_at(i).is_empty(),
                                    "index {i} works: {err}\n{context}"
                                );
                            }
                        }
                        PlacementError::NoRoom { .. } => {
                            for i in 0..=n {
                                assert!(
                                    !(dark_at(i).is_empty() && renumberable(&existing, i)),
                                    "index {i} works: {err}\n{context}"
                                );
                            }
                        }
                        PlacementError::Unsure { why, .. } => {
                            t.unsure += 1;
                            assert!(why.by_conditions(), "{err}");
                        }
                        PlacementError::OutOfRange { .. }
                        | PlacementError::PriorityInUse { .. } => {}
                        PlacementError::Undecided(u) => panic!("{u}\n{context}"),
                    }
                }
            }
        }
    }
    println!("with conditions: {t:?}");
    assert!(
        t.accepted > 3000 && t.refused > 300 && t.forced > 100 && t.unsure >= 1,
        "every outcome is exercised: {t:?}"
    );
    assert!(t.unsure * 5 < t.placements, "undecided stays rare: {t:?}");
}

#[test]
fn a_host_rule_does_not_hide_another_hosts_paths() {
    let host = |h: &str| Conditions {
        hosts: vec![Glob::new(h)],
        ..Conditions::default()
    };
    let a = Rule {
        priority: 1,
        patterns: vec![super::testing::pat("/*")],
        when: host("a.example.com"),
        target: "a".into(),
        owned: false,
    };
    let b = NewRule {
        target: "b".into(),
        patterns: vec![super::testing::pat("/api/*")],
        when: Box::new(host("b.example.com")),
    };
    let pl = place(std::slice::from_ref(&a), &b, &Request::default()).unwrap();
    assert_eq!(pl.priority, 2, "after a's rule: disjoint hosts");
    // Without a host, the new rule is hidden for a.example.com only: not dark, so it
    // goes after (nothing of a's is hidden by it either way).
    let any = NewRule {
        when: Box::default(),
        ..b.clone()
    };
    let pl = place(std::slice::from_ref(&a), &any, &Request::default()).unwrap();
    assert_eq!(pl.priority, 2);
    // A method narrows: GET-only `/*` ahead does not hide POST `/api/*`, and a
    // GET-or-POST `/api/*` behind `/*` for all methods is dark.
    let get_all = Rule {
        when: Conditions {
            methods: vec!["GET".into()],
            ..Conditions::default()
        },
        ..a.clone()
    };
    let post = NewRule {
        when: Box::new(Conditions {
            methods: vec!["POST".into()],
            ..Conditions::default()
        }),
        ..b.clone()
    };
    assert_eq!(
        place(std::slice::from_ref(&get_all), &post, &Request::default())
            .unwrap()
            .priority,
        2
    );
    let all = Rule {
        when: Conditions::default(),
        patterns: vec![super::testing::pat("/*")],
        ..a.clone()
    };
    let err = place(
        std::slice::from_ref(&all),
        &post,
        &Request {
            priority: Some(5),
            ..Request::default()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("would never be reached"), "{err}");
}

#[test]
fn a_partial_overlap_is_refused_as_undecided_unless_forced() {
    // Theirs: `/*` for *.example.com GET, and `/*` for *.com POST; ours: `/api/*`
    // for a.example.com, GET or POST. Together theirs take all of ours, but
    // neither alone includes ours: that takes more than paths to see, so the
    // answer is undecided, and with theirs foreign at 1 and 2 there is no place
    // before them.
    let theirs = |priority, host: &str, method: &str| Rule {
        priority,
        patterns: vec![super::testing::pat("/*")],
        when: Conditions {
            hosts: vec![Glob::new(host)],
            methods: vec![method.into()],
            ..Conditions::default()
        },
        target: format!("theirs-{priority}"),
        owned: false,
    };
    let rules = [
        theirs(1, "*.example.com", "GET"),
        theirs(2, "*.com", "POST"),
    ];
    let ours = NewRule {
        target: "ours".into(),
        patterns: vec![super::testing::pat("/api/*")],
        when: Box::new(Conditions {
            hosts: vec![Glob::new("a.example.com")],
            methods: vec!["GET".into(), "POST".into()],
            ..Conditions::default()
        }),
    };
    let err = place(&rules, &ours, &Request::default()).unwrap_err();
    assert!(matches!(err, PlacementError::Unsure { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("cannot tell whether pattern /api/* is reachable"),
        "{msg}"
    );
    assert!(
        msg.contains("the rule for theirs-1 (priority 1: /* if host *.example.com and method GET)"),
        "{msg}"
    );
    let hints = err.hints("");
    assert!(
        hints[1].contains("--host 'a.example.com' --force"),
        "{hints:?}"
    );
    let forced = place(
        &rules,
        &ours,
        &Request {
            force: true,
            ..Request::default()
        },
    )
    .unwrap();
    assert_eq!(forced.priority, 3);
    // Where a request of ours escapes theirs (PUT), the answer is exact: reached.
    let put = NewRule {
        when: Box::new(Conditions {
            methods: vec!["GET".into(), "PUT".into()],
            ..(*ours.when).clone()
        }),
        ..ours.clone()
    };
    assert_eq!(
        place(&rules, &put, &Request::default()).unwrap().priority,
        3
    );
}
