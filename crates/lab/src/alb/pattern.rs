//! One ALB path pattern: what ALB accepts, how it matches a request path, and the
//! patterns that are valid but are traps (a trailing `/`, a `//`).

use std::fmt;
use std::str::FromStr;

/// Longest path pattern ALB accepts, in characters (PathPatternConditionConfig:
/// "The maximum length of each string is 128 characters").
pub const MAX_PATTERN_LEN: usize = 128;

/// Punctuation ALB documents for path patterns, besides letters, digits and
/// the wildcards. `&` is listed as `&amp;`, which is just how XML spells `&`.
const ALLOWED_PUNCTUATION: &str = "_-.$/~\"'@:+&";

pub(super) fn is_wildcard(ch: char) -> bool {
    ch == '*' || ch == '?'
}

fn is_allowed(ch: char) -> bool {
    ch.is_ascii_alphanumeric() || ALLOWED_PUNCTUATION.contains(ch) || is_wildcard(ch)
}

/// A validated ALB path pattern: 1..=128 allowed characters, `*` matches any run
/// of characters (including `/`), `?` exactly one, compared case-sensitively
/// with the whole path.
///
/// ALB documents no rule that a pattern start with `/`, so `*.png` is accepted
/// (it matches `/img/x.png`). What is refused is a pattern that starts with a
/// literal other than `/`: every request path does start with `/` (the
/// origin-form request target of RFC 9112 §3.2.1, `absolute-path = 1*( "/"
/// segment )`), so such a pattern can never match anything.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PathPattern(String);

