//! What one listener rule may hold, checked before any call: ALB's quotas
//! ("Quotas for your Application Load Balancers", Rules: condition values per rule
//! 5, condition wildcards per rule 5, not adjustable) and the traps a valid pattern
//! can hide.

use std::fmt;

use super::pattern::{PathPattern, PatternError, Trap};

/// "Rules per Application Load Balancer (excluding default rules): 100", not adjustable
/// (the same quotas page). Counted on the listener `split` adds to: the lab's load
/// balancer has only that one.
pub const MAX_RULES_PER_LISTENER: usize = 100;
/// "Condition values per rule": a rule's path patterns count one each.
pub const MAX_VALUES: usize = 5;
/// "Condition wildcards per rule": every `*` and `?` over all of a rule's patterns.
pub const MAX_WILDCARDS: usize = 5;

/// Why the patterns given for one rule cannot make a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    Pattern {
        input: String,
        error: PatternError,
    },
    TooManyValues {
        count: usize,
    },
    TooManyWildcards {
        count: usize,
        patterns: Vec<PathPattern>,
    },
    /// Paths and hosts together over the quota.
    TooManyConditionValues {
        count: usize,
        hosts: usize,
    },
    /// Valid, but a trap (see [`Trap`]); accepted only when forced.
    Trap {
        pattern: PathPattern,
        trap: Trap,
    },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::Pattern { input, error } => f.write_str(&error.explain(input)),
            RuleError::TooManyValues { count } => write!(
                f,
                "{count} path patterns for one rule, but ALB allows at most {MAX_VALUES} \
                 condition values per rule: use wildcards to cover more with fewer"
            ),
            RuleError::TooManyWildcards { count, patterns } => write!(
                f,
                "{} {count} wildcards ('*' and '?'), but ALB allows at most {MAX_WILDCARDS} \
                 per rule, over all its patterns: replace a run of '?' with one '*', or spell \
                 out literal characters",
                match patterns.as_slice() {
                    [one] => format!("path pattern {one} has"),
                    _ => format!(
                        "path patterns {} have between them",
                        super::rules::list(patterns)
                    ),
                }
            ),
            RuleError::Trap { pattern, trap } => {
                write!(f, "path pattern '{pattern}' is refused: {trap}")
            }
            RuleError::TooManyConditionValues { count, hosts } => write!(
                f,
                "{count} condition values for one rule ({} path patterns and {hosts} hosts), but \
                 ALB allows at most {MAX_VALUES} condition values per rule, and {MAX_WILDCARDS} \
                 wildcards",
                count - hosts
            ),
        }
    }
}

impl std::error::Error for RuleError {}

impl RuleError {
    pub fn hints(&self) -> Vec<String> {
        match self {
            RuleError::Trap { pattern, trap } => vec![
                format!("use '{}' instead", trap.instead()),
                format!("or, if '{pattern}' is what you mean, pass --force"),
            ],
            RuleError::TooManyConditionValues { .. } => {
                vec!["use fewer hosts or patterns, e.g. one '*.example.com' instead of several hosts".into()]
            }
            RuleError::TooManyValues { .. } => {
                vec!["e.g. one '/api/*' instead of '/api/a', '/api/b', …".into()]
            }
            RuleError::TooManyWildcards { .. } => {
                vec!["e.g. '/mysfits/*' instead of '/mysfits/??????'".into()]
            }
            RuleError::Pattern { .. } => vec!["e.g. --path '/mysfits/*/like'".into()],
        }
    }
}

