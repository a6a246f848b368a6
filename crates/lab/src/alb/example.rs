//! A request path a person would type for a pattern, for `next:` hints and messages:
//! `/api/users*` → `/api/users/1`, `/mysfits/*/like` → `/mysfits/1/like`,
//! `/v?/items` → `/v1/items`. Always a path the pattern matches.

/// The example path of a (valid) pattern. A wildcard becomes `1`, except where that
/// would read as part of a word: a `*` that ends the pattern right after a name stands
/// for a sub-path (`/1`), and a leading wildcard stands for the leading `/`.
pub(super) fn example_path(pattern: &str) -> String {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = String::new();
    for (i, &ch) in chars.iter().enumerate() {
        // `**` matches what `*` does: one stand-in for the run.
        if ch == '*' && i > 0 && chars[i - 1] == '*' {
            continue;
        }
        let last = i + 1 == chars.len() || chars[i + 1..].iter().all(|&c| c == '*');
        match ch {
            // Every path starts with `/`: `?` can only be it, `*` is it and more.
            '?' if i == 0 => out.push('/'),
            '*' if i == 0 => out.push_str("/1"),
            '*' if last && out.ends_with(|c: char| c.is_ascii_alphanumeric()) => out.push_str("/1"),
            '*' | '?' => out.push('1'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::example_path;
    use crate::alb::PathPattern;

    /// Each pattern's example, and that the pattern matches it.
    #[test]
    fn examples_read_like_typed_paths_and_match_their_pattern() {
        for (pattern, example) in [
            ("/api/users*", "/api/users/1"),
            ("/mysfits/*/like", "/mysfits/1/like"),
            ("/api/*", "/api/1"),
            ("/v?/items", "/v1/items"),
            ("/img*.png", "/img1.png"),
            ("*.png", "/1.png"),
            ("*/like", "/1/like"),
            ("*", "/1"),
            ("?like", "/like"),
            ("/a**", "/a/1"),
            ("/api-*", "/api-1"),
            ("/api/users*/posts", "/api/users1/posts"),
            ("/mysfits/*/like*", "/mysfits/1/like/1"),
            ("/", "/"),
            ("/api/users", "/api/users"),
        ] {
            let p = PathPattern::parse(pattern).unwrap();
            assert_eq!(example_path(pattern), example, "{pattern}");
            assert_eq!(p.example_path(), example, "{pattern}");
            assert!(p.matches(example), "{pattern} does not match {example}");
            assert!(!example.contains("//"), "{pattern}: {example}");
        }
    }
}
