//! A rule's conditions besides its path patterns, and the request they look at.
//!
//! As AWS's "Listener rules for your Application Load Balancer" (Condition types)
//! says: "each rule can include zero or one of the following conditions:
//! host-header, http-request-method, path-pattern, and source-ip. Each rule can
//! also include one or more of each of the following conditions: http-header and
//! query-string"; the values of one condition are ORed ("matches if any value
//! matches"), and the conditions of a rule are ANDed. Host, header and query-string
//! values are compared case-insensitively with `*` and `?`; methods exactly
//! (case-sensitive); source IPs by CIDR.

use std::net::IpAddr;

use serde::Serialize;

use super::cidr::Cidr;
use super::glob::{all_covered, none_overlap, Glob};

/// One http-header condition: the header (name case-insensitive) has a value
/// matching one of `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Header {
    pub name: String,
    pub values: Vec<Glob>,
}

/// One key/value of a query-string condition; no key matches any key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryPair {
    pub key: Option<Glob>,
    pub value: Glob,
}

/// Everything a rule asks of a request besides its path: an empty list is a
/// condition the rule does not have.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Conditions {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hosts: Vec<Glob>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    /// Each inner list is one query-string condition (its pairs ORed).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub queries: Vec<Vec<QueryPair>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub source_ips: Vec<Cidr>,
}

/// What conditions look at: `route` builds one from its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    pub path: String,
    /// Without a port. `None`: not given, so no host condition matches.
    pub host: Option<String>,
    pub method: Option<String>,
    pub headers: Vec<(String, String)>,
    /// (key, value); a bare `?v` has no key.
    pub query: Vec<(Option<String>, String)>,
    pub source_ip: Option<IpAddr>,
}

impl HttpRequest {
    /// A request for `target` (a path, maybe with `?query`), nothing else known.
    pub fn new(target: &str) -> HttpRequest {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((k, v)) => (Some(k.to_string()), v.to_string()),
                None => (None, p.to_string()),
            })
            .collect();
        HttpRequest {
            path: path.to_string(),
            query,
            ..HttpRequest::default()
        }
    }
}

/// How an earlier rule's conditions relate to a later rule's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Relation {
    /// Every request the later rule's conditions take, the earlier one's take too:
    /// only its paths decide what it hides.
    Takes,
    /// No request satisfies both: it never hides anything of the later rule.
    Disjoint,
    /// Some but maybe not all: what it hides depends on more than paths.
    Overlaps,
}

