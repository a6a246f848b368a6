//! Where a new (or changed) rule goes among a listener's rules, so that neither it
//! nor any pattern of a rule after it is left unreachable; and, when the right place
//! has no free number, which of the lab's own rules to renumber to make one.
//!
//! Inserting rule N at index i of the rules sorted by priority:
//! - N's pattern p is hidden iff the rules before i together cover p. That only gets
//!   worse as i grows, so N is fully reachable exactly for i <= `hi`.
//! - A (reachable) pattern q of rule j is hidden by N iff N is before j and the rules
//!   before j, with N, cover q. That does not depend on where before j N is, so each
//!   such j forces i > j: N is harmless exactly for i >= `lo`.
//!
//! So the positions that leave nothing dark are the window `lo..=hi`; empty means no
//! order works (an equivalent pattern, or an ordering conflict).
//!
//! With conditions besides paths, "hidden" can be undecided (`rules::hidden`). Unless
//! forced, an undecided pattern counts against every position it could hurt (N's
//! pattern as hidden, a later pattern as killed), so an accepted place is safe; when
//! that leaves no position but certainty alone would, placement refuses as undecided.
//! Forced, undecided counts as reached.

use std::fmt;

use super::conditions::{Conditions, Relation};
use super::rules::{conditions_text, hidden, hiders, paths_of, Dead, Rule, RuleRef, Undecided};
use super::PathPattern;

/// ALB rule priorities run from 1 to this; the default action has none.
pub const MAX_PRIORITY: u32 = 50_000;

/// The rule being placed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRule {
    pub target: String,
    pub patterns: Vec<PathPattern>,
    /// Its other conditions (`split --host`); boxed, as errors carry the rule.
    pub when: Box<Conditions>,
}

impl NewRule {
    fn at(&self, priority: u32) -> Rule {
        Rule {
            priority,
            patterns: self.patterns.clone(),
            when: (*self.when).clone(),
            target: self.target.clone(),
            owned: true,
        }
    }

    fn paths(&self) -> Vec<PathPattern> {
        paths_of(&self.patterns, &self.when)
    }

    /// `mysfits split <target> --path '…'…<extra>`.
    pub fn command(&self, extra: &str) -> String {
        let paths: String = self
            .patterns
            .iter()
            .map(|p| format!(" --path '{p}'"))
            .chain(self.when.hosts.iter().map(|h| format!(" --host '{h}'")))
            .collect();
        format!("mysfits split {}{paths}{extra}", self.target)
    }
}

impl fmt::Display for NewRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the new rule for {} ({})",
            self.target,
            conditions_text(&self.patterns, &self.when)
        )
    }
}

/// What the caller asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Request {
    /// `--priority`: exactly there, or refused.
    pub priority: Option<u32>,
    /// The rule's current priority when it is changed in place: kept if it still
    /// works, so an unchanged re-run moves nothing.
    pub keep: Option<u32>,
    /// `--force`: accept a place that leaves patterns dark (listed in `dark`).
    pub force: bool,
    /// On a listener the lab did not make: of the places that work, the latest, so the
    /// new rule takes only what no rule before it takes now (the monolith's share), never
    /// a part of someone else's rule.
    pub latest: bool,
}

/// One of the lab's rules, renumbered to make room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub rule: RuleRef,
    pub to: u32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub priority: u32,
    /// Renumbering of the lab's own rules, all in one SetRulePriorities call.
    pub moves: Vec<Move>,
    /// Only when forced: the patterns that go dark.
    pub dark: Vec<Dead>,
}

impl Placement {
    /// The listener's rules after this placement.
    pub fn apply(&self, rules: &mut Vec<Rule>, new: &NewRule) {
        for r in rules.iter_mut() {
            if let Some(m) = self.moves.iter().find(|m| m.rule.priority == r.priority) {
                r.priority = m.to;
            }
        }
        rules.push(new.at(self.priority));
        rules.sort_by_key(|r| r.priority);
    }

