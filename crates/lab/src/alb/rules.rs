//! Listener rules as ALB evaluates them (ascending priority, first match wins), and
//! which of their patterns no request can ever reach.

use std::fmt;

use super::coverage::{uncovered, Coverage, MAX_SEARCH_NODES};
use super::pattern::PathPattern;

/// A listener rule: forwards to `target` when any of its patterns matches
/// (ALB ORs the values of one path-pattern condition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub priority: u32,
    pub patterns: Vec<PathPattern>,
    pub target: String,
    /// Made by this lab (its target group carries the lab's tag): the only rules
    /// mysfits may renumber.
    pub owned: bool,
}

impl Rule {
    pub fn matches(&self, path: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(path))
    }

    pub fn named(&self) -> RuleRef {
        RuleRef {
            priority: self.priority,
            patterns: self.patterns.clone(),
            target: self.target.clone(),
        }
    }
}

/// The rule ALB would apply to `path`: lowest priority number first, first
/// match wins. None means the listener's default action.
pub fn evaluate<'a>(rules: &'a [Rule], path: &str) -> Option<&'a Rule> {
    rules
        .iter()
        .filter(|r| r.matches(path))
        .min_by_key(|r| r.priority)
}

/// A rule as messages name it: its service, priority and patterns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub priority: u32,
    pub patterns: Vec<PathPattern>,
    pub target: String,
}

impl fmt::Display for RuleRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the rule for {} (priority {}: {})",
            self.target,
            self.priority,
            list(&self.patterns)
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
                        list(&r.patterns)
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

/// Deciding reachability needed more than [`MAX_SEARCH_NODES`] states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    pub pattern: PathPattern,
    pub rules: usize,
}

impl fmt::Display for Undecided {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot tell whether pattern {} is reachable behind {} earlier rule(s): \
             deciding it takes more than {MAX_SEARCH_NODES} search states",
            self.pattern, self.rules
        )
    }
}

impl std::error::Error for Undecided {}

/// Whether the patterns of `earlier` together take every path `pattern` matches.
pub fn hidden(pattern: &PathPattern, earlier: &[&Rule]) -> Result<bool, Undecided> {
    let by: Vec<&PathPattern> = earlier.iter().flat_map(|r| &r.patterns).collect();
    match uncovered(pattern, &by) {
        Coverage::Covered => Ok(true),
        Coverage::Witness(_) => Ok(false),
        Coverage::Unknown => Err(Undecided {
            pattern: pattern.clone(),
            rules: earlier.len(),
        }),
    }
}

/// The fewest of `earlier` (a hiding set) that still take every path of
/// `pattern`, in priority order: the rules a message must name.
pub fn hiders(pattern: &PathPattern, earlier: &[&Rule]) -> Vec<RuleRef> {
    let mut keep: Vec<&Rule> = earlier
        .iter()
        .copied()
        .filter(|r| r.patterns.iter().any(|q| q.overlaps(pattern)))
        .collect();
    keep.sort_by_key(|r| r.priority);
    for i in (0..keep.len()).rev() {
        let without: Vec<&Rule> = keep
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != i)
            .map(|(_, r)| *r)
            .collect();
        if !without.is_empty() && hidden(pattern, &without) == Ok(true) {
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
        for p in &rule.patterns {
            if hidden(p, &order[..i])? {
                dead.push(Dead {
                    pattern: p.clone(),
                    rule: rule.named(),
                    by: hiders(p, &order[..i]),
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