impl Conditions {
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
            && self.methods.is_empty()
            && self.headers.is_empty()
            && self.queries.is_empty()
            && self.source_ips.is_empty()
    }

    /// Values, for ALB's "condition values per rule" quota (paths count apart).
    pub fn values(&self) -> usize {
        self.hosts.len()
            + self.methods.len()
            + self.headers.iter().map(|h| h.values.len()).sum::<usize>()
            + self.queries.iter().map(Vec::len).sum::<usize>()
            + self.source_ips.len()
    }

    /// Wildcards, for ALB's "condition wildcards per rule" quota.
    pub fn wildcards(&self) -> usize {
        self.hosts.iter().map(Glob::wildcards).sum::<usize>()
            + self
                .headers
                .iter()
                .flat_map(|h| &h.values)
                .map(Glob::wildcards)
                .sum::<usize>()
    }

    /// The conditions `req` satisfies, as `describe` says them; `None` when one fails.
    pub fn matched(&self, req: &HttpRequest) -> Option<Vec<String>> {
        let mut said = Vec::new();
        if !self.hosts.is_empty() {
            let host = req.host.as_deref()?;
            let g = self.hosts.iter().find(|g| g.matches(host))?;
            said.push(format!("host {g}"));
        }
        if !self.methods.is_empty() {
            let m = req.method.as_deref()?;
            self.methods.iter().find(|x| *x == m)?;
            said.push(format!("method {m}"));
        }
        for h in &self.headers {
            let g = req
                .headers
                .iter()
                .filter(|(k, _)| k.eq_ignore_ascii_case(&h.name))
                .find_map(|(_, v)| h.values.iter().find(|g| g.matches(v)))?;
            said.push(format!("header {}: {g}", h.name));
        }
        for q in &self.queries {
            let p = q.iter().find(|p| {
                req.query.iter().any(|(k, v)| {
                    let key = match (&p.key, k) {
                        (None, _) => true,
                        (Some(want), Some(k)) => want.matches(k),
                        (Some(_), None) => false,
                    };
                    key && p.value.matches(v)
                })
            })?;
            said.push(format!("query {}", pair_text(p)));
        }
        if !self.source_ips.is_empty() {
            let ip = req.source_ip?;
            let c = self.source_ips.iter().find(|c| c.contains(ip))?;
            said.push(format!("source-ip {c}"));
        }
        Some(said)
    }

    pub fn matches(&self, req: &HttpRequest) -> bool {
        self.matched(req).is_some()
    }

    /// How `self` (an earlier rule's) relates to `later`: sound in every answer
    /// (`Takes` and `Disjoint` are claimed only when they hold), exact enough for
    /// hosts, methods and source IPs. A request has one host, one method and one
    /// source IP, but may repeat a header or a query key, so headers and query
    /// strings are never called disjoint.
    pub fn relation(&self, later: &Conditions) -> Relation {
        let dims = [
            one_of(&self.hosts, &later.hosts, all_covered, none_overlap),
            one_of(
                &self.methods,
                &later.methods,
                |small, big| small.iter().all(|m| big.contains(m)),
                |a, b| !a.iter().any(|m| b.contains(m)),
            ),
            one_of(
                &self.source_ips,
                &later.source_ips,
                |small, big| small.iter().all(|c| big.iter().any(|b| b.covers(c))),
                |a, b| !a.iter().any(|x| b.iter().any(|y| x.overlaps(y))),
            ),
            (
                self.headers.iter().all(|h| {
                    later.headers.iter().any(|l| {
                        l.name.eq_ignore_ascii_case(&h.name) && all_covered(&l.values, &h.values)
                    })
                }),
                false,
            ),
            (
                self.queries
                    .iter()
                    .all(|q| later.queries.iter().any(|l| pairs_covered(l, q))),
                false,
            ),
        ];
        if dims.iter().any(|&(_, disjoint)| disjoint) {
            Relation::Disjoint
        } else if dims.iter().all(|&(takes, _)| takes) {
            Relation::Takes
        } else {
            Relation::Overlaps
        }
    }

    /// Concrete requests (paths aside) that these conditions take, varied so that
    /// rules with other conditions match some and miss others: each one that the
    /// earlier rules' paths leave a path over is a real witness of reachability.
    /// `others`: the conditions of the rules around, for their values.
    pub fn samples(&self, others: &[&Conditions]) -> Vec<HttpRequest> {
        const MAX: usize = 256;
        let examples = |globs: &[Glob]| -> Vec<String> {
            globs
                .iter()
                .flat_map(|g| [example(g, "", 'a'), example(g, "zq", 'q')])
                .collect()
        };
        let mut hosts = if self.hosts.is_empty() {
            let mut h: Vec<String> = others.iter().flat_map(|o| examples(&o.hosts)).collect();
            h.push("zq9.invalid".into());
            h
        } else {
            let mut h = examples(&self.hosts);
            // Their hosts that ours take: the requests where both apply.
            h.extend(others.iter().flat_map(|o| examples(&o.hosts)));
            h
        };
        hosts.sort();
        hosts.dedup();
        let methods: Vec<String> = if self.methods.is_empty() {
            let mut m: Vec<String> = others.iter().flat_map(|o| o.methods.clone()).collect();
            m.push("ZQ".into());
            m.sort();
            m.dedup();
            m
        } else {
            self.methods.clone()
        };
        let ips: Vec<Option<IpAddr>> = if self.source_ips.is_empty() {
            let mut v: Vec<Option<IpAddr>> = others
                .iter()
                .flat_map(|o| o.source_ips.iter().map(|c| Some(c.first())))
                .collect();
            v.push(Some(IpAddr::from([203, 0, 113, 77])));
            v
        } else {
            self.source_ips.iter().map(|c| Some(c.first())).collect()
        };
        let mut out = Vec::new();
        for variant in 0..2 {
            let pick = |globs: &[Glob]| {
                let g = &globs[variant % globs.len()];
                if variant == 0 {
                    example(g, "", 'a')
                } else {
                    example(g, "zq", 'q')
                }
            };
            let headers: Vec<(String, String)> = self
                .headers
                .iter()
                .map(|h| (h.name.clone(), pick(&h.values)))
                .collect();
            let query: Vec<(Option<String>, String)> = self
                .queries
                .iter()
                .map(|q| {
                    let p = &q[variant % q.len()];
                    let value = pick(std::slice::from_ref(&p.value));
                    (p.key.as_ref().map(|k| pick(std::slice::from_ref(k))), value)
                })
                .collect();
            for h in &hosts {
                for m in &methods {
                    for ip in &ips {
                        let req = HttpRequest {
                            path: "/".into(),
                            host: Some(h.clone()),
                            method: Some(m.clone()),
                            headers: headers.clone(),
                            query: query.clone(),
                            source_ip: *ip,
                        };
                        if self.matches(&req) && out.len() < MAX {
                            out.push(req);
                        }
                    }
                }
            }
        }
        out
    }

    /// `host a.example.com or b.example.com`, `method GET`, … one per condition.
    pub fn describe(&self) -> Vec<String> {
        let or = |v: Vec<String>| v.join(" or ");
        let mut out = Vec::new();
        if !self.hosts.is_empty() {
            out.push(format!(
                "host {}",
                or(self.hosts.iter().map(Glob::to_string).collect())
            ));
        }
        if !self.methods.is_empty() {
            out.push(format!("method {}", or(self.methods.clone())));
        }
        for h in &self.headers {
            out.push(format!(
                "header {}: {}",
                h.name,
                or(h.values.iter().map(Glob::to_string).collect())
            ));
        }
        for q in &self.queries {
            out.push(format!("query {}", or(q.iter().map(pair_text).collect())));
        }
        if !self.source_ips.is_empty() {
            out.push(format!(
                "source-ip {}",
                or(self.source_ips.iter().map(Cidr::to_string).collect())
            ));
        }
        out
    }
}

