//! AWS Application Load Balancer listener rules with path-pattern conditions:
//! validating patterns, matching request paths the way ALB does, telling when
//! one pattern shadows another, and choosing rule priorities.

use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// Longest path pattern ALB accepts, in characters.
pub const MAX_PATTERN_LEN: usize = 128;

/// ALB rule priorities run from 1 to this; the default action has none.
pub const MAX_PRIORITY: u32 = 50_000;

/// Punctuation ALB documents for path patterns, besides letters, digits and
/// the wildcards. `&` is listed as `&amp;`, which is just how XML spells `&`.
const ALLOWED_PUNCTUATION: &str = "_-.$/~\"'@:+&";

/// Bounds the inclusion search in [`PathPattern::covers`]. It can blow up
/// exponentially on contrived patterns (e.g. `/*a` and forty `?`), while real
/// listener patterns need far fewer states; past this we answer "not covered".
const MAX_SEARCH_STATES: usize = 20_000;

fn is_allowed(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ALLOWED_PUNCTUATION.contains(ch) || ch == '*' || ch == '?'
}

/// A validated ALB path pattern: starts with `/`, 1..=128 allowed characters,
/// `*` matches any run of characters (including `/`), `?` exactly one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathPattern(String);

impl PathPattern {
    pub fn parse(s: &str) -> Result<PathPattern, PatternError> {
        if s.is_empty() {
            return Err(PatternError::Empty);
        }
        let len = s.chars().count();
        if len > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong { len });
        }
        if let Some((pos, ch)) = s.chars().enumerate().find(|&(_, ch)| !is_allowed(ch)) {
            return Err(PatternError::IllegalChar { ch, pos });
        }
        if !s.starts_with('/') {
            return Err(PatternError::MissingLeadingSlash);
        }
        Ok(PathPattern(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Valid patterns that probably do not mean what their author intended.
    pub fn warnings(&self) -> Vec<String> {
        let p = &self.0;
        let mut warnings = Vec::new();
        if p.len() > 1 && p.ends_with('/') {
            let with = sample_path(p);
            let without = &with[..with.len() - 1];
            if self.matches(&with) && !self.matches(without) {
                warnings.push(format!(
                    "path pattern '{p}' ends with '/', so it matches '{with}' but not '{without}': \
                     drop the trailing slash, or also add '{}' to the rule",
                    &p[..p.len() - 1]
                ));
            }
        }
        if p.contains("//") {
            warnings.push(format!(
                "path pattern '{p}' contains '//', and ALB does not collapse repeated slashes: \
                 it only matches paths with '//' in them, so use a single '/' unless that is intended"
            ));
        }
        warnings
    }

    /// Whether ALB would route `path` here. ALB compares the raw path: no
    /// percent-decoding, no slash collapsing, and the query string is not part
    /// of it (in a path `?` starts the query; in a pattern it is a wildcard).
    pub fn matches(&self, path: &str) -> bool {
        let path = path.split_once('?').map_or(path, |(before, _)| before);
        let pattern: Vec<char> = self.0.chars().collect();
        let text: Vec<char> = path.chars().collect();
        glob_match(&pattern, &text)
    }

    /// Whether every path `other` matches is also matched by `self`, i.e. a
    /// rule with `self` placed earlier would leave `other` nothing.
    pub fn covers(&self, other: &PathPattern) -> bool {
        matches!(inclusion(self, other), Inclusion::Covered)
    }

    /// A path that `other` matches but `self` does not, if there is one; the
    /// shortest such, so it reads well in messages. None when `self` covers
    /// `other`, or (contrived patterns only) the search gave up.
    // Not wired into `split` yet (a note naming a path a partial overlap still sends
    // elsewhere); its search is what `covers` runs, and the tests use it directly.
    #[allow(dead_code)]
    pub fn uncovered_example(&self, other: &PathPattern) -> Option<String> {
        match inclusion(self, other) {
            Inclusion::Witness(path) => Some(path),
            Inclusion::Covered | Inclusion::Unknown => None,
        }
    }
}

impl fmt::Display for PathPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for PathPattern {
    type Err = PatternError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PathPattern::parse(s)
    }
}