    /// `like-service 1 → 2, users 2 → 3`.
    pub fn describe_moves(&self) -> String {
        self.moves
            .iter()
            .map(|m| format!("{} {} → {}", m.rule.target, m.rule.priority, m.to))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What `--priority N` would do instead of the place asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Instead {
    /// Automatic placement works, at this priority (renumbering `moves` rules).
    Auto { priority: u32, moves: usize },
    /// Automatic placement fails too.
    Nothing,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlacementError {
    OutOfRange {
        priority: u32,
    },
    PriorityInUse {
        priority: u32,
        rule: RuleRef,
    },
    /// At the priority asked for, patterns would go dark.
    Shadows {
        new: NewRule,
        priority: u32,
        dark: Vec<Dead>,
        instead: Instead,
    },
    /// A pattern of the new rule and one of `rule` match exactly the same paths.
    Equivalent {
        new: NewRule,
        pattern: PathPattern,
        rule: Box<RuleRef>,
        theirs: PathPattern,
    },
    /// No order works: late enough not to hide `hides`, N's `pattern` is hidden
    /// by `hidden_by`.
    Order {
        new: NewRule,
        /// Boxed to keep the error small.
        pattern: Box<PathPattern>,
        hidden_by: Vec<RuleRef>,
        hides: Vec<(PathPattern, RuleRef)>,
    },
    /// The place is right but has no free number, and the rules in the way are
    /// not the lab's (or renumbering would leave 1..=50000).
    NoRoom {
        new: NewRule,
        after: Option<Box<RuleRef>>,
        before: Option<Box<RuleRef>>,
        foreign: Vec<RuleRef>,
    },
    Undecided(Undecided),
    /// Whether a pattern is reached depends on conditions besides paths that only
    /// partly overlap: refused unless forced.
    Unsure {
        new: NewRule,
        why: Undecided,
    },
}

impl From<Undecided> for PlacementError {
    fn from(u: Undecided) -> Self {
        PlacementError::Undecided(u)
    }
}

fn joined<T: fmt::Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join(sep)
}

fn patterns_of(hides: &[(PathPattern, RuleRef)]) -> String {
    hides
        .iter()
        .map(|(q, r)| format!("pattern {q} of {r}"))
        .collect::<Vec<_>>()
        .join(" and ")
}

impl fmt::Display for PlacementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlacementError::OutOfRange { priority } => write!(
                f,
                "priority {priority} is out of range: ALB rule priorities go from 1 to {MAX_PRIORITY}, \
                 so pick one in that range with --priority, or leave it out to choose one"
            ),
            PlacementError::PriorityInUse { priority, rule } => write!(
                f,
                "priority {priority} is already used by the rule for {} ({}): \
                 pick another with --priority, or leave it out to choose one",
                rule.target,
                rule.conditions_text()
            ),
            PlacementError::Shadows {
                new,
                priority,
                dark,
                ..
            } => write!(
                f,
                "{new} at priority {priority} would leave patterns that no request reaches: {}",
                joined(dark, "; ")
            ),
            PlacementError::Equivalent {
                new,
                pattern,
                rule,
                theirs,
            } => write!(
                f,
                "{rule} has a pattern equivalent to the new one: {theirs} matches exactly the \
                 paths {pattern} matches, so whichever of them comes second is never reached \
                 ({new} cannot be placed)"
            ),
            PlacementError::Order {
                new,
                pattern,
                hidden_by,
                hides,
            } => write!(
                f,
                "no priority works for {new}: after {}, its pattern {pattern} is never reached; \
                 anywhere before, {} is never reached",
                joined(hidden_by, " and "),
                patterns_of(hides)
            ),
            PlacementError::NoRoom {
                new,
                after,
                before,
                foreign,
            } => {
                let between = match (after, before) {
                    (Some(a), Some(b)) => format!("between priority {} and {}", a.priority, b.priority),
                    (Some(a), None) => format!("after priority {}", a.priority),
                    (None, Some(b)) => format!("before priority {}", b.priority),
                    (None, None) => "anywhere".into(),
                };
                if foreign.is_empty() {
                    write!(
                        f,
                        "no priority is free for {new} {between}: renumbering the lab's rules \
                         would go past {MAX_PRIORITY}"
                    )
                } else {
                    write!(
                        f,
                        "no priority is free for {new} {between}, and {} {} in the way: mysfits \
                         did not create {}, so it does not renumber {}",
                        joined(foreign, " and "),
                        if foreign.len() == 1 { "is" } else { "are" },
                        if foreign.len() == 1 { "it" } else { "them" },
                        if foreign.len() == 1 { "it" } else { "them" },
                    )
                }
            }
            PlacementError::Undecided(u) => u.fmt(f),
            PlacementError::Unsure { new, why } => write!(f, "{new} cannot be placed safely: {why}"),
        }
    }
}

impl std::error::Error for PlacementError {}

