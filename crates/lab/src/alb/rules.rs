//! Listener rules as ALB evaluates them (ascending priority, first match wins), and
//! which of their patterns no request can ever reach.

use std::fmt;

use super::conditions::{Conditions, HttpRequest, Relation};
use super::coverage::{uncovered, Coverage, MAX_SEARCH_NODES};
use super::pattern::PathPattern;

/// A listener rule: forwards to `target` when any of its patterns matches
/// (ALB ORs the values of one path-pattern condition) and its other conditions
/// `when` hold (ANDed, see `conditions.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub priority: u32,
    /// Empty: no path-pattern condition, any path (when `when` has a condition; a
    /// rule with none at all matches nothing, as ALB requires one).
    pub patterns: Vec<PathPattern>,
    pub when: Conditions,
    pub target: String,
    /// Made by this lab (its target group carries the lab's tag): the only rules
    /// mysfits may renumber.
    pub owned: bool,
}

/// `/*`: the paths of a rule without a path condition.
pub fn any_path() -> PathPattern {
    PathPattern::parse("/*").expect("valid")
}

/// The patterns a rule's path condition stands for (`/*` when it has none).
pub fn paths_of(patterns: &[PathPattern], when: &Conditions) -> Vec<PathPattern> {
    if patterns.is_empty() && !when.is_empty() {
        vec![any_path()]
    } else {
        patterns.to_vec()
    }
}

impl Rule {
    /// Whether a request for `path`, with nothing else known, reaches this rule.
    pub fn matches(&self, path: &str) -> bool {
        self.takes(&HttpRequest::new(path))
    }

    pub fn takes(&self, req: &HttpRequest) -> bool {
        self.paths().iter().any(|p| p.matches(&req.path)) && self.when.matches(req)
    }

    pub fn paths(&self) -> Vec<PathPattern> {
        paths_of(&self.patterns, &self.when)
    }

    pub fn named(&self) -> RuleRef {
        RuleRef {
            priority: self.priority,
            patterns: self.patterns.clone(),
            when: Box::new(self.when.clone()),
            target: self.target.clone(),
        }
    }
}

/// The rule ALB would apply to `path`: lowest priority number first, first
/// match wins. None means the listener's default action.
pub fn evaluate<'a>(rules: &'a [Rule], path: &str) -> Option<&'a Rule> {
    evaluate_request(rules, &HttpRequest::new(path))
}

/// The rule ALB would apply to `req`.
pub fn evaluate_request<'a>(rules: &'a [Rule], req: &HttpRequest) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| r.takes(req))
        .min_by_key(|r| r.priority)
}

/// A rule as messages name it: its service, priority, patterns and conditions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub priority: u32,
    pub patterns: Vec<PathPattern>,
    /// Boxed: messages and errors carry many of these.
    pub when: Box<Conditions>,
    pub target: String,
}

impl RuleRef {
    /// `/a, /b`, then its other conditions when it has any: `/a if host x.com`.
    pub fn conditions_text(&self) -> String {
        conditions_text(&self.patterns, &self.when)
    }
}

/// A rule's conditions in a message: the paths (as before for a paths-only rule),
/// then ` if host … and method …`.
pub fn conditions_text(patterns: &[PathPattern], when: &Conditions) -> String {
    if when.is_empty() {
        return list(patterns);
    }
    let paths = if patterns.is_empty() {
        "any path".to_string()
    } else {
        list(patterns)
    };
    format!("{paths} if {}", when.describe().join(" and "))
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the rule for {} (priority {}: {})",
            self.target,
            self.priority,
            self.conditions_text()
        )
    }
}

/// `a, b, c`.
pub fn list(patterns: &[PathPattern]) -> String {
    patterns
        .iter()
        .map(PathPattern::as_str)
        .collect::<Vec<_>>()
        .join(", ")
}

/// "the rule for a (…) takes", "the rules for a (…) and b (…) together take".
pub fn hiders_phrase(by: &[RuleRef]) -> String {
    match by {
        [one] => format!("{one} takes"),
        _ => {
            let names: Vec<String> = by
                .iter()
                .map(|r| {
                    format!(
                        "{} (priority {}: {})",
                        r.target,
                        r.priority,
                        r.conditions_text()
                    )
                })
                .collect();
            let (last, rest) = names.split_last().expect("at least one rule");
            format!("the rules for {} and {last} together take", rest.join(", "))
        }
    }
}

