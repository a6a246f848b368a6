//! The placement logic against brute force: random rule sequences (a fixed seed, so
//! every run checks the same ones), each accepted placement checked for patterns no
//! request reaches by enumerating every path up to a length bound, each refusal
//! checked to be a real one.

use std::collections::HashSet;

use super::coverage::{uncovered, Coverage};
use super::placement::{place, NewRule, PlacementError, Request, MAX_PRIORITY};
use super::testing::Paths;
use super::{check_rule, PathPattern, Rule};

const SEQUENCES: usize = 10_000;
/// Paths up to this many characters: `/` and 6 of `a`, `b`, `/`, `c` (`c` is in
/// no pattern: it stands for every other character).
const PATH_LEN: usize = 7;

type Key = (String, String);

fn random_pattern(rng: &mut fastrand::Rng) -> String {
    let mut s = String::new();
    s.push(match rng.u8(..20) {
        0..=16 => '/',
        17..=18 => '*',
        _ => '?',
    });
    for _ in 0..rng.usize(0..=4) {
        s.push(['a', 'b', '/', '*', '?', 'a', 'b'][rng.usize(..7)]);
    }
    s
}

pub(super) fn random_patterns(rng: &mut fastrand::Rng) -> Vec<PathPattern> {
    loop {
        let count = if rng.u8(..10) < 7 { 1 } else { 2 };
        let mut patterns: Vec<PathPattern> = Vec::new();
        for _ in 0..count {
            let p = PathPattern::parse(&random_pattern(rng)).expect("valid by construction");
            if !patterns.contains(&p) {
                patterns.push(p);
            }
        }
        if check_rule(&patterns).is_ok() {
            return patterns;
        }
    }
}

struct Oracle {
    paths: Paths,
}

impl Oracle {
    /// Patterns no request reaches, exactly: brute force says no path up to the
    /// bound wins, and the inclusion search finds no longer witness that the
    /// matcher confirms either.
    fn dead(&self, rules: &[Rule]) -> HashSet<Key> {
        let mut order: Vec<&Rule> = rules.iter().collect();
        order.sort_by_key(|r| r.priority);
        self.paths
            .dead(rules)
            .into_iter()
            .filter(|(target, p)| {
                let idx = order.iter().position(|r| &r.target == target).unwrap();
                let pattern = PathPattern::parse(p).unwrap();
                let earlier: Vec<&PathPattern> =
                    order[..idx].iter().flat_map(|r| &r.patterns).collect();
                match uncovered(&pattern, &earlier) {
                    Coverage::Witness(w) => {
                        // A witness longer than the bound: check it by evaluation.
                        let wins = order.iter().find(|r| r.matches(&w)).map(|r| &r.target);
                        !(pattern.matches(&w) && wins == Some(target))
                    }
                    _ => true,
                }
            })
            .collect()
    }

    fn newly_dead(&self, before: &[Rule], after: &[Rule]) -> HashSet<Key> {
        let old = self.dead(before);
        self.dead(after)
            .into_iter()
            .filter(|k| !old.contains(k))
            .collect()
    }
}

/// `existing` with `new` inserted at index `i` of the priority order (priorities
/// spread out to make the room).
pub(super) fn inserted(existing: &[Rule], new: &NewRule, i: usize) -> Vec<Rule> {
    let mut order = existing.to_vec();
    order.sort_by_key(|r| r.priority);
    let mut out: Vec<Rule> = order
        .iter()
        .enumerate()
        .map(|(k, r)| Rule {
            priority: 2 * k as u32 + if k >= i { 3 } else { 1 },
            ..r.clone()
        })
        .collect();
    out.push(Rule {
        priority: 2 * i as u32 + 1,
        patterns: new.patterns.clone(),
        when: (*new.when).clone(),
        target: new.target.clone(),
        owned: true,
    });
    out.sort_by_key(|r| r.priority);
    out
}

