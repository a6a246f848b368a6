//! AWS Application Load Balancer listener rules: path patterns and the other conditions.
//!
//! - `pattern`: one pattern, validated and matched the way ALB does.
//! - `glob`, `conditions`: host, header, method, query-string and source-ip conditions,
//!   the request they look at, and how one rule's relate to another's.
//! - `example`: the request path a person would type for a pattern, for hints.
//! - `coverage`: whether patterns together take every path another one matches.
//! - `rules`: rules by priority, and which of their patterns no request reaches.
//! - `limits`: what one rule may hold (ALB quotas) and the patterns that are traps.
//! - `placement`: where a new rule goes so nothing goes dark, renumbering the lab's
//!   own rules when the right place has no free number.

mod cidr;
mod conditions;
mod coverage;
mod example;
mod glob;
mod limits;
mod pattern;
mod placement;
mod rules;

#[cfg(test)]
mod brute_force;
#[cfg(test)]
mod brute_force_conditions;
#[cfg(test)]
pub(crate) mod testing;

pub use cidr::Cidr;
pub use conditions::{
    parse_header, parse_host, parse_method, ConditionError, Conditions, Header, HttpRequest,
    QueryPair,
};
pub use glob::Glob;
pub use limits::{
    check_conditions, check_rule, traps, RuleError, MAX_RULES_PER_LISTENER, MAX_VALUES,
};
pub use pattern::PathPattern;
pub use placement::{place, NewRule, Placement, PlacementError, Request};
pub use rules::{conditions_text, dead_patterns, evaluate, evaluate_request, Rule};