/// A pattern that no request reaches: the rules in `by`, all ahead of it, take
/// every path it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dead {
    pub pattern: PathPattern,
    pub rule: RuleRef,
    pub by: Vec<RuleRef>,
}

impl fmt::Display for Dead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "pattern {} ({}, priority {}) would never be reached: {} every path it matches",
            self.pattern,
            self.rule.target,
            self.rule.priority,
            hiders_phrase(&self.by)
        )
    }
}

/// Reachability could not be decided: the search needed more than
/// [`MAX_SEARCH_NODES`] states, or (when `overlapping` is not empty) the earlier
/// rules that only partly share the pattern's other conditions would decide it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    pub pattern: PathPattern,
    pub rules: usize,
    pub overlapping: Vec<RuleRef>,
}

impl Undecided {
    /// Undecided because of conditions (not a search limit): `--force` accepts it.
    pub fn by_conditions(&self) -> bool {
        !self.overlapping.is_empty()
    }
}

impl fmt::Display for Undecided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.by_conditions() {
            let names: Vec<String> = self.overlapping.iter().map(|r| r.to_string()).collect();
            return write!(
                f,
                "cannot tell whether pattern {} is reachable: {} {} some but not all of its \
                 requests (their other conditions overlap without including them), and \
                 whether the rest reach it depends on more than paths",
                self.pattern,
                names.join(" and "),
                if names.len() == 1 { "takes" } else { "take" }
            );
        }
        write!(
            f,
            "cannot tell whether pattern {} is reachable behind {} earlier rule(s): \
             deciding it takes more than {MAX_SEARCH_NODES} search states",
            self.pattern, self.rules
        )
    }
}

impl std::error::Error for Undecided {}

/// Whether the rules of `earlier` together take every request that `pattern`
/// matches and the conditions `when` let through.
///
/// Exact where it answers: earlier rules whose conditions take all of `when`'s
/// requests ([`Relation::Takes`]) hide by their paths alone, so if they cover the
/// pattern it is hidden; rules disjoint from `when` never hide it; if even all the
/// others with the partly overlapping ones leave a path over, that path reaches it.
/// Between the two, sample requests of `when` (`Conditions::samples`) may still show
/// a witness; failing that, the answer depends on more than paths: [`Undecided`].
pub fn hidden(
    pattern: &PathPattern,
    when: &Conditions,
    earlier: &[&Rule],
) -> Result<bool, Undecided> {
    let mut takes: Vec<PathPattern> = Vec::new();
    let mut partly: Vec<&Rule> = Vec::new();
    for r in earlier {
        match r.when.relation(when) {
            Relation::Takes => takes.extend(r.paths()),
            Relation::Overlaps => partly.push(r),
            Relation::Disjoint => {}
        }
    }
    let search = || Undecided {
        pattern: pattern.clone(),
        rules: earlier.len(),
        overlapping: Vec::new(),
    };
    let refs: Vec<&PathPattern> = takes.iter().collect();
    match uncovered(pattern, &refs) {
        Coverage::Covered => return Ok(true),
        Coverage::Unknown => return Err(search()),
        Coverage::Witness(_) if partly.is_empty() => return Ok(false),
        Coverage::Witness(_) => {}
    }
    // A concrete request of `when` that leaves a path over is a witness: exact.
    let others: Vec<&Conditions> = partly.iter().map(|r| &r.when).collect();
    for req in when.samples(&others) {
        let applying: Vec<PathPattern> = earlier
            .iter()
            .filter(|r| r.when.matches(&req))
            .flat_map(|r| r.paths())
            .collect();
        let refs: Vec<&PathPattern> = applying.iter().collect();
        if let Coverage::Witness(_) = uncovered(pattern, &refs) {
            return Ok(false);
        }
    }
    let more: Vec<PathPattern> = partly.iter().flat_map(|r| r.paths()).collect();
    let all: Vec<&PathPattern> = takes.iter().chain(&more).collect();
    match uncovered(pattern, &all) {
        Coverage::Witness(_) => Ok(false),
        Coverage::Unknown => Err(search()),
        Coverage::Covered => Err(Undecided {
            pattern: pattern.clone(),
            rules: earlier.len(),
            overlapping: partly
                .iter()
                .filter(|r| r.paths().iter().any(|q| q.overlaps(pattern)))
                .map(|r| r.named())
                .collect(),
        }),
    }
}