impl PlacementError {
    /// What to run next; `lab_flag` is ` --lab NAME` or empty.
    pub fn hints(&self, lab_flag: &str) -> Vec<String> {
        let split = |new: &NewRule, extra: &str| {
            format!("`{}`", new.command(&format!("{extra}{lab_flag}")))
        };
        match self {
            PlacementError::OutOfRange { .. } | PlacementError::PriorityInUse { .. } => {
                vec!["leave out --priority and mysfits picks a place where the rule is reachable".into()]
            }
            PlacementError::Shadows {
                new,
                priority,
                dark,
                instead,
            } => {
                let mut h = Vec::new();
                match instead {
                    Instead::Auto { priority: p, moves } => h.push(format!(
                        "leave out --priority and mysfits puts it at {p}{}: {}",
                        if *moves > 0 {
                            format!(", renumbering {moves} of the lab's rules")
                        } else {
                            String::new()
                        },
                        split(new, "")
                    )),
                    Instead::Nothing => {
                        h.push("no other priority works either: change a pattern so the rules no longer overlap".into())
                    }
                }
                let dark: Vec<String> = dark.iter().map(|d| d.pattern.to_string()).collect();
                h.push(format!(
                    "or accept that {} goes dark: {}",
                    dark.join(", "),
                    split(new, &format!(" --priority {priority} --force"))
                ));
                h
            }
            PlacementError::Equivalent { new, rule, .. } => vec![
                format!(
                    "route those paths to one service: `mysfits merge {}{lab_flag}` first, or give {} another pattern",
                    rule.target, new.target
                ),
                format!(
                    "or let the new rule take them from {}: {}",
                    rule.target,
                    split(new, " --force")
                ),
            ],
            PlacementError::Order { new, hides, .. } => {
                let dark: Vec<String> = hides.iter().map(|(q, _)| q.to_string()).collect();
                vec![
                    format!(
                        "make the patterns disjoint: e.g. move {} into a rule of its own, or give {} a narrower pattern",
                        dark.join(", "),
                        new.target
                    ),
                    format!(
                        "or accept that {} goes dark: {}",
                        dark.join(", "),
                        split(new, " --force")
                    ),
                ]
            }
            PlacementError::NoRoom { .. } => vec![
                "leave a gap by renumbering those rules yourself (`aws elbv2 set-rule-priorities`), then split again".into(),
            ],
            PlacementError::Unsure { new, .. } => vec![
                "give the new rule conditions that either include or exclude theirs (e.g. the same --host, or another host)".into(),
                format!(
                    "or, if the order is what you mean, place it anyway: {}",
                    split(new, " --force")
                ),
            ],
            PlacementError::Undecided(_) => {
                vec!["use fewer wildcards in the overlapping patterns".into()]
            }
        }
    }
}

/// What is known of one pattern's reachability behind some rules.
enum State {
    Reached,
    Hidden,
    Unsure(Undecided),
}

fn state(p: &PathPattern, when: &Conditions, earlier: &[&Rule]) -> Result<State, Undecided> {
    match hidden(p, when, earlier) {
        Ok(true) => Ok(State::Hidden),
        Ok(false) => Ok(State::Reached),
        Err(u) if u.by_conditions() => Ok(State::Unsure(u)),
        Err(u) => Err(u),
    }
}

/// The first `i` in 0..=n where `pred` holds (monotone in i), if any.
fn first_where(
    n: usize,
    mut pred: impl FnMut(usize) -> Result<bool, Undecided>,
) -> Result<Option<usize>, Undecided> {
    if !pred(n)? {
        return Ok(None);
    }
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = (lo + hi) / 2;
        if pred(mid)? {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    Ok(Some(lo))
}

/// The analysis of one new rule against the existing rules.
struct Analysis<'a> {
    order: Vec<&'a Rule>,
    new: &'a NewRule,
    /// Per new pattern: the first index at which it is (or, unless lenient, may be)
    /// hidden, if any.
    hidden_from: Vec<Option<usize>>,
    /// Per new pattern: the first index at which it is surely hidden.
    certain_from: Vec<Option<usize>>,
    hi: usize,
    /// (index of rule, its pattern, sure) that N hides (or may hide) when placed
    /// before that rule.
    kills: Vec<(usize, PathPattern, bool)>,
    lo: usize,
    /// What could not be decided, the first first.
    unsure: Vec<Undecided>,
}