/// A plausible request path for a pattern, for examples in messages.
fn sample_path(pattern: &str) -> String {
    pattern.replace(['*', '?'], "1")
}

/// Why a string is not a valid ALB path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    Empty,
    TooLong {
        len: usize,
    },
    MissingLeadingSlash,
    /// `pos` is the 0-based character index.
    IllegalChar {
        ch: char,
        pos: usize,
    },
}

impl PatternError {
    /// The `Display` message, naming the pattern and, where a mechanical fix
    /// exists, suggesting it.
    pub fn explain(&self, pattern: &str) -> String {
        self.message(
            &format!("path pattern '{pattern}'"),
            self.suggest_fix(pattern),
        )
    }

    fn message(&self, subject: &str, fix: Option<String>) -> String {
        let example = |default: &str| match &fix {
            Some(fix) => format!(" (e.g. {fix})"),
            None => default.to_string(),
        };
        match self {
            PatternError::Empty => {
                format!("{subject} is empty: give one starting with '/' (e.g. /mysfits/*)")
            }
            PatternError::TooLong { len } => format!(
                "{subject} is {len} characters long but ALB allows at most {MAX_PATTERN_LEN}: \
                 shorten it, e.g. by replacing a long segment with '*'"
            ),
            PatternError::MissingLeadingSlash => format!(
                "{subject} does not start with '/', which ALB requires: begin it with '/'{}",
                example(" (e.g. /mysfits/*)")
            ),
            PatternError::IllegalChar { ch, pos } => format!(
                "{subject} has {ch:?} at position {pos}, which ALB does not allow: \
                 use '*' or '?' as wildcards{}",
                example("")
            ),
        }
    }

    /// Replaces `{param}` placeholders and runs of illegal characters with `*`
    /// (not `?`: the raw path may hold a percent-encoded form, e.g. `%20`).
    fn suggest_fix(&self, pattern: &str) -> Option<String> {
        let fixed = match self {
            PatternError::MissingLeadingSlash => format!("/{pattern}"),
            PatternError::IllegalChar { .. } => {
                let mut out = String::new();
                let mut chars = pattern.chars().peekable();
                while let Some(ch) = chars.next() {
                    if is_allowed(ch) {
                        out.push(ch);
                        continue;
                    }
                    if ch == '{' {
                        while chars.next_if(|&c| c != '}').is_some() {}
                        chars.next_if_eq(&'}');
                    }
                    if !out.ends_with('*') {
                        out.push('*');
                    }
                }
                if out.starts_with('/') {
                    out
                } else {
                    format!("/{out}")
                }
            }
            PatternError::Empty | PatternError::TooLong { .. } => return None,
        };
        PathPattern::parse(&fixed).ok().map(|p| p.0)
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message("path pattern", None))
    }
}

impl std::error::Error for PatternError {}