/// The fewest of `earlier` (a hiding set) that still take every path of
/// `pattern`, in priority order: the rules a message must name.
pub fn hiders(pattern: &PathPattern, when: &Conditions, earlier: &[&Rule]) -> Vec<RuleRef> {
    let mut keep: Vec<&Rule> = earlier
        .iter()
        .copied()
        .filter(|r| r.when.relation(when) == Relation::Takes)
        .filter(|r| r.paths().iter().any(|q| q.overlaps(pattern)))
        .collect();
    keep.sort_by_key(|r| r.priority);
    for i in (0..keep.len()).rev() {
        let without: Vec<&Rule> = keep
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, r)| *r)
            .collect();
        if !without.is_empty() && hidden(pattern, when, &without) == Ok(true) {
            keep = without;
        }
    }
    keep.iter().map(|r| r.named()).collect()
}

/// Every pattern of `rules` that no request reaches, by ascending priority.
pub fn dead_patterns(rules: &[Rule]) -> Result<Vec<Dead>, Undecided> {
    let mut order: Vec<&Rule> = rules.iter().collect();
    order.sort_by_key(|r| r.priority);
    let mut dead = Vec::new();
    for (i, rule) in order.iter().enumerate() {
        for p in &rule.paths() {
            if hidden(p, &rule.when, &order[..i])? {
                dead.push(Dead {
                    pattern: p.clone(),
                    rule: rule.named(),
                    by: hiders(p, &rule.when, &order[..i]),
                });
            }
        }
    }
    Ok(dead)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alb::testing::{pat, rule};

    #[test]
    fn evaluate_by_priority() {
        let rules = vec![
            rule(20, &["/*"], "monolith"),
            rule(1, &["/mysfits/*/like"], "like-service"),
            rule(5, &["/mysfits/*", "/misfits/*"], "mysfits"),
        ];
        let target = |path| evaluate(&rules, path).map(|r| r.target.as_str());
        assert_eq!(target("/mysfits/1/like"), Some("like-service"));
        assert_eq!(target("/mysfits/1"), Some("mysfits"));
        assert_eq!(target("/misfits/1"), Some("mysfits"));
        assert_eq!(target("/index.html"), Some("monolith"));
        assert_eq!(evaluate(&rules[1..], "/index.html"), None);
        assert_eq!(evaluate(&[], "/"), None);
    }

    #[test]
    fn dead_patterns_in_either_direction() {
        // A general rule ahead of a specific one hides it.
        let dead = dead_patterns(&[rule(2, &["/*"], "b"), rule(5, &["/z/*"], "z")]).unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].pattern, pat("/z/*"));
        assert_eq!(dead[0].by[0].target, "b");
        assert_eq!(
            dead[0].to_string(),
            "pattern /z/* (z, priority 5) would never be reached: \
             the rule for b (priority 2: /*) takes every path it matches"
        );
        // One pattern of a rule, not the rule as a whole.
        let dead =
            dead_patterns(&[rule(1, &["/p/*"], "p"), rule(5, &["/p/x", "/r"], "r")]).unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].pattern, pat("/p/x"));
        // A union of earlier patterns, named together.
        let dead = dead_patterns(&[
            rule(1, &["/"], "root"),
            rule(2, &["/?*"], "rest"),
            rule(3, &["/x"], "x"),
            rule(4, &["/*"], "all"),
        ])
        .unwrap();
        let last = dead.last().unwrap();
        assert_eq!(last.pattern, pat("/*"));
        assert_eq!(
            last.by.iter().map(|r| r.priority).collect::<Vec<_>>(),
            [1, 2],
            "the fewest rules that hide it: {last}"
        );
        assert!(
            last.to_string().contains(
                "the rules for root (priority 1: /) and rest (priority 2: /?*) together take"
            ),
            "{last}"
        );
        assert!(
            dead_patterns(&[rule(1, &["/a"], "a"), rule(2, &["/*"], "b")])
                .unwrap()
                .is_empty()
        );
    }
}