impl<'a> Analysis<'a> {
    /// `lenient`: an undecided pattern counts as reached (`--force`).
    fn new(existing: &'a [Rule], new: &'a NewRule, lenient: bool) -> Result<Self, Undecided> {
        let mut order: Vec<&Rule> = existing.iter().collect();
        order.sort_by_key(|r| r.priority);
        let n = order.len();
        let mut unsure = Vec::new();
        let (mut hidden_from, mut certain_from) = (Vec::new(), Vec::new());
        for p in &new.paths() {
            // Monotone in the index: binary search the first one that hides p.
            let certain = first_where(n, |i| {
                Ok(matches!(state(p, &new.when, &order[..i])?, State::Hidden))
            })?;
            let maybe = first_where(n, |i| match state(p, &new.when, &order[..i])? {
                State::Reached => Ok(false),
                State::Hidden => Ok(true),
                State::Unsure(u) => {
                    if !lenient && !unsure.contains(&u) {
                        unsure.push(u);
                    }
                    Ok(!lenient)
                }
            })?;
            hidden_from.push(maybe);
            certain_from.push(certain);
        }
        let hi = hidden_from
            .iter()
            .flatten()
            .map(|&c| c - 1)
            .min()
            .unwrap_or(n);
        let probe = new.at(0);
        let new_paths = new.paths();
        let mut kills = Vec::new();
        for j in 0..n {
            let before = &order[..j];
            let mut with_new = before.to_vec();
            with_new.push(&probe);
            let when = &order[j].when;
            for q in &order[j].paths() {
                let touches = probe.when.relation(when) != Relation::Disjoint
                    && new_paths.iter().any(|p| p.overlaps(q));
                let kill = match (state(q, when, before)?, state(q, when, &with_new)?) {
                    (State::Hidden, _) | (_, State::Reached) => None,
                    (State::Reached, State::Hidden) => Some(true),
                    (State::Reached, State::Unsure(u)) | (State::Unsure(u), State::Hidden) => {
                        Some(false).filter(|_| {
                            unsure.push(u);
                            !lenient
                        })
                    }
                    (State::Unsure(u), State::Unsure(_)) => Some(false).filter(|_| {
                        touches && {
                            unsure.push(u);
                            !lenient
                        }
                    }),
                };
                if let Some(sure) = kill {
                    kills.push((j, q.clone(), sure));
                }
            }
        }
        let lo = kills.iter().map(|(j, _, _)| j + 1).max().unwrap_or(0);
        Ok(Analysis {
            order,
            new,
            hidden_from,
            certain_from,
            hi,
            kills,
            lo,
            unsure,
        })
    }

    fn index_of(&self, priority: u32) -> usize {
        self.order.iter().filter(|r| r.priority < priority).count()
    }

    fn fits(&self, i: usize) -> bool {
        self.lo <= i && i <= self.hi
    }

    /// What goes dark with N at index i and this priority.
    fn dark_at(&self, i: usize, priority: u32) -> Vec<Dead> {
        let me = self.new.at(priority);
        let mut dark = Vec::new();
        for (p, from) in self.new.paths().iter().zip(&self.certain_from) {
            if from.is_some_and(|c| c <= i) {
                dark.push(Dead {
                    pattern: p.clone(),
                    rule: me.named(),
                    by: hiders(p, &self.new.when, &self.order[..i]),
                });
            }
        }
        for (j, q, _) in self.kills.iter().filter(|(j, _, sure)| *j >= i && *sure) {
            let mut before = self.order[..*j].to_vec();
            before.push(&me);
            dark.push(Dead {
                pattern: q.clone(),
                rule: self.order[*j].named(),
                by: hiders(q, &self.order[*j].when, &before),
            });
        }
        dark
    }

    fn prio(&self, i: usize) -> u32 {
        self.order[i].priority
    }

    /// The lowest free priority at an index in `range`; else the renumbering of
    /// the lab's rules that moves the fewest.
    fn choose(
        &self,
        range: std::ops::RangeInclusive<usize>,
        latest: bool,
    ) -> Result<(u32, Vec<Move>), PlacementError> {
        let n = self.order.len();
        let prev = |i: usize| if i == 0 { 0 } else { self.prio(i - 1) };
        let next = |i: usize| {
            if i == n {
                MAX_PRIORITY + 1
            } else {
                self.prio(i)
            }
        };
        let gap = |&i: &usize| next(i) - prev(i) > 1;
        let free = if latest {
            range.clone().rev().find(gap)
        } else {
            range.clone().find(gap)
        };
        if let Some(i) = free {
            return Ok((prev(i) + 1, Vec::new()));
        }
        let mut best: Option<(u32, Vec<Move>)> = None;
        let mut blockers: Vec<RuleRef> = Vec::new();
        for i in range.clone() {
            for option in [
                self.shift_up(i, prev(i) + 1),
                self.shift_down(i, next(i) - 1),
            ] {
                match option {
                    Ok(found) => {
                        let better = best
                            .as_ref()
                            .is_none_or(|(p, m)| (found.1.len(), found.0) < (m.len(), *p));
                        if better {
                            best = Some(found);
                        }
                    }
                    Err(Some(foreign)) if !blockers.contains(&foreign) => blockers.push(foreign),
                    Err(_) => {}
                }
            }
        }
        best.ok_or_else(|| PlacementError::NoRoom {
            new: self.new.clone(),
            after: range
                .start()
                .checked_sub(1)
                .map(|i| Box::new(self.order[i].named())),
            before: (*range.end() < n).then(|| Box::new(self.order[*range.end()].named())),
            foreign: blockers,
        })
    }

