//! A case-insensitive wildcard value of a non-path condition (host names, header and
//! query-string values): `*` any run, `?` one character, compared with the whole value.
//!
//! Inclusion and overlap reuse the path search (`coverage.rs`): a value `v` is run as
//! the path `/v`, lower-cased, which keeps every answer exact.

use std::fmt;

use serde::Serialize;

use super::coverage::{uncovered, Coverage};
use super::pattern::{glob_match, PathPattern};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Glob(String);

impl Glob {
    pub fn new(s: &str) -> Glob {
        Glob(s.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn folded(&self) -> PathPattern {
        PathPattern::raw(format!("/{}", self.0.to_lowercase()))
    }

    pub fn matches(&self, value: &str) -> bool {
        let p: Vec<char> = self.0.to_lowercase().chars().collect();
        let t: Vec<char> = value.to_lowercase().chars().collect();
        glob_match(&p, &t)
    }

    pub fn overlaps(&self, other: &Glob) -> bool {
        self.folded().overlaps(&other.folded())
    }

    /// Whether `by` together match every value `self` matches; `None` when the
    /// search gave up (contrived values only).
    pub fn covered_by(&self, by: &[&Glob]) -> Option<bool> {
        let by: Vec<PathPattern> = by.iter().map(|g| g.folded()).collect();
        let refs: Vec<&PathPattern> = by.iter().collect();
        match uncovered(&self.folded(), &refs) {
            Coverage::Covered => Some(true),
            Coverage::Witness(_) => Some(false),
            Coverage::Unknown => None,
        }
    }

    /// A value it matches, as a person would type it (`*`, `?` as `x`).
    pub fn example(&self) -> String {
        self.0.replace(['*', '?'], "x")
    }

    pub fn wildcards(&self) -> usize {
        self.0.chars().filter(|&c| c == '*' || c == '?').count()
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Every value of `small` is matched by one of `big` (each value on its own: enough
/// for "takes every request", never claimed when it does not hold).
pub fn all_covered(small: &[Glob], big: &[Glob]) -> bool {
    let by: Vec<&Glob> = big.iter().collect();
    small.iter().all(|s| s.covered_by(&by) == Some(true))
}

/// No value of `a` shares a string with one of `b`.
pub fn none_overlap(a: &[Glob], b: &[Glob]) -> bool {
    !a.iter().any(|x| b.iter().any(|y| x.overlaps(y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_wildcards() {
        let g = Glob::new("*.Example.com");
        assert!(g.matches("a.example.COM"));
        assert!(!g.matches("example.com"));
        assert!(Glob::new("a?.x").matches("ab.x"));
        assert!(Glob::new("*.example.com").covered_by(&[&Glob::new("*.COM")]) == Some(true));
        assert!(Glob::new("*.com").covered_by(&[&Glob::new("*.example.com")]) == Some(false));
        assert!(Glob::new("a.x").overlaps(&Glob::new("?.X")));
        assert!(!Glob::new("a.x").overlaps(&Glob::new("b.x")));
        // Values may hold any character, '/' and '?' included.
        assert!(Glob::new("a/b?c").matches("a/b?c"));
        assert!(all_covered(&[Glob::new("v1/*")], &[Glob::new("v*")]));
        assert!(none_overlap(&[Glob::new("blue")], &[Glob::new("green")]));
    }
}