impl PathPattern {
    pub fn parse(s: &str) -> Result<PathPattern, PatternError> {
        let Some(first) = s.chars().next() else {
            return Err(PatternError::Empty);
        };
        let len = s.chars().count();
        if len > MAX_PATTERN_LEN {
            return Err(PatternError::TooLong { len });
        }
        if let Some((pos, ch)) = s.chars().enumerate().find(|&(_, ch)| !is_allowed(ch)) {
            return Err(PatternError::IllegalChar { ch, pos });
        }
        if first != '/' && !is_wildcard(first) {
            return Err(PatternError::NeverMatches { first });
        }
        Ok(PathPattern(s.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A glob of any characters, unvalidated: `glob.rs` runs host names and header
    /// values (prefixed with `/`) through the same inclusion search as paths.
    pub(super) fn raw(s: String) -> PathPattern {
        PathPattern(s)
    }

    pub(super) fn chars(&self) -> Vec<char> {
        self.0.chars().collect()
    }

    /// How many `*` and `?` it has: ALB allows 5 per rule, over all its patterns.
    pub fn wildcards(&self) -> usize {
        self.0.chars().filter(|&c| is_wildcard(c)).count()
    }

    /// Valid patterns that almost never mean what their author intended, and
    /// that `split` refuses unless forced.
    pub fn traps(&self) -> Vec<Trap> {
        let p = &self.0;
        let mut traps = Vec::new();
        if p.len() > 1 && p.ends_with('/') {
            let with = sample_path(p);
            let without = with[..with.len() - 1].to_string();
            if self.matches(&with) && !self.matches(&without) {
                traps.push(Trap::TrailingSlash {
                    with,
                    without,
                    instead: p[..p.len() - 1].to_string(),
                });
            }
        }
        if p.contains("//") {
            traps.push(Trap::DoubleSlash {
                instead: collapse_slashes(p),
            });
        }
        traps
    }

    /// Whether ALB would route `path` here. ALB compares the raw path: no
    /// percent-decoding, no slash collapsing, and the query string is not part
    /// of it (in a path `?` starts the query; in a pattern it is a wildcard).
    pub fn matches(&self, path: &str) -> bool {
        let path = path.split_once('?').map_or(path, |(before, _)| before);
        let text: Vec<char> = path.chars().collect();
        glob_match(&self.chars(), &text)
    }

    /// A concrete path the pattern matches, as a person would type it (`example.rs`).
    pub fn example_path(&self) -> String {
        super::example::example_path(&self.0)
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

fn collapse_slashes(pattern: &str) -> String {
    let mut out = String::new();
    for ch in pattern.chars() {
        if !(ch == '/' && out.ends_with('/')) {
            out.push(ch);
        }
    }
    out
}

/// A valid pattern that routes other paths than it seems to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trap {
    /// Ends with `/`: matches `with` but not `without` (the lab's own trap).
    TrailingSlash {
        with: String,
        without: String,
        instead: String,
    },
    /// Has `//`, which ALB never collapses: it only matches paths with `//`.
    DoubleSlash { instead: String },
}

impl Trap {
    /// The pattern that was probably meant.
    pub fn instead(&self) -> &str {
        match self {
            Trap::TrailingSlash { instead, .. } | Trap::DoubleSlash { instead } => instead,
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trap::TrailingSlash { with, without, .. } => write!(
                f,
                "it ends with '/', so it matches '{with}' but not '{without}', \
                 which goes to another rule or the default action"
            ),
            Trap::DoubleSlash { .. } => write!(
                f,
                "it contains '//', and ALB does not collapse repeated slashes, \
                 so it only matches paths that have '//' in them"
            ),
        }
    }
}

/// Why a string is not a valid ALB path pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatternError {
    Empty,
    TooLong {
        len: usize,
    },
    /// Starts with a literal other than `/`, so no request path can match it.
    NeverMatches {
        first: char,
    },
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
            PatternError::NeverMatches { first } => format!(
                "{subject} starts with {first:?}, so it can never match: every request path starts \
                 with '/' (the origin-form request target, RFC 9112 section 3.2.1); begin it with '/'{}",
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
            PatternError::NeverMatches { .. } => format!("/{pattern}"),
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
pub(super) fn glob_match(pattern: &[char], text: &[char]) -> bool {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alb::testing::{pat, strings};

    /// Plain recursive glob matcher to check the two-pointer one against.
    fn reference_match(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => (0..=t.len()).any(|k| reference_match(rest, &t[k..])),
            Some(('?', rest)) => !t.is_empty() && reference_match(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && reference_match(rest, &t[1..]),
        }
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
            // No leading '/': the wildcard takes the path's '/'.
            ("*.png", "/img/x.png", true),
            ("?img", "/img", true),
            ("?img", "/xmg", false),
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
            (
                "mysfits/*".to_string(),
                PatternError::NeverMatches { first: 'm' },
            ),
        ];
        for (input, want) in cases {
            assert_eq!(PathPattern::parse(&input), Err(want), "{input:?}");
        }
        assert!(PathPattern::parse(&format!("/{}", "a".repeat(127))).is_ok());
        assert!(PathPattern::parse("/AZaz09_-.$/~\"'@:+&*?").is_ok());
        assert_eq!("/x".parse::<PathPattern>(), Ok(pat("/x")));
        // ALB documents no leading '/': a leading wildcard can match the path's '/'.
        for ok in ["*.png", "?mysfits/*", "*"] {
            assert!(PathPattern::parse(ok).is_ok(), "{ok}");
        }
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
        let never = explain("mysfits/*");
        assert!(never.contains("can never match"), "{never}");
        assert!(never.contains("RFC 9112"), "{never}");
        assert!(!never.contains("ALB requires"), "{never}");
        assert!(
            never.ends_with("begin it with '/' (e.g. /mysfits/*)"),
            "{never}"
        );
        assert_eq!(
            PatternError::IllegalChar { ch: '{', pos: 9 }.to_string(),
            "path pattern has '{' at position 9, which ALB does not allow: use '*' or '?' as wildcards"
        );
        for err in [
            PatternError::Empty,
            PatternError::TooLong { len: 200 },
            PatternError::NeverMatches { first: 'a' },
            PatternError::IllegalChar { ch: '\n', pos: 0 },
        ] {
            let msg = err.to_string();
            assert!(!msg.contains('\n') && msg.contains(": "), "{msg}");
        }
    }

    #[test]
    fn traps() {
        let t = pat("/mysfits/*/like/").traps();
        assert_eq!(t.len(), 1);
        let msg = t[0].to_string();
        assert!(
            msg.contains("matches '/mysfits/1/like/' but not '/mysfits/1/like'"),
            "{msg}"
        );
        assert_eq!(t[0].instead(), "/mysfits/*/like");
        assert_eq!(pat("/a//b").traps().len(), 1);
        assert_eq!(pat("/a//b").traps()[0].instead(), "/a/b");
        assert_eq!(pat("/a//").traps().len(), 2);
        assert!(pat("/").traps().is_empty());
        assert!(pat("/mysfits/*/like").traps().is_empty());
    }

    #[test]
    fn wildcards() {
        assert_eq!(pat("/??????").wildcards(), 6);
        assert_eq!(pat("/mysfits/*/like").wildcards(), 1);
    }
}