/// Parses the patterns of one rule; nothing about their order yet.
#[cfg(test)]
pub fn parse_rule(inputs: &[String]) -> Result<Vec<PathPattern>, RuleError> {
    let patterns = inputs
        .iter()
        .map(|s| {
            PathPattern::parse(s).map_err(|error| RuleError::Pattern {
                input: s.clone(),
                error,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    check_rule(&patterns)?;
    Ok(patterns)
}

/// ALB's per-rule quotas.
pub fn check_rule(patterns: &[PathPattern]) -> Result<(), RuleError> {
    if patterns.len() > MAX_VALUES {
        return Err(RuleError::TooManyValues {
            count: patterns.len(),
        });
    }
    let count: usize = patterns.iter().map(PathPattern::wildcards).sum();
    if count > MAX_WILDCARDS {
        return Err(RuleError::TooManyWildcards {
            count,
            patterns: patterns.to_vec(),
        });
    }
    Ok(())
}

/// ALB's per-rule quotas over the paths and the other conditions together.
pub fn check_conditions(
    patterns: &[PathPattern],
    when: &super::Conditions,
) -> Result<(), RuleError> {
    if when.is_empty() {
        return check_rule(patterns);
    }
    let count = patterns.len() + when.values();
    let wildcards: usize =
        patterns.iter().map(PathPattern::wildcards).sum::<usize>() + when.wildcards();
    if count > MAX_VALUES || wildcards > MAX_WILDCARDS {
        return Err(RuleError::TooManyConditionValues {
            count,
            hosts: when.hosts.len(),
        });
    }
    Ok(())
}

/// The traps among `patterns`, as errors: refused unless forced.
pub fn traps(patterns: &[PathPattern]) -> Vec<RuleError> {
    patterns
        .iter()
        .flat_map(|p| {
            p.traps().into_iter().map(|trap| RuleError::Trap {
                pattern: p.clone(),
                trap,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn quotas() {
        assert!(parse_rule(&strings(&["/?????"])).is_ok());
        let err = parse_rule(&strings(&["/??????"])).unwrap_err();
        assert_eq!(
            err,
            RuleError::TooManyWildcards {
                count: 6,
                patterns: vec![PathPattern::parse("/??????").unwrap()]
            }
        );
        assert!(
            err.to_string()
                .starts_with("path pattern /?????? has 6 wildcards"),
            "{err}"
        );
        assert!(err.to_string().contains("at most 5 per rule"), "{err}");
        // Summed over the rule's patterns.
        assert!(parse_rule(&strings(&["/a/*/*", "/b/???"])).is_ok());
        assert!(matches!(
            parse_rule(&strings(&["/a/*/*", "/b/????"])),
            Err(RuleError::TooManyWildcards { count: 6, .. })
        ));
        let six: Vec<String> = (0..6).map(|i| format!("/{i}")).collect();
        assert_eq!(parse_rule(&six), Err(RuleError::TooManyValues { count: 6 }));
        assert!(parse_rule(&six[..5]).is_ok());
        let long = format!("/{}", "a".repeat(128));
        assert!(matches!(
            parse_rule(&[long]),
            Err(RuleError::Pattern {
                error: PatternError::TooLong { len: 129 },
                ..
            })
        ));
    }

    #[test]
    fn hosts_count_toward_the_values_quota() {
        let when = crate::alb::Conditions {
            hosts: vec![
                crate::alb::Glob::new("a.example.com"),
                crate::alb::Glob::new("*.b.com"),
            ],
            ..Default::default()
        };
        let four = parse_rule(&strings(&["/a", "/b", "/c"])).unwrap();
        assert!(check_conditions(&four, &when).is_ok());
        let five = parse_rule(&strings(&["/a", "/b", "/c", "/d"])).unwrap();
        let err = check_conditions(&five, &when).unwrap_err();
        assert_eq!(
            err,
            RuleError::TooManyConditionValues { count: 6, hosts: 2 }
        );
        assert!(
            err.to_string()
                .starts_with("6 condition values for one rule (4 path patterns and 2 hosts)"),
            "{err}"
        );
        assert!(check_conditions(&five, &Default::default()).is_ok());
    }

    #[test]
    fn traps_are_errors() {
        let like = parse_rule(&strings(&["/mysfits/*/like/"])).unwrap();
        let errs = traps(&like);
        assert_eq!(errs.len(), 1);
        let msg = errs[0].to_string();
        assert!(
            msg.starts_with("path pattern '/mysfits/*/like/' is refused: it ends with '/'"),
            "{msg}"
        );
        assert!(errs[0].hints()[0].contains("'/mysfits/*/like'"));
        assert!(errs[0].hints()[1].contains("--force"));
        assert_eq!(traps(&parse_rule(&strings(&["/a//b"])).unwrap()).len(), 1);
        assert!(traps(&parse_rule(&strings(&["/mysfits/*/like"])).unwrap()).is_empty());
    }
}