/// Glob matching with the two-pointer method: on a mismatch, retry from the
/// last `*` consuming one more character. Only the last `*` matters, so this
/// is O(len(pattern) * len(text)) with no exponential backtracking.
fn glob_match(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    // Position of the last `*` seen and the text position it resumes from.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    star = Some((star_p, star_t + 1));
                    p = star_p + 1;
                    t = star_t + 1;
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

enum Inclusion {
    Covered,
    Witness(String),
    /// The search hit MAX_SEARCH_STATES.
    Unknown,
}

/// A set of positions in a glob (at most 129 for 128 characters): the NFA
/// states "next to match is pattern[i]", with pattern.len() accepting.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
struct States([u64; 3]);

impl States {
    fn insert(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn contains(&self, i: usize) -> bool {
        (self.0[i / 64] >> (i % 64)) & 1 == 1
    }

    fn is_empty(&self) -> bool {
        self.0 == [0; 3]
    }
}

/// The NFA of a glob pattern, run as a subset (deterministic) automaton.
struct Glob(Vec<char>);

impl Glob {
    fn accepting(&self) -> usize {
        self.0.len()
    }

    /// Adds states reachable by reading nothing: a `*` may match nothing.
    /// States only move forward, so one pass in order suffices.
    fn close(&self, mut states: States) -> States {
        for (i, &sym) in self.0.iter().enumerate() {
            if sym == '*' && states.contains(i) {
                states.insert(i + 1);
            }
        }
        states
    }

    fn step(&self, states: States, ch: char) -> States {
        let mut next = States::default();
        for (i, &sym) in self.0.iter().enumerate() {
            if !states.contains(i) {
                continue;
            }
            match sym {
                '*' => next.insert(i),
                '?' => next.insert(i + 1),
                lit if lit == ch => next.insert(i + 1),
                _ => {}
            }
        }
        self.close(next)
    }
}

/// Decides whether `big` matches every path `small` matches, by a
/// breadth-first search of the product of `small`'s NFA with `big`'s subset
/// automaton, looking for a path that `small` accepts and `big` rejects.
///
/// Only finitely many characters need trying: those written literally in
/// either pattern, plus one "fresh" character standing for all the others,
/// which both patterns can only match with wildcards.
///
/// A symbolic check (treat `?` as "any char", `*` as "any string") would be
/// polynomial but incomplete: it misses that `/*?` covers `/?*`.
fn inclusion(big: &PathPattern, small: &PathPattern) -> Inclusion {
    if big == small {
        return Inclusion::Covered;
    }
    let big = Glob(big.0.chars().collect());
    let small: Vec<char> = small.0.chars().collect();
    let mut alphabet: Vec<char> = Vec::new();
    for &ch in big.0.iter().chain(&small) {
        if ch != '*' && ch != '?' && !alphabet.contains(&ch) {
            alphabet.push(ch);
        }
    }
    // Prefer a readable fresh character; '%' can never be in a pattern.
    let fresh = "xyzqjkw0123456789%"
        .chars()
        .find(|c| !alphabet.contains(c))
        .unwrap_or('%');
    alphabet.insert(0, fresh);

    // Search nodes: (position in `small`, states of `big`), with the node they
    // were reached from and the character read (None for `*` matching nothing).
    struct Node {
        pos: usize,
        states: States,
        parent: usize,
        read: Option<char>,
    }
    let path_to = |nodes: &[Node], mut at: usize| {
        let mut chars = Vec::new();
        while at != usize::MAX {
            chars.extend(nodes[at].read);
            at = nodes[at].parent;
        }
        chars.iter().rev().collect::<String>()
    };

    let start = big.close({
        let mut s = States::default();
        s.insert(0);
        s
    });
    let mut nodes = vec![Node {
        pos: 0,
        states: start,
        parent: usize::MAX,
        read: None,
    }];
    let mut seen = HashSet::from([(0, start)]);
    // `nodes` doubles as the BFS queue.
    let mut next = 0;
    while next < nodes.len() {
        let (pos, states) = (nodes[next].pos, nodes[next].states);
        if states.is_empty() {
            // `big` can no longer match: finish `small` the shortest way.
            let rest: String = small[pos..]
                .iter()
                .filter(|&&c| c != '*')
                .map(|&c| if c == '?' { fresh } else { c })
                .collect();
            return Inclusion::Witness(path_to(&nodes, next) + &rest);
        }
        if pos == small.len() {
            if !states.contains(big.accepting()) {
                return Inclusion::Witness(path_to(&nodes, next));
            }
            next += 1;
            continue;
        }
        if nodes.len() > MAX_SEARCH_STATES {
            return Inclusion::Unknown;
        }
        let mut moves = Vec::new();
        match small[pos] {
            '*' => {
                moves.push((pos + 1, states, None));
                for &ch in &alphabet {
                    moves.push((pos, big.step(states, ch), Some(ch)));
                }
            }
            '?' => {
                for &ch in &alphabet {
                    moves.push((pos + 1, big.step(states, ch), Some(ch)));
                }
            }
            lit => moves.push((pos + 1, big.step(states, lit), Some(lit))),
        }
        for (pos, states, read) in moves {
            if seen.insert((pos, states)) {
                nodes.push(Node {
                    pos,
                    states,
                    parent: next,
                    read,
                });
            }
        }
        next += 1;
    }
    Inclusion::Covered
}

/// A listener rule: forwards to `target` when any of its patterns matches
/// (ALB ORs the values of one path-pattern condition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub priority: u32,
    pub patterns: Vec<PathPattern>,
    pub target: String,
}

impl Rule {
    pub fn matches(&self, path: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(path))
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

/// An existing rule, as named in a [`PriorityError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleRef {
    pub priority: u32,
    pub target: String,
}

impl From<&Rule> for RuleRef {
    fn from(rule: &Rule) -> Self {
        RuleRef {
            priority: rule.priority,
            target: rule.target.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PriorityError {
    OutOfRange {
        priority: u32,
    },
    PriorityInUse {
        priority: u32,
        target: String,
    },
    /// No free priority fits: the new rule must come after `after` (whose
    /// pattern it covers) and before `before` (whose pattern covers it).
    NoRoom {
        after: Option<RuleRef>,
        before: Option<RuleRef>,
    },
}

impl fmt::Display for PriorityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PriorityError::OutOfRange { priority } => write!(
                f,
                "priority {priority} is out of range: ALB rule priorities go from 1 to {MAX_PRIORITY}, \
                 so pick one in that range with --priority, or leave it out to choose one"
            ),
            PriorityError::PriorityInUse { priority, target } => write!(
                f,
                "priority {priority} is already used by the rule for {target}: \
                 pick another with --priority, or leave it out to choose one"
            ),
            PriorityError::NoRoom { after, before } => match (after, before) {
                (Some(a), Some(b)) if a.priority == b.priority => write!(
                    f,
                    "the rule for {} (priority {}) has a pattern equivalent to the new one: \
                     change or delete one of them",
                    a.target, a.priority
                ),
                (Some(a), Some(b)) if a.priority > b.priority => write!(
                    f,
                    "the new rule must come after the rule for {} (priority {}, whose pattern it covers) \
                     and before the rule for {} (priority {}, whose pattern covers it), which are in the \
                     opposite order: renumber those rules, or pass --priority",
                    a.target, a.priority, b.target, b.priority
                ),
                (Some(a), Some(b)) => write!(
                    f,
                    "no free priority between {} (rule for {}, whose pattern the new one covers) \
                     and {} (rule for {}, whose pattern covers the new one): \
                     renumber one of those rules, or pass --priority",
                    a.priority, a.target, b.priority, b.target
                ),
                (None, Some(b)) => write!(
                    f,
                    "no free priority below {} (rule for {}, whose pattern covers the new one): \
                     renumber that rule, or pass --priority",
                    b.priority, b.target
                ),
                (Some(a), None) => write!(
                    f,
                    "no free priority above {} (rule for {}, whose pattern the new one covers): \
                     renumber that rule, or pass --priority",
                    a.priority, a.target
                ),
                (None, None) => write!(
                    f,
                    "all {MAX_PRIORITY} priorities on this listener are in use: delete a rule first"
                ),
            },
        }
    }
}

impl std::error::Error for PriorityError {}

/// Whether some pattern in `general` covers some pattern in `specific`.
fn any_covers(general: &[PathPattern], specific: &[PathPattern]) -> bool {
    general.iter().any(|g| specific.iter().any(|s| g.covers(s)))
}

/// Picks the priority for a new rule. A requested one is only checked for
/// range and uniqueness. Otherwise the new rule goes after every rule it
/// covers (more specific rules keep precedence) and before every rule that
/// covers it (or that rule would shadow it), at the lowest free number there.
pub fn choose_priority(
    existing: &[Rule],
    new_patterns: &[PathPattern],
    requested: Option<u32>,
) -> Result<u32, PriorityError> {
    if let Some(priority) = requested {
        if !(1..=MAX_PRIORITY).contains(&priority) {
            return Err(PriorityError::OutOfRange { priority });
        }
        if let Some(rule) = existing.iter().find(|r| r.priority == priority) {
            return Err(PriorityError::PriorityInUse {
                priority,
                target: rule.target.clone(),
            });
        }
        return Ok(priority);
    }
    let after = existing
        .iter()
        .filter(|r| any_covers(new_patterns, &r.patterns))
        .max_by_key(|r| r.priority);
    let before = existing
        .iter()
        .filter(|r| any_covers(&r.patterns, new_patterns))
        .min_by_key(|r| r.priority);
    let low = after.map_or(1, |r| r.priority.saturating_add(1));
    let high = before.map_or(MAX_PRIORITY, |r| {
        r.priority.saturating_sub(1).min(MAX_PRIORITY)
    });
    let used: HashSet<u32> = existing.iter().map(|r| r.priority).collect();
    (low..=high)
        .find(|p| !used.contains(p))
        .ok_or_else(|| PriorityError::NoRoom {
            after: after.map(RuleRef::from),
            before: before.map(RuleRef::from),
        })
}

/// The highest-precedence existing rule, ahead of `priority`, that covers
/// every one of `patterns`: a new rule there would never be reached. Only
/// single covering patterns count, so it never reports a false shadow.
pub fn shadowed_by<'a>(
    existing: &'a [Rule],
    patterns: &[PathPattern],
    priority: u32,
) -> Option<&'a Rule> {
    if patterns.is_empty() {
        return None;
    }
    existing
        .iter()
        .filter(|r| r.priority < priority)
        .filter(|r| {
            patterns
                .iter()
                .all(|p| r.patterns.iter().any(|q| q.covers(p)))
        })
        .min_by_key(|r| r.priority)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pat(s: &str) -> PathPattern {
        PathPattern::parse(s).unwrap_or_else(|e| panic!("{}", e.explain(s)))
    }

    fn rule(priority: u32, patterns: &[&str], target: &str) -> Rule {
        Rule {
            priority,
            patterns: patterns.iter().map(|s| pat(s)).collect(),
            target: target.to_string(),
        }
    }

    /// Plain recursive glob matcher to check the two-pointer one against.
    fn reference_match(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|k| reference_match(rest, &t[k..])),
            Some(('?', rest)) => !t.is_empty() && reference_match(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && reference_match(rest, &t[1..]),
        }
    }

    /// All strings over `alphabet` of length 0..=max_len.
    fn strings(alphabet: &[char], max_len: usize) -> Vec<String> {
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

    #[test]
    fn match_table() {
        let cases = [
            ("/mysfits/*", "/mysfits/1", true),
            ("/mysfits/*", "/mysfits/", true),
            ("/mysfits/*", "/mysfits", false),
            ("/mysfits/*/like", "/mysfits/1/like", true),
            // `*` crosses slashes.
            ("/mysfits/*/like", "/mysfits/a/b/like", true),
            ("/*/like", "/x/y/like", true),
            // The lab template's trailing slash.
            ("/mysfits/*/like/", "/mysfits/1/like", false),
            ("/mysfits/*/like/", "/mysfits/1/like/", true),
            ("/mysfits/?/like", "/mysfits/1/like", true),
            ("/mysfits/?/like", "/mysfits/12/like", false),
            ("/mysfits/?/like", "/mysfits//like", false),
            // Case-sensitive.
            ("/Mysfits/*", "/mysfits/1", false),
            ("/mysfits/*", "/MYSFITS/1", false),
            // Query strings are not part of the path.
            ("/mysfits/*/like", "/mysfits/1/like?x=1", true),
            ("/mysfits/1", "/mysfits/1?a/b", true),
            ("/mysfits/?", "/mysfits/?", false),
            ("/mysfits/*x", "/mysfits/a?x", false),
            // Raw, not percent-decoded.
            ("/mysfits/*/like", "/mysfits/%31/like", true),
            ("/mysfits/?/like", "/mysfits/%31/like", false),
            ("/mysfits/1/like", "/mysfits/%31/like", false),
            // Repeated slashes are not collapsed.
            ("/mysfits/*/like", "//mysfits/1/like", false),
            ("/mysfits/*/like", "/mysfits//like", true),
            ("/a//b", "/a/b", false),
            ("/a//b", "/a//b", true),
            ("/", "/", true),
            ("/", "/x", false),
            ("/*", "/", true),
            ("/*", "", false),
            ("/a*b*c", "/aXbYc", true),
            ("/a*b*c", "/acb", false),
            ("/*.png", "/img/x.png", true),
            ("/*?", "/", false),
            ("/*?", "/a", true),
        ];
        for (pattern, path, want) in cases {
            assert_eq!(pat(pattern).matches(path), want, "{pattern} vs {path}");
        }
    }

    #[test]
    fn matcher_agrees_with_reference() {
        let patterns = strings(&['a', '/', '*', '?'], 5);
        let paths = strings(&['a', 'b', '/'], 6);
        for p in &patterns {
            let pc: Vec<char> = p.chars().collect();
            for t in &paths {
                let tc: Vec<char> = t.chars().collect();
                assert_eq!(
                    glob_match(&pc, &tc),
                    reference_match(&pc, &tc),
                    "{p} vs {t}"
                );
            }
        }
    }

    #[test]
    fn long_inputs_do_not_backtrack_exponentially() {
        let pattern = pat(&format!("/{}b", "*a".repeat(60)));
        assert!(!pattern.matches(&format!("/{}", "a".repeat(5000))));
    }

    #[test]
    fn parse_errors() {
        let cases = [
            (
                "/mysfits/{id}/like".to_string(),
                PatternError::IllegalChar { ch: '{', pos: 9 },
            ),
            (
                "/mysfits/ like".to_string(),
                PatternError::IllegalChar { ch: ' ', pos: 9 },
            ),
            (
                "/é".to_string(),
                PatternError::IllegalChar { ch: 'é', pos: 1 },
            ),
            (
                "/a%20b".to_string(),
                PatternError::IllegalChar { ch: '%', pos: 2 },
            ),
            (
                format!("/{}", "a".repeat(128)),
                PatternError::TooLong { len: 129 },
            ),
            (String::new(), PatternError::Empty),
            ("mysfits/*".to_string(), PatternError::MissingLeadingSlash),
        ];
        for (input, want) in cases {
            assert_eq!(PathPattern::parse(&input), Err(want), "{input:?}");
        }
        assert!(PathPattern::parse(&format!("/{}", "a".repeat(127))).is_ok());
        assert!(PathPattern::parse("/AZaz09_-.$/~\"'@:+&*?").is_ok());
        assert_eq!("/x".parse::<PathPattern>(), Ok(pat("/x")));
    }

    #[test]
    fn error_messages() {
        let explain = |s: &str| PathPattern::parse(s).unwrap_err().explain(s);
        assert_eq!(
            explain("/mysfits/{id}/like"),
            "path pattern '/mysfits/{id}/like' has '{' at position 9, which ALB does not allow: \
             use '*' or '?' as wildcards (e.g. /mysfits/*/like)"
        );
        assert!(explain("/mysfits/ like").ends_with("(e.g. /mysfits/*like)"));
        assert!(explain("mysfits/*").ends_with("begin it with '/' (e.g. /mysfits/*)"));
        assert_eq!(
            PatternError::IllegalChar { ch: '{', pos: 9 }.to_string(),
            "path pattern has '{' at position 9, which ALB does not allow: use '*' or '?' as wildcards"
        );
        for err in [
            PatternError::Empty,
            PatternError::TooLong { len: 200 },
            PatternError::MissingLeadingSlash,
            PatternError::IllegalChar { ch: '\n', pos: 0 },
        ] {
            let msg = err.to_string();
            assert!(!msg.contains('\n') && msg.contains(": "), "{msg}");
        }
    }

    #[test]
    fn warnings() {
        let w = pat("/mysfits/*/like/").warnings();
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("matches '/mysfits/1/like/' but not '/mysfits/1/like'"),
            "{}",
            w[0]
        );
        assert!(w[0].contains("also add '/mysfits/*/like'"), "{}", w[0]);
        assert_eq!(pat("/a//b").warnings().len(), 1);
        assert_eq!(pat("/a//").warnings().len(), 2);
        assert!(pat("/").warnings().is_empty());
        assert!(pat("/mysfits/*/like").warnings().is_empty());
    }

    #[test]
    fn covers_known_cases() {
        let cases = [
            ("/mysfits/*", "/mysfits/*/like", true),
            ("/mysfits/*/like", "/mysfits/*", false),
            ("/*", "/mysfits/*/like", true),
            ("/*", "/", true),
            ("/*", "/?*", true),
            ("/a?c", "/abc", true),
            ("/a*", "/a?c", true),
            ("/a?c", "/a*c", false),
            ("/abc", "/a?c", false),
            ("/*/like", "/*/*/like", true),
            ("/*/*/like", "/*/like", false),
            ("/*/*/*/like", "/*/like", false),
            // A `?` may be matched on either side of a neighbouring `*`.
            ("/*?", "/?*", true),
            ("/?*", "/*?", true),
            ("/*a*", "/*a", true),
            ("/*a", "/*a*", false),
            ("/a?*", "/a*", false),
            ("/mysfits/*/like", "/mysfits/*/like/", false),
            ("/mysfits/*/like/", "/mysfits/*/like", false),
            ("/x", "/x", true),
        ];
        for (a, b, want) in cases {
            let (a, b) = (pat(a), pat(b));
            assert_eq!(a.covers(&b), want, "{a} covers {b}");
            if let Some(w) = a.uncovered_example(&b) {
                assert!(b.matches(&w) && !a.matches(&w), "{a} / {b}: {w}");
            }
        }
        assert_eq!(
            pat("/mysfits/*/like").uncovered_example(&pat("/mysfits/*")),
            Some("/mysfits/".to_string())
        );
        assert_eq!(
            pat("/a?c").uncovered_example(&pat("/a*c")),
            Some("/ac".to_string())
        );
    }

    /// Every pair of patterns "/" + up to `len` of `symbols`: when `covers`
    /// says yes, no path up to 6 characters tells them apart (soundness);
    /// when it says no, its witness really is matched by one and not the
    /// other (completeness).
    fn check_covers_exhaustively(symbols: &[char], len: usize) {
        let patterns: Vec<PathPattern> = strings(symbols, len)
            .iter()
            .map(|s| pat(&format!("/{s}")))
            .collect();
        let paths: Vec<String> = strings(&['a', 'b', 'c', '/'], 5)
            .iter()
            .map(|s| format!("/{s}"))
            .collect();
        let matched: Vec<Vec<bool>> = patterns
            .iter()
            .map(|p| paths.iter().map(|path| p.matches(path)).collect())
            .collect();
        let mut covered = 0;
        for (p, p_matches) in patterns.iter().zip(&matched) {
            for (q, q_matches) in patterns.iter().zip(&matched) {
                match p.uncovered_example(q) {
                    None => {
                        assert!(p.covers(q), "{p} / {q}: no witness, so must be covered");
                        let counter = q_matches
                            .iter()
                            .zip(p_matches)
                            .position(|(&qm, &pm)| qm && !pm);
                        assert_eq!(counter, None, "{p} claims to cover {q}");
                        covered += 1;
                    }
                    Some(w) => assert!(
                        q.matches(&w) && !p.matches(&w),
                        "{p} / {q}: bad witness {w:?}"
                    ),
                }
            }
        }
        // Sanity: the enumeration exercises both outcomes.
        assert!(covered > patterns.len() && covered < patterns.len() * patterns.len());
    }

    #[test]
    fn covers_agrees_with_brute_force_on_wildcards() {
        check_covers_exhaustively(&['a', '/', '*', '?'], 4);
    }

    #[test]
    fn covers_agrees_with_brute_force_on_literals() {
        check_covers_exhaustively(&['a', 'b', '/', '*', '?'], 3);
    }

    #[test]
    fn pathological_patterns_stay_bounded() {
        // The subset automaton of `/*a???...` has exponentially many states.
        let hard = pat(&format!("/*a{}", "?".repeat(40)));
        assert!(!hard.covers(&pat("/*")));
        assert!(pat("/*").covers(&hard));
        // Covered, but proving it needs too many states: the search gives up
        // and answers "not covered" (with no witness) instead of hanging.
        let tail = pat(&format!("/*a{}b", "?".repeat(39)));
        assert!(!hard.covers(&tail));
        assert_eq!(hard.uncovered_example(&tail), None);
    }

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
    fn priority_requested() {
        let rules = vec![rule(1, &["/mysfits/*/like"], "like-service")];
        let new = [pat("/x")];
        assert_eq!(choose_priority(&rules, &new, Some(2)), Ok(2));
        let err = choose_priority(&rules, &new, Some(1)).unwrap_err();
        assert_eq!(
            err,
            PriorityError::PriorityInUse {
                priority: 1,
                target: "like-service".to_string()
            }
        );
        assert_eq!(
            err.to_string(),
            "priority 1 is already used by the rule for like-service: \
             pick another with --priority, or leave it out to choose one"
        );
        for p in [0, 50_001] {
            assert_eq!(
                choose_priority(&rules, &new, Some(p)),
                Err(PriorityError::OutOfRange { priority: p })
            );
        }
        assert_eq!(choose_priority(&rules, &new, Some(50_000)), Ok(50_000));
    }

    #[test]
    fn priority_chosen() {
        let like = [pat("/mysfits/*/like")];
        let mysfits = [pat("/mysfits/*")];
        // Empty listener: the lab's like-service rule gets 1.
        assert_eq!(choose_priority(&[], &like, None), Ok(1));
        // Specific rule goes before the general one.
        let general = vec![rule(10, &["/mysfits/*"], "mysfits")];
        assert_eq!(choose_priority(&general, &like, None), Ok(1));
        // General rule goes after the specific one.
        let specific = vec![rule(1, &["/mysfits/*/like"], "like-service")];
        assert_eq!(choose_priority(&specific, &mysfits, None), Ok(2));
        // Unrelated rules only take numbers away.
        let unrelated = vec![rule(1, &["/a"], "a"), rule(2, &["/b"], "b")];
        assert_eq!(choose_priority(&unrelated, &like, None), Ok(3));
        // Between a specific and a general rule.
        let both = vec![
            rule(1, &["/mysfits/*/like"], "like-service"),
            rule(2, &["/x"], "x"),
            rule(4, &["/*"], "monolith"),
        ];
        assert_eq!(choose_priority(&both, &mysfits, None), Ok(3));
    }

    #[test]
    fn priority_no_room() {
        let tight = vec![
            rule(1, &["/mysfits/*/like"], "like-service"),
            rule(2, &["/*"], "monolith"),
        ];
        let err = choose_priority(&tight, &[pat("/mysfits/*")], None).unwrap_err();
        assert_eq!(
            err,
            PriorityError::NoRoom {
                after: Some(RuleRef {
                    priority: 1,
                    target: "like-service".to_string()
                }),
                before: Some(RuleRef {
                    priority: 2,
                    target: "monolith".to_string()
                }),
            }
        );
        assert!(err
            .to_string()
            .starts_with("no free priority between 1 (rule for like-service"));
        // A catch-all at priority 1 leaves nothing before it.
        let catch_all = vec![rule(1, &["/*"], "monolith")];
        let err = choose_priority(&catch_all, &[pat("/mysfits/*")], None).unwrap_err();
        assert!(
            err.to_string().starts_with("no free priority below 1"),
            "{err}"
        );
        // Same pattern again: it must be both before and after that rule.
        let err = choose_priority(&catch_all, &[pat("/*")], None).unwrap_err();
        assert!(err.to_string().contains("equivalent"), "{err}");
        // Existing rules in the wrong order.
        let inverted = vec![
            rule(1, &["/*"], "monolith"),
            rule(2, &["/mysfits/*/like"], "like-service"),
        ];
        let err = choose_priority(&inverted, &[pat("/mysfits/*")], None).unwrap_err();
        assert!(err.to_string().contains("opposite order"), "{err}");
    }

    #[test]
    fn shadowing() {
        let rules = vec![
            rule(1, &["/*"], "monolith"),
            rule(5, &["/mysfits/*"], "mysfits"),
        ];
        let like = [pat("/mysfits/*/like")];
        assert_eq!(shadowed_by(&rules, &like, 2).map(|r| r.priority), Some(1));
        assert_eq!(
            shadowed_by(&rules[1..], &like, 6).map(|r| r.priority),
            Some(5)
        );
        assert_eq!(shadowed_by(&rules[1..], &like, 4), None);
        // Only shadowed when every pattern is covered.
        let mixed = [pat("/mysfits/*/like"), pat("/other")];
        assert_eq!(shadowed_by(&rules[1..], &mixed, 6), None);
        assert_eq!(shadowed_by(&rules, &[], 9), None);
    }
}