    /// N at `at` (just after index i-1), pushing the rules from i upwards.
    /// Err(Some(rule)): a rule the lab did not make is in the way.
    fn shift_up(&self, i: usize, at: u32) -> Result<(u32, Vec<Move>), Option<RuleRef>> {
        if at > MAX_PRIORITY {
            return Err(None);
        }
        let (mut cur, mut moves) = (at, Vec::new());
        for r in &self.order[i..] {
            if r.priority > cur {
                break;
            }
            if !r.owned {
                return Err(Some(r.named()));
            }
            cur += 1;
            if cur > MAX_PRIORITY {
                return Err(None);
            }
            moves.push(Move {
                rule: r.named(),
                to: cur,
            });
        }
        Ok((at, moves))
    }

    /// N at `at` (just before index i), pushing the rules before i downwards.
    fn shift_down(&self, i: usize, at: u32) -> Result<(u32, Vec<Move>), Option<RuleRef>> {
        if at < 1 {
            return Err(None);
        }
        let (mut cur, mut moves) = (at, Vec::new());
        for r in self.order[..i].iter().rev() {
            if r.priority < cur {
                break;
            }
            if !r.owned {
                return Err(Some(r.named()));
            }
            if cur == 1 {
                return Err(None);
            }
            cur -= 1;
            moves.push(Move {
                rule: r.named(),
                to: cur,
            });
        }
        moves.reverse();
        Ok((at, moves))
    }

    /// Why the window is empty.
    fn conflict(&self) -> PlacementError {
        for p in &self.new.paths() {
            for (j, r) in self.order.iter().enumerate() {
                if r.when != *self.new.when {
                    continue;
                }
                for q in &r.paths() {
                    let alive = hidden(q, &r.when, &self.order[..j]) == Ok(false);
                    if alive && p.equivalent(q) {
                        return PlacementError::Equivalent {
                            new: self.new.clone(),
                            pattern: p.clone(),
                            rule: Box::new(r.named()),
                            theirs: q.clone(),
                        };
                    }
                }
            }
        }
        let paths = self.new.paths();
        let (pattern, first) = paths
            .iter()
            .zip(&self.hidden_from)
            .filter_map(|(p, c)| c.map(|c| (p, c)))
            .min_by_key(|&(_, c)| c)
            .expect("an empty window has a hidden pattern");
        PlacementError::Order {
            new: self.new.clone(),
            pattern: Box::new(pattern.clone()),
            hidden_by: hiders(pattern, &self.new.when, &self.order[..first]),
            hides: self
                .kills
                .iter()
                .filter(|(j, _, _)| *j >= self.hi)
                .map(|(j, q, _)| (q.clone(), self.order[*j].named()))
                .collect(),
        }
    }
}

