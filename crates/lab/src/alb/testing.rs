//! Test helpers: patterns and rules from strings, and a brute-force oracle that
//! enumerates every request path over a small alphabet up to a length bound.

use std::cell::RefCell;
use std::collections::HashMap;

use super::{PathPattern, Rule};

pub fn pat(s: &str) -> PathPattern {
    PathPattern::parse(s).unwrap_or_else(|e| panic!("{}", e.explain(s)))
}

/// The unions: earlier patterns that together, and only together, take every
/// path of the last one.
pub const UNIONS: [(&[&str], &str); 3] = [
    (&["/", "/?*"], "/*"),
    (&["/img", "/img?*"], "/img*"),
    (&["/v?", "/v??*"], "/v?*"),
];

/// A rule the lab made.
pub fn rule(priority: u32, patterns: &[&str], target: &str) -> Rule {
    Rule {
        priority,
        patterns: patterns.iter().map(|s| pat(s)).collect(),
        when: Default::default(),
        target: target.to_string(),
        owned: true,
    }
}

/// A rule someone else made on the same listener.
pub fn foreign(priority: u32, patterns: &[&str], target: &str) -> Rule {
    Rule {
        owned: false,
        ..rule(priority, patterns, target)
    }
}

/// All strings over `alphabet` of length 0..=max_len.
pub fn strings(alphabet: &[char], max_len: usize) -> Vec<String> {
    let mut all = vec![String::new()];
    let mut layer = vec![String::new()];
    for _ in 0..max_len {
        layer = layer
            .iter()
            .flat_map(|s| alphabet.iter().map(move |&c| format!("{s}{c}")))
            .collect();
        all.extend(layer.iter().cloned());
    }
    all
}

/// A set of paths, as bits over [`Paths::all`].
#[derive(Clone, PartialEq, Eq)]
pub struct Set(Vec<u64>);

impl Set {
    pub fn or(&self, other: &Set) -> Set {
        Set(self.0.iter().zip(&other.0).map(|(a, b)| a | b).collect())
    }

    pub fn and_not(&self, other: &Set) -> Set {
        Set(self.0.iter().zip(&other.0).map(|(a, b)| a & !b).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&w| w == 0)
    }
}

/// Every request path: `/` then up to `max_len - 1` characters of `alphabet`
/// (which should hold `/` and a character no pattern uses).
pub struct Paths {
    alphabet: Vec<char>,
    max_len: usize,
    all: Vec<String>,
    cache: RefCell<HashMap<String, Set>>,
}

impl Paths {
    pub fn new(alphabet: &[char], max_len: usize) -> Paths {
        let mut paths = Paths {
            alphabet: alphabet.to_vec(),
            max_len,
            all: Vec::new(),
            cache: RefCell::new(HashMap::new()),
        };
        let mut all = Vec::new();
        paths.walk(&mut String::new(), &mut |s| all.push(s.to_string()));
        paths.all = all;
        paths
    }

    pub fn count(&self) -> usize {
        self.all.len()
    }

    /// Paths in a fixed depth-first order, the order of a [`Set`]'s bits.
    fn walk(&self, prefix: &mut String, visit: &mut dyn FnMut(&str)) {
        let first = prefix.is_empty();
        for &ch in &self.alphabet {
            if first && ch != '/' {
                continue;
            }
            prefix.push(ch);
            visit(prefix);
            if prefix.chars().count() < self.max_len {
                self.walk(prefix, visit);
            }
            prefix.pop();
        }
    }

    pub fn none(&self) -> Set {
        Set(vec![0; self.all.len().div_ceil(64)])
    }

    /// The paths `p` matches, by running the matcher on each.
    pub fn of(&self, p: &PathPattern) -> Set {
        if let Some(s) = self.cache.borrow().get(p.as_str()) {
            return s.clone();
        }
        let mut set = self.none();
        for (i, path) in self.all.iter().enumerate() {
            if p.matches(path) {
                set.0[i / 64] |= 1 << (i % 64);
            }
        }
        self.cache
            .borrow_mut()
            .insert(p.as_str().to_string(), set.clone());
        set
    }

    pub fn first(&self, set: &Set) -> Option<&str> {
        (0..self.all.len())
            .find(|&i| (set.0[i / 64] >> (i % 64)) & 1 == 1)
            .map(|i| self.all[i].as_str())
    }

    /// (target, pattern) of every pattern that wins no path when the rules are
    /// evaluated by ascending priority.
    pub fn dead(&self, rules: &[Rule]) -> Vec<(String, String)> {
        let mut order: Vec<&Rule> = rules.iter().collect();
        order.sort_by_key(|r| r.priority);
        let mut taken = self.none();
        let mut dead = Vec::new();
        for r in order {
            let mut mine = self.none();
            for p in &r.patterns {
                let set = self.of(p);
                if set.and_not(&taken).is_empty() {
                    dead.push((r.target.clone(), p.as_str().to_string()));
                }
                mine = mine.or(&set);
            }
            taken = taken.or(&mine);
        }
        dead
    }
}
