//! Image references as `docker pull` takes them (the distribution reference grammar):
//! `[host[:port]/]name[/name…][:tag][@algorithm:hex]`. Checked before a revision is
//! registered, so `--image ''` or `--image 'nginx latest'` never reaches a live service.

/// Why a reference is not one; `None` when it is.
/// An image reference short enough for a table: the registry host dropped, a digest cut
/// to 12 hex digits (as `docker images` shows it).
/// `1234.dkr.ecr.us-east-1.amazonaws.com/lab/app@sha256:ab…` → `lab/app@sha256:ab…(12)`.
pub fn short(reference: &str) -> String {
    let without_host = match reference.split_once('/') {
        Some((host, rest)) if host.contains(['.', ':']) || host == "localhost" => rest,
        _ => reference,
    };
    match without_host.split_once("@sha256:") {
        Some((name, digest)) => format!("{name}@sha256:{}", &digest[..digest.len().min(12)]),
        None => without_host.to_string(),
    }
}

pub fn problem(reference: &str) -> Option<&'static str> {
    if reference.is_empty() {
        return Some("it is empty");
    }
    if reference.len() > 255 + 128 + 72 {
        return Some("it is too long");
    }
    if reference
        .chars()
        .any(|c| c.is_whitespace() || c.is_control())
    {
        return Some("it contains a space");
    }
    let (rest, digest) = match reference.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (reference, None),
    };
    if let Some(d) = digest {
        let Some((algorithm, hex)) = d.split_once(':') else {
            return Some("the digest is not algorithm:hex, e.g. sha256:…");
        };
        let algorithm_ok = !algorithm.is_empty()
            && algorithm
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+._-".contains(c));
        if !algorithm_ok || hex.len() < 32 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Some("the digest is not algorithm:hex, e.g. sha256:…");
        }
    }
    // A tag follows the last ':' that comes after the last '/' (a port comes before it).
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].rfind(':') {
        Some(i) => (&rest[..last_slash + i], Some(&rest[last_slash + i + 1..])),
        None => (rest, None),
    };
    if let Some(tag) = tag {
        let ok = !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
        if !ok {
            return Some("the tag is not 1-128 of letters, digits, '_', '.', '-'");
        }
    }
    let mut parts: Vec<&str> = name.split('/').collect();
    // The first part is a registry host when it has a '.' or ':' or is localhost.
    if parts.len() > 1 && (parts[0].contains(['.', ':']) || parts[0] == "localhost") {
        let host = parts.remove(0);
        let (domain, port) = host.split_once(':').unwrap_or((host, ""));
        let domain_ok = !domain.is_empty()
            && domain
                .split('.')
                .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
        if !domain_ok
            || (host.contains(':')
                && (port.is_empty() || !port.chars().all(|c| c.is_ascii_digit())))
        {
            return Some("the registry host is not host[:port]");
        }
    }
    let component_ok = |p: &&str| {
        !p.is_empty()
            && p.chars()
                .next()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && p.chars()
                .last()
                .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            && p.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    };
    if parts.is_empty() || !parts.iter().all(component_ok) {
        return Some(
            "the repository name is not lowercase letters, digits and separators (._-) between '/'",
        );
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{problem, short};

    #[test]
    fn references_shorten_for_tables() {
        let digest = "a".repeat(64);
        assert_eq!(
            short(&format!(
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/app@sha256:{digest}"
            )),
            "mysfits/app@sha256:aaaaaaaaaaaa"
        );
        assert_eq!(short("127.0.0.1:5000/app:v1"), "app:v1");
        assert_eq!(short("localhost/app:v1"), "app:v1");
        assert_eq!(short("nginx:1.27"), "nginx:1.27");
        assert_eq!(short("library/nginx"), "library/nginx");
    }

    #[test]
    fn references_docker_would_take() {
        for ok in [
            "nginx",
            "nginx:latest",
            "public.ecr.aws/nginx/nginx:stable-alpine",
            "127.0.0.1:5000/mysfits/web:v1",
            "localhost/mysfits-base:bookworm",
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/like-service@sha256:18f3b11fdb0068185a5f1d9c5e712753ef953fed4108050f62ee2faa8b081efd",
            "ghcr.io/org/app:1.2.3@sha256:18f3b11fdb0068185a5f1d9c5e712753ef953fed4108050f62ee2faa8b081efd",
        ] {
            assert_eq!(problem(ok), None, "{ok}");
        }
    }

    #[test]
    fn references_the_issue_named_and_more_are_refused() {
        for (bad, why) in [
            ("", "empty"),
            ("nginx latest", "space"),
            ("!!!@@@", "digest"),
            ("Nginx", "repository name"),
            ("nginx:", "tag"),
            ("nginx:-x", "tag"),
            ("host:port/app", "registry host"),
            ("app@sha256:xyz", "digest"),
            ("a//b", "repository name"),
        ] {
            let got = problem(bad).unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert!(got.contains(why), "{bad:?}: {got}");
        }
    }
}