/// Places `new` among `existing` (the listener's other rules; its own current
/// rule left out when it is changed in place).
pub fn place(existing: &[Rule], new: &NewRule, req: &Request) -> Result<Placement, PlacementError> {
    let a = Analysis::new(existing, new, req.force)?;
    // Only undecided answers leave no place: say so, not an ordering conflict.
    let undecided = |a: &Analysis<'_>| match a.unsure.first() {
        Some(u) => PlacementError::Unsure {
            new: new.clone(),
            why: u.clone(),
        },
        None => a.conflict(),
    };
    let placed = |priority, moves, dark| {
        Ok(Placement {
            priority,
            moves,
            dark,
        })
    };
    if let Some(p) = req.priority {
        if !(1..=MAX_PRIORITY).contains(&p) {
            return Err(PlacementError::OutOfRange { priority: p });
        }
        if let Some(rule) = existing.iter().find(|r| r.priority == p) {
            return Err(PlacementError::PriorityInUse {
                priority: p,
                rule: rule.named(),
            });
        }
        let i = a.index_of(p);
        if a.fits(i) {
            return placed(p, Vec::new(), Vec::new());
        }
        let dark = a.dark_at(i, p);
        if req.force {
            return placed(p, Vec::new(), dark);
        }
        if dark.is_empty() {
            return Err(undecided(&a));
        }
        let instead = match place(existing, new, &Request::default()) {
            Ok(pl) => Instead::Auto {
                priority: pl.priority,
                moves: pl.moves.len(),
            },
            Err(_) => Instead::Nothing,
        };
        return Err(PlacementError::Shadows {
            new: new.clone(),
            priority: p,
            dark,
            instead,
        });
    }
    if let Some(k) = req.keep {
        let free = !existing.iter().any(|r| r.priority == k);
        if free && (1..=MAX_PRIORITY).contains(&k) && a.fits(a.index_of(k)) {
            return placed(k, Vec::new(), Vec::new());
        }
    }
    if a.lo <= a.hi {
        // No room in a window narrowed by undecided answers: say those.
        let (p, moves) = a.choose(a.lo..=a.hi, req.latest).map_err(|e| match e {
            PlacementError::NoRoom { .. } if !a.unsure.is_empty() => undecided(&a),
            e => e,
        })?;
        return placed(p, moves, Vec::new());
    }
    if !req.force {
        let sure = Analysis::new(existing, new, true)?;
        return Err(if sure.lo <= sure.hi {
            undecided(&a)
        } else {
            sure.conflict()
        });
    }
    // Forced with no good place: as late as the new rule is still reached, so it
    // takes what it asked for and hides as little as that allows.
    let (p, moves) = a.choose(a.hi..=a.hi, req.latest)?;
    let dark = a.dark_at(a.hi, p);
    placed(p, moves, dark)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alb::testing::{foreign, pat, rule, UNIONS};

    fn new(target: &str, patterns: &[&str]) -> NewRule {
        NewRule {
            target: target.into(),
            patterns: patterns.iter().map(|s| pat(s)).collect(),
            when: Box::default(),
        }
    }

    fn auto(existing: &[Rule], n: &NewRule) -> Result<Placement, PlacementError> {
        place(existing, n, &Request::default())
    }

    fn at(existing: &[Rule], n: &NewRule, priority: u32) -> Result<Placement, PlacementError> {
        place(
            existing,
            n,
            &Request {
                priority: Some(priority),
                ..Request::default()
            },
        )
    }

    #[test]
    fn on_a_foreign_listener_the_latest_place_that_works_is_taken() {
        let rules = vec![
            foreign(5, &["/admin/*"], "admin"),
            foreign(20, &["/*"], "catch-all"),
        ];
        let n = new("reviews", &["/reviews*"]);
        // Before the catch-all either way; attached, right before it, not before /admin.
        assert_eq!(auto(&rules, &n).unwrap().priority, 1);
        let latest = Request {
            latest: true,
            ..Request::default()
        };
        assert_eq!(place(&rules, &n, &latest).unwrap().priority, 6);
        let open = vec![foreign(5, &["/admin/*"], "admin")];
        assert_eq!(place(&open, &n, &latest).unwrap().priority, 6);
    }

    #[test]
    fn requested_priority_is_checked_for_range_and_use() {
        let rules = vec![rule(1, &["/mysfits/*/like"], "like-service")];
        let x = new("x", &["/x"]);
        assert_eq!(at(&rules, &x, 2).unwrap().priority, 2);
        let err = at(&rules, &x, 1).unwrap_err();
        assert!(matches!(
            err,
            PlacementError::PriorityInUse { priority: 1, .. }
        ));
        assert_eq!(
            err.to_string(),
            "priority 1 is already used by the rule for like-service (/mysfits/*/like): \
             pick another with --priority, or leave it out to choose one"
        );
        for p in [0, 50_001] {
            assert_eq!(
                at(&rules, &x, p),
                Err(PlacementError::OutOfRange { priority: p })
            );
        }
        assert_eq!(at(&rules, &x, 50_000).unwrap().priority, 50_000);
    }

    #[test]
    fn automatic_places_keep_the_old_choices() {
        let like = new("like-service", &["/mysfits/*/like"]);
        let mysfits = new("mysfits", &["/mysfits/*"]);
        // Empty listener: the lab's like-service rule gets 1.
        assert_eq!(auto(&[], &like).unwrap().priority, 1);
        // Specific before general, with a free number there.
        let general = vec![rule(10, &["/mysfits/*"], "mysfits")];
        assert_eq!(auto(&general, &like).unwrap().priority, 1);
        // General after specific.
        let specific = vec![rule(1, &["/mysfits/*/like"], "like-service")];
        assert_eq!(auto(&specific, &mysfits).unwrap().priority, 2);
        // Unrelated rules only take numbers away: nothing is renumbered for them.
        let unrelated = vec![rule(1, &["/a"], "a"), rule(2, &["/b"], "b")];
        let p = auto(&unrelated, &like).unwrap();
        assert_eq!((p.priority, p.moves.len()), (3, 0));
        // Between a specific and a general rule.
        let both = vec![
            rule(1, &["/mysfits/*/like"], "like-service"),
            rule(2, &["/x"], "x"),
            rule(4, &["/*"], "monolith"),
        ];
        assert_eq!(auto(&both, &mysfits).unwrap().priority, 3);
    }

    #[test]
    fn a_more_specific_rule_always_finds_room() {
        // `/api/*` took 1; `/api/users*` must go before it: the lab's rule moves.
        let api = vec![rule(1, &["/api/*"], "api")];
        let p = auto(&api, &new("users", &["/api/users*"])).unwrap();
        assert_eq!(p.priority, 1);
        assert_eq!(p.moves.len(), 1);
        assert_eq!((p.moves[0].rule.target.as_str(), p.moves[0].to), ("api", 2));
        assert_eq!(p.describe_moves(), "api 1 → 2");
        // A chain moves only as far as the next gap.
        let chain = vec![
            rule(1, &["/api/*"], "api"),
            rule(2, &["/b"], "b"),
            rule(5, &["/c"], "c"),
        ];
        let p = auto(&chain, &new("users", &["/api/users*"])).unwrap();
        assert_eq!(p.priority, 1);
        assert_eq!(p.describe_moves(), "api 1 → 2, b 2 → 3");
        let mut after = chain.clone();
        p.apply(&mut after, &new("users", &["/api/users*"]));
        let order: Vec<(u32, &str)> = after
            .iter()
            .map(|r| (r.priority, r.target.as_str()))
            .collect();
        assert_eq!(order, [(1, "users"), (2, "api"), (3, "b"), (5, "c")]);
        // Downwards when that moves fewer: after `/api/users/x`, before `/api/*`.
        let high = vec![
            rule(2, &["/api/users/x"], "ux"),
            rule(3, &["/api/*"], "api"),
            rule(4, &["/r"], "r"),
            rule(5, &["/s"], "s"),
            rule(6, &["/t"], "t"),
        ];
        let p = auto(&high, &new("users", &["/api/users*"])).unwrap();
        assert_eq!(
            (p.priority, p.describe_moves()),
            (2, "ux 2 → 1".to_string())
        );
    }

    #[test]
    fn rules_the_lab_did_not_make_are_never_moved() {
        let theirs = vec![foreign(1, &["/api/*"], "their-tg")];
        let err = auto(&theirs, &new("users", &["/api/users*"])).unwrap_err();
        assert!(matches!(err, PlacementError::NoRoom { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("the rule for their-tg (priority 1: /api/*) is in the way"),
            "{msg}"
        );
        assert!(msg.contains("mysfits did not create it"), "{msg}");
        // Around a foreign rule, the lab's own rules still move.
        let mixed = vec![
            rule(1, &["/api/*"], "api"),
            foreign(3, &["/other"], "their-tg"),
        ];
        let p = auto(&mixed, &new("users", &["/api/users*"])).unwrap();
        assert_eq!(
            (p.priority, p.describe_moves()),
            (1, "api 1 → 2".to_string())
        );
    }

    #[test]
    fn no_later_rule_goes_dark() {
        // `/z/*` at 5, then `/*` at 2: refused, naming both and the fix.
        let z = vec![rule(5, &["/z/*"], "svc-z")];
        let all = new("svc-b", &["/*"]);
        let err = at(&z, &all, 2).unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(
                "pattern /z/* (svc-z, priority 5) would never be reached: \
                          the rule for svc-b (priority 2: /*) takes every path it matches"
            ),
            "{msg}"
        );
        let hints = err.hints("");
        assert!(
            hints[0].contains("puts it at 6: `mysfits split svc-b --path '/*'`"),
            "{hints:?}"
        );
        assert!(hints[1].contains("--priority 2 --force"), "{hints:?}");
        // Left to itself it goes after.
        assert_eq!(auto(&z, &all).unwrap().priority, 6);
        // Forced: accepted, and the warning names what goes dark.
        let forced = place(
            &z,
            &all,
            &Request {
                priority: Some(2),
                force: true,
                ..Request::default()
            },
        )
        .unwrap();
        assert_eq!(forced.dark.len(), 1);
        assert_eq!(forced.dark[0].pattern, pat("/z/*"));

        // `/api/users*` at 5, `/api/*` at 6, then `/api/*` at 3: the users rule.
        let api = vec![
            rule(5, &["/api/users*"], "users"),
            rule(6, &["/api/*"], "api"),
        ];
        let err = at(&api, &new("svc-a", &["/api/*"]), 3).unwrap_err();
        assert!(
            err.to_string()
                .contains("pattern /api/users* (users, priority 5)"),
            "{err}"
        );

        // One pattern of a rule: `/p/x` behind `/p/*`.
        let p = vec![rule(1, &["/p/*"], "p")];
        let err = at(&p, &new("x", &["/p/x", "/r"]), 5).unwrap_err();
        assert!(
            err.to_string()
                .contains("pattern /p/x (x, priority 5) would never be reached"),
            "{err}"
        );
    }

    #[test]
    fn a_changed_rule_moves_when_its_place_no_longer_works() {
        // svc-a had `/z/*` at 1; changed to `/*` it must go after `/y/*` and `/q`.
        let others = vec![rule(2, &["/y/*"], "svc-y"), rule(3, &["/q"], "svc-q")];
        let changed = new("svc-a", &["/*"]);
        let keep = Request {
            keep: Some(1),
            ..Request::default()
        };
        assert_eq!(place(&others, &changed, &keep).unwrap().priority, 4);
        // Unchanged, it stays where it is.
        let same = new("svc-a", &["/z/*"]);
        assert_eq!(place(&others, &same, &keep).unwrap().priority, 1);
    }

    #[test]
    fn unions_hide_too() {
        for (earlier, newp) in UNIONS {
            let rules: Vec<Rule> = earlier
                .iter()
                .enumerate()
                .map(|(i, p)| rule(i as u32 + 1, &[p], &format!("s{i}")))
                .collect();
            let err = at(&rules, &new("n", &[newp]), 10).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains("the rules for s0 (priority 1"), "{msg}");
            assert!(msg.contains("and s1 (priority 2"), "{msg}");
            assert!(msg.contains("together take every path it matches"), "{msg}");
        }
    }

    #[test]
    fn equivalent_only_when_it_is() {
        let catch_all = vec![rule(1, &["/*"], "monolith")];
        let err = auto(&catch_all, &new("m", &["*"])).unwrap_err();
        assert!(matches!(err, PlacementError::Equivalent { .. }), "{err}");
        assert!(
            err.to_string()
                .contains("has a pattern equivalent to the new one"),
            "{err}"
        );
        // `[/ab, /a*]` then `/a?`: an ordering conflict, not an equivalence.
        let mixed = vec![rule(1, &["/ab", "/a*"], "y")];
        let err = auto(&mixed, &new("a", &["/a?"])).unwrap_err();
        assert!(matches!(err, PlacementError::Order { .. }), "{err}");
        let msg = err.to_string();
        assert!(!msg.contains("equivalent"), "{msg}");
        assert_eq!(
            msg,
            "no priority works for the new rule for a (/a?): after the rule for y (priority 1: /ab, /a*), \
             its pattern /a? is never reached; anywhere before, pattern /ab of the rule for y (priority 1: /ab, /a*) is never reached"
        );
        // A rule that is dark already is not the new rule's doing.
        let inverted = vec![
            rule(1, &["/*"], "monolith"),
            rule(2, &["/mysfits/*/like"], "like-service"),
        ];
        let p = auto(&inverted, &new("mysfits", &["/mysfits/*"])).unwrap();
        assert_eq!(
            (p.priority, p.describe_moves()),
            (1, "monolith 1 → 2, like-service 2 → 3".to_string())
        );
        // Forced: placed where it is still reached, ahead of the equivalent one.
        let forced = place(
            &catch_all,
            &new("m", &["*"]),
            &Request {
                force: true,
                ..Request::default()
            },
        )
        .unwrap();
        assert_eq!(
            (forced.priority, forced.describe_moves()),
            (1, "monolith 1 → 2".to_string())
        );
        assert_eq!(forced.dark.len(), 1);
        assert_eq!(forced.dark[0].rule.target, "monolith");
    }
}