/// A value a glob matches: `*` as `star`, `?` as `one`.
fn example(g: &Glob, star: &str, one: char) -> String {
    g.as_str()
        .chars()
        .map(|c| match c {
            '*' => star.to_string(),
            '?' => one.to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn pair_text(p: &QueryPair) -> String {
    match &p.key {
        Some(k) => format!("{k}={}", p.value),
        None => p.value.to_string(),
    }
}

/// Every pair of `small` (one condition) is taken by a pair of `big`.
fn pairs_covered(small: &[QueryPair], big: &[QueryPair]) -> bool {
    small.iter().all(|s| {
        big.iter().any(|b| {
            let key = match (&b.key, &s.key) {
                (None, _) => true,
                (Some(bk), Some(sk)) => {
                    all_covered(std::slice::from_ref(sk), std::slice::from_ref(bk))
                }
                (Some(_), None) => false,
            };
            key && all_covered(
                std::slice::from_ref(&s.value),
                std::slice::from_ref(&b.value),
            )
        })
    })
}

/// One single-valued dimension, earlier `a` against later `b`: (a takes all b takes,
/// none of b's requests satisfy a). Absent takes everything.
fn one_of<T>(
    a: &[T],
    b: &[T],
    covered: impl Fn(&[T], &[T]) -> bool,
    disjoint: impl Fn(&[T], &[T]) -> bool,
) -> (bool, bool) {
    match (a.is_empty(), b.is_empty()) {
        (true, _) => (true, false),
        (false, true) => (false, false),
        (false, false) => (covered(b, a), disjoint(a, b)),
    }
}

/// Why a value given for a condition cannot be one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConditionError {
    #[error("host '{input}' is not an ALB host-header value: {why}")]
    Host { input: String, why: &'static str },
    #[error("method '{0}' is not an ALB http-request-method value: up to 40 of A-Z, '-' and '_' (methods are case-sensitive, e.g. GET)")]
    Method(String),
    #[error("header '{0}' is not NAME=VALUE")]
    Header(String),
}

/// A host-header value as ALB accepts it ("Host conditions": up to 128 characters
/// of A-Z, a-z, 0-9, '-', '.', '*', '?', at least one '.', and only letters after
/// the last '.'; wildcards count as letters there, as `*.example.*` is accepted).
pub fn parse_host(s: &str) -> Result<Glob, ConditionError> {
    let bad = |why| ConditionError::Host {
        input: s.to_string(),
        why,
    };
    if s.is_empty() || s.len() > 128 {
        return Err(bad("it must be 1 to 128 characters"));
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-.*?".contains(c))
    {
        return Err(bad(
            "only letters, digits, '-', '.', '*' and '?' are allowed",
        ));
    }
    let Some((_, last)) = s.rsplit_once('.') else {
        return Err(bad("it needs at least one '.'"));
    };
    if last.is_empty()
        || !last
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '*' || c == '?')
    {
        return Err(bad("only letters may follow the last '.'"));
    }
    Ok(Glob::new(s))
}

/// An http-request-method value: A-Z, '-', '_', at most 40 characters.
pub fn parse_method(s: &str) -> Result<String, ConditionError> {
    let ok = !s.is_empty()
        && s.len() <= 40
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c == '-' || c == '_');
    ok.then(|| s.to_string())
        .ok_or_else(|| ConditionError::Method(s.to_string()))
}

/// `NAME=VALUE` of a request header.
pub fn parse_header(s: &str) -> Result<(String, String), ConditionError> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(ConditionError::Header(s.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts(h: &[&str]) -> Conditions {
        Conditions {
            hosts: h.iter().map(|s| Glob::new(s)).collect(),
            ..Conditions::default()
        }
    }

    fn methods(m: &[&str]) -> Conditions {
        Conditions {
            methods: m.iter().map(|s| s.to_string()).collect(),
            ..Conditions::default()
        }
    }

    #[test]
    fn values_are_ored_and_conditions_anded() {
        let c = Conditions {
            methods: vec!["GET".into(), "HEAD".into()],
            ..hosts(&["a.example.com", "*.b.com"])
        };
        let mut req = HttpRequest::new("/x");
        assert!(!c.matches(&req), "no host: a host condition fails");
        req.host = Some("X.B.com".into());
        req.method = Some("HEAD".into());
        assert_eq!(
            c.matched(&req),
            Some(vec!["host *.b.com".to_string(), "method HEAD".into()])
        );
        req.method = Some("get".into());
        assert!(!c.matches(&req), "methods are case-sensitive");
        assert!(Conditions::default().matches(&HttpRequest::new("/")));
    }

    #[test]
    fn headers_queries_and_source_ips() {
        let c = Conditions {
            headers: vec![Header {
                name: "X-Env".into(),
                values: vec![Glob::new("blue*")],
            }],
            queries: vec![vec![QueryPair {
                key: Some(Glob::new("v")),
                value: Glob::new("2"),
            }]],
            source_ips: vec![Cidr::parse("10.0.0.0/8").unwrap()],
            ..Conditions::default()
        };
        let mut req = HttpRequest::new("/x?a=1&V=2");
        req.headers = vec![("x-env".into(), "Blue-1".into())];
        req.source_ip = Some("10.1.2.3".parse().unwrap());
        assert!(c.matches(&req), "{:?}", c.matched(&req));
        req.source_ip = Some("11.1.2.3".parse().unwrap());
        assert!(!c.matches(&req));
        assert!(!Cidr::parse("10.0.0.0/8")
            .unwrap()
            .contains("::1".parse().unwrap()));
        assert!(Cidr::parse("::/0")
            .unwrap()
            .contains("::1".parse().unwrap()));
        assert!(Cidr::parse("0.0.0.0/0")
            .unwrap()
            .covers(&Cidr::parse("1.2.3.4/32").unwrap()));
        assert!(Cidr::parse("1.2.3.4/33").is_none());
    }

    #[test]
    fn relations() {
        let any = Conditions::default();
        let a = hosts(&["a.example.com"]);
        let b = hosts(&["b.example.com"]);
        let star = hosts(&["*.example.com"]);
        assert_eq!(any.relation(&a), Relation::Takes);
        assert_eq!(a.relation(&any), Relation::Overlaps);
        assert_eq!(a.relation(&b), Relation::Disjoint);
        assert_eq!(star.relation(&a), Relation::Takes);
        assert_eq!(a.relation(&star), Relation::Overlaps);
        assert_eq!(
            methods(&["GET"]).relation(&methods(&["POST"])),
            Relation::Disjoint
        );
        assert_eq!(
            methods(&["GET", "POST"]).relation(&methods(&["POST"])),
            Relation::Takes
        );
        // Disjoint in one dimension is enough; taking needs every dimension.
        let a_get = Conditions {
            methods: vec!["GET".into()],
            ..a.clone()
        };
        assert_eq!(a_get.relation(&b), Relation::Disjoint);
        assert_eq!(star.relation(&a_get), Relation::Takes);
        assert_eq!(a_get.relation(&a), Relation::Overlaps);
        let h = |v: &str| Conditions {
            headers: vec![Header {
                name: "x-env".into(),
                values: vec![Glob::new(v)],
            }],
            ..Conditions::default()
        };
        assert_eq!(h("*").relation(&h("blue")), Relation::Takes);
        // A request may carry the header twice: never disjoint.
        assert_eq!(h("green").relation(&h("blue")), Relation::Overlaps);
    }

    #[test]
    fn host_and_method_values() {
        assert!(parse_host("a.example.com").is_ok());
        assert!(parse_host("*.example.*").is_ok());
        for bad in ["example", "a_b.com", "a.com1", "", "a.b/c"] {
            assert!(parse_host(bad).is_err(), "{bad}");
        }
        assert!(parse_method("GET").is_ok());
        assert!(parse_method("get").is_err());
        assert_eq!(
            parse_header("X-Env=blue").unwrap(),
            ("X-Env".into(), "blue".into())
        );
        assert!(parse_header("X-Env").is_err());
    }
}