/// Whether the lab's rules (and the new one) can be numbered, keeping every
/// rule's relative order and every foreign rule's number, with N at index i.
pub(super) fn renumberable(existing: &[Rule], i: usize) -> bool {
    let mut order = existing.to_vec();
    order.sort_by_key(|r| r.priority);
    let mut items: Vec<Option<u32>> = order
        .iter()
        .map(|r| (!r.owned).then_some(r.priority))
        .collect();
    items.insert(i, None);
    let mut fixed = 0;
    let mut movable = 0;
    for item in items.into_iter().chain([Some(MAX_PRIORITY + 1)]) {
        match item {
            None => movable += 1,
            Some(p) => {
                if p - fixed - 1 < movable {
                    return false;
                }
                fixed = p;
                movable = 0;
            }
        }
    }
    true
}

#[derive(Default, Debug)]
struct Tally {
    sequences: usize,
    placements: usize,
    accepted: usize,
    renumbered: usize,
    forced: usize,
    refused: usize,
    left_dead: usize,
}

#[test]
fn random_rule_sequences_never_leave_a_dead_pattern() {
    let oracle = Oracle {
        paths: Paths::new(&['a', 'b', 'c', '/'], PATH_LEN),
    };
    let mut rng = fastrand::Rng::with_seed(11);
    let mut t = Tally::default();
    for _ in 0..SEQUENCES {
        t.sequences += 1;
        let mut rules: Vec<Rule> = Vec::new();
        if rng.u8(..10) < 3 {
            for k in 0..rng.usize(1..=2) {
                let priority = rng.u32(1..=6);
                if rules.iter().all(|r| r.priority != priority) {
                    rules.push(Rule {
                        priority,
                        patterns: random_patterns(&mut rng),
                        when: Default::default(),
                        target: format!("f{k}"),
                        owned: false,
                    });
                }
            }
        }
        for step in 0..rng.usize(1..=5) {
            t.placements += 1;
            let mut existing = rules.clone();
            let mut req = Request::default();
            let mut target = format!("s{step}");
            let owned: Vec<usize> = (0..existing.len()).filter(|&i| existing[i].owned).collect();
            if !owned.is_empty() && rng.u8(..10) < 2 {
                let old = existing.remove(owned[rng.usize(..owned.len())]);
                req.keep = Some(old.priority);
                target = old.target;
            }
            if rng.u8(..10) < 3 {
                req.priority = Some(rng.u32(1..=8));
            }
            req.force = rng.u8(..20) == 0;
            let new = NewRule {
                target,
                patterns: random_patterns(&mut rng),
                when: Default::default(),
            };
            let context = format!("{existing:?}\n+ {new:?} {req:?}");
            match place(&existing, &new, &req) {
                Ok(pl) => {
                    let mut after = existing.clone();
                    pl.apply(&mut after, &new);
                    let dark = oracle.newly_dead(&existing, &after);
                    let claimed: HashSet<Key> = pl
                        .dark
                        .iter()
                        .map(|d| (d.rule.target.clone(), d.pattern.to_string()))
                        .collect();
                    if req.force {
                        t.forced += 1;
                        assert_eq!(
                            dark, claimed,
                            "forced: the warning names what goes dark\n{context}"
                        );
                    } else {
                        assert!(pl.dark.is_empty(), "{context}");
                        if !dark.is_empty() {
                            t.left_dead += 1;
                        }
                        assert!(
                            dark.is_empty(),
                            "accepted, but {dark:?} went dark\n{context}\n{pl:?}"
                        );
                        t.accepted += 1;
                    }
                    // Renumbering: only the lab's rules, relative order kept, and only
                    // when no free number would do.
                    let mut before_order = existing.clone();
                    before_order.sort_by_key(|r| r.priority);
                    let kept: Vec<&String> = after
                        .iter()
                        .filter(|r| r.target != new.target)
                        .map(|r| &r.target)
                        .collect();
                    let was: Vec<&String> = before_order.iter().map(|r| &r.target).collect();
                    assert_eq!(kept, was, "order kept\n{context}");
                    let numbers: HashSet<u32> = after.iter().map(|r| r.priority).collect();
                    assert_eq!(numbers.len(), after.len(), "unique priorities\n{context}");
                    assert!(after
                        .iter()
                        .all(|r| (1..=MAX_PRIORITY).contains(&r.priority)));
                    for m in &pl.moves {
                        let r = existing
                            .iter()
                            .find(|r| r.priority == m.rule.priority)
                            .unwrap();
                        assert!(r.owned, "moved a foreign rule\n{context}");
                    }
                    if let Some(p) = req.priority {
                        assert_eq!((pl.priority, pl.moves.len()), (p, 0), "{context}");
                    }
                    if !pl.moves.is_empty() {
                        t.renumbered += 1;
                        assert!(req.priority.is_none());
                        let order = {
                            let mut o = existing.clone();
                            o.sort_by_key(|r| r.priority);
                            o
                        };
                        for i in 0..=order.len() {
                            let prev = if i == 0 { 0 } else { order[i - 1].priority };
                            let next = order.get(i).map_or(MAX_PRIORITY + 1, |r| r.priority);
                            let good = oracle
                                .newly_dead(&existing, &inserted(&existing, &new, i))
                                .is_empty();
                            assert!(
                                !(good && next - prev > 1),
                                "renumbered with a free place at {i}\n{context}"
                            );
                        }
                    }
                    rules = after;
                }
                Err(err) => {
                    t.refused += 1;
                    let n = existing.len();
                    match &err {
                        PlacementError::OutOfRange { priority } => {
                            assert!(!(1..=MAX_PRIORITY).contains(priority))
                        }
                        PlacementError::PriorityInUse { priority, .. } => {
                            assert!(existing.iter().any(|r| r.priority == *priority))
                        }
                        PlacementError::Shadows { priority, dark, .. } => {
                            let i = existing.iter().filter(|r| r.priority < *priority).count();
                            let real = oracle.newly_dead(&existing, &inserted(&existing, &new, i));
                            let claimed: HashSet<Key> = dark
                                .iter()
                                .map(|d| (d.rule.target.clone(), d.pattern.to_string()))
                                .collect();
                            assert!(!real.is_empty(), "refused for nothing: {err}\n{context}");
                            assert_eq!(real, claimed, "{err}\n{context}");
                        }
                        PlacementError::Equivalent { .. } | PlacementError::Order { .. } => {
                            for i in 0..=n {
                                let real =
                                    oracle.newly_dead(&existing, &inserted(&existing, &new, i));
                                assert!(!real.is_empty(), "index {i} works: {err}\n{context}");
                            }
                        }
                        PlacementError::NoRoom { .. } => {
                            for i in 0..=n {
                                let good = oracle
                                    .newly_dead(&existing, &inserted(&existing, &new, i))
                                    .is_empty();
                                assert!(
                                    !(good && renumberable(&existing, i)),
                                    "index {i} works: {err}\n{context}"
                                );
                            }
                        }
                        PlacementError::Undecided(u) => panic!("{u}\n{context}"),
                        PlacementError::Unsure { why, .. } => panic!("{why}\n{context}"),
                    }
                }
            }
        }
    }
    println!(
        "random rule sequences: {} sequences, {} placements checked against {} paths: \
         {} accepted ({} renumbering the lab's rules), {} forced, {} refused; \
         {} accepted placements left a dead pattern",
        t.sequences,
        t.placements,
        oracle.paths.count(),
        t.accepted,
        t.renumbered,
        t.forced,
        t.refused,
        t.left_dead
    );
    assert!(t.sequences >= 10_000);
    assert_eq!(t.left_dead, 0);
    // Sanity: every outcome is exercised.
    assert!(
        t.accepted > 1000 && t.renumbered > 100 && t.refused > 1000 && t.forced > 100,
        "{t:?}"
    );
}

#[test]
fn oracle_sees_the_issue_cases() {
    use super::testing::rule;
    let oracle = Oracle {
        paths: Paths::new(&['a', 'b', 'c', '/'], PATH_LEN),
    };
    let dead = oracle.dead(&[
        rule(1, &["/"], "r"),
        rule(2, &["/?*"], "q"),
        rule(3, &["/*"], "all"),
    ]);
    assert!(dead.contains(&("all".into(), "/*".into())));
    assert!(renumberable(&[rule(1, &["/a"], "a")], 0));
    assert!(!renumberable(
        &[super::testing::foreign(1, &["/a"], "a")],
        0
    ));
}
