//! The manifest (`mysfits.yaml`): which services the lab has, how they are built,
//! sized and routed. Every error names the file, the line and the key.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::alb::{check_rule, PathPattern, MAX_VALUES};
use crate::health::{draining_from_raw, HealthCheck, RawHealthCheck, Seconds};
use crate::names::{check_dns_name, NameError, SERVICE_MAX};
use crate::platform::Platform;

/// The built-in lab: the Mythical Mysfits monolith, its like-service and clicks-service.
pub const DEFAULT_MANIFEST: &str = include_str!("../../../examples/mysfits.yaml");
pub const DEFAULT_NAME: &str = "mysfits.yaml";
/// Placeholders an environment value may use, resolved from the core stack.
pub const PLACEHOLDERS: [&str; 5] = ["alb_dns", "table", "region", "lab", "clicks_stream"];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    /// An existing listener to add to, instead of the lab's own load balancer.
    attach: Option<crate::attach::RawAttach>,
    services: Vec<RawService>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    name: String,
    /// Absent for an image built elsewhere (a CI pipeline): deployed with `--image` or
    /// `--tag … --no-build` only.
    build: Option<PathBuf>,
    #[serde(default = "default_port")]
    port: u16,
    #[serde(default = "default_cpu")]
    cpu: u32,
    #[serde(default = "default_memory")]
    memory: u32,
    health_check: Option<RawHealthCheck>,
    draining: Option<Seconds>,
    #[serde(default = "default_count")]
    count: u32,
    /// Absent for a service not split out yet: deployed, but no rule until
    /// `split SERVICE --path PATTERN` gives its paths.
    route: Option<RawRoute>,
    /// Host-header values ANDed with the route's paths (one or a list).
    host: Option<RawRoute>,
    #[serde(default)]
    environment: BTreeMap<String, String>,
    platform: Option<String>,
    split_needs: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawRoute {
    One(String),
    Many(Vec<String>),
}

fn default_port() -> u16 {
    80
}
fn default_cpu() -> u32 {
    256
}
fn default_memory() -> u32 {
    512
}
fn default_count() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The listener's default action.
    Default,
    /// A listener rule with these path patterns.
    Paths(Vec<PathPattern>),
    /// No route yet: its rule's paths come from `split --path`.
    Unset,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    pub name: String,
    /// Build context, resolved against the manifest's directory; `None` when the
    /// service's images are built elsewhere and `deploy` never builds it.
    pub build: Option<PathBuf>,
    pub port: u16,
    pub cpu: u32,
    pub memory: u32,
    pub health_check: HealthCheck,
    /// Seconds a deregistered target keeps its in-flight requests (ALB's deregistration delay).
    pub draining: u32,
    pub count: u32,
    pub route: Route,
    /// `host:`: a host-header condition on the service's rule (empty: any host).
    pub hosts: Vec<crate::alb::Glob>,
    pub environment: BTreeMap<String, String>,
    /// What the image is built for and the tasks run on.
    pub platform: Platform,
    /// What the rest of the app (the monolith) must do once this service is split out;
    /// `split` says it as a `note:`.
    pub split_needs: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Manifest {
    pub services: Vec<Service>,
    /// Attached to an existing listener: the default service is not mysfits' own.
    pub attach: Option<crate::attach::AttachSpec>,
    /// No manifest file: the built-in lab, whose build contexts are in the working
    /// directory only where `mysfits init` wrote them.
    pub built_in: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("cannot read manifest {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{source_name}:{line}: {message}")]
    Invalid {
        source_name: String,
        line: usize,
        message: String,
    },
}

impl Manifest {
    /// `--manifest PATH`, else `./mysfits.yaml` when present, else the built-in lab.
    pub fn load(path: Option<&Path>) -> Result<Self, ManifestError> {
        let path = match path {
            Some(p) => Some(p.to_path_buf()),
            None => Some(PathBuf::from(DEFAULT_NAME)).filter(|p| p.is_file()),
        };
        match path {
            None => Ok(Self {
                built_in: true,
                ..Self::parse(DEFAULT_MANIFEST, "built-in manifest", Path::new("."))?
            }),
            Some(path) => {
                let text =
                    std::fs::read_to_string(&path).map_err(|source| ManifestError::Read {
                        path: path.display().to_string(),
                        source,
                    })?;
                // Build contexts are relative to the manifest, so it works from any directory.
                let base = path.parent().unwrap_or(Path::new("."));
                Self::parse(&text, &path.display().to_string(), base)
            }
        }
    }

    pub fn parse(text: &str, source_name: &str, base: &Path) -> Result<Self, ManifestError> {
        let invalid = |line: usize, message: String| ManifestError::Invalid {
            source_name: source_name.to_string(),
            line,
            message,
        };
        let raw: RawManifest = serde_yaml_ng::from_str(text).map_err(|e| {
            let line = e.location().map(|l| l.line()).unwrap_or(1);
            // serde_yaml appends " at line X column Y"; the prefix already says where.
            let msg = e.to_string();
            let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
            invalid(line, msg)
        })?;
        if raw.services.is_empty() {
            return Err(invalid(
                line_of(text, "services", 0),
                "services: the list is empty; declare at least the service on the default route"
                    .into(),
            ));
        }
        let attach = match raw.attach {
            None => None,
            Some(a) => Some(
                a.check()
                    .map_err(|message| invalid(line_of(text, "attach", 0), message))?,
            ),
        };
        let mut names = HashSet::new();
        let mut patterns: Vec<(String, String)> = Vec::new();
        let mut default_owner: Option<String> = None;
        let mut services = Vec::new();
        for (i, raw) in raw.services.into_iter().enumerate() {
            let at = line_of(text, &format!("name: {}", raw.name), 0);
            let key = |k: &str| format!("services[{i}].{k}");
            check_dns_name("service name", &raw.name, SERVICE_MAX)
                .map_err(|e: NameError| invalid(at, format!("{}: {e}", key("name"))))?;
            if !names.insert(raw.name.clone()) {
                return Err(invalid(
                    at,
                    format!("{}: service '{}' is declared twice", key("name"), raw.name),
                ));
            }
            let route = match raw.route {
                None => Route::Unset,
                Some(RawRoute::One(s)) if s == "default" => {
                    if let Some(owner) = &default_owner {
                        return Err(invalid(line_of(text, "route: default", at), format!(
                            "{}: duplicate route 'default': {owner} already has it; one service owns the default route",
                            key("route")
                        )));
                    }
                    default_owner = Some(raw.name.clone());
                    Route::Default
                }
                Some(RawRoute::One(s)) => {
                    Route::Paths(vec![parse_pattern(text, at, &key("route"), &s, &invalid)?])
                }
                Some(RawRoute::Many(list)) if list.len() > MAX_VALUES => {
                    return Err(invalid(
                        at,
                        format!(
                            "{}: {} patterns, but one ALB rule takes at most {MAX_VALUES}",
                            key("route"),
                            list.len()
                        ),
                    ));
                }
                Some(RawRoute::Many(list)) if list.is_empty() => {
                    return Err(invalid(at, format!("{}: the list is empty", key("route"))));
                }
                Some(RawRoute::Many(list)) => Route::Paths(
                    list.iter()
                        .map(|s| parse_pattern(text, at, &key("route"), s, &invalid))
                        .collect::<Result<_, _>>()?,
                ),
            };
            let hosts = match raw.host {
                None => Vec::new(),
                Some(RawRoute::One(h)) => vec![h],
                Some(RawRoute::Many(list)) => list,
            }
            .iter()
            .map(|h| crate::alb::parse_host(h))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| invalid(line_of(text, "host:", at), format!("{}: {e}", key("host"))))?;
            if route == Route::Default && !hosts.is_empty() {
                return Err(invalid(
                    line_of(text, "host:", at),
                    format!("{}: the default route takes every host no rule takes; put `host:` on a routed service", key("host")),
                ));
            }
            // The same path on another host is another route.
            let on = |p: &PathPattern| {
                let h: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
                format!("{} {}", p.as_str(), h.join(","))
            };
            if let Route::Paths(ps) = &route {
                check_rule(ps).map_err(|e| invalid(at, format!("{}: {e}", key("route"))))?;
                for p in ps {
                    if let Some((owner, _)) = patterns.iter().find(|(_, q)| *q == on(p)) {
                        return Err(invalid(
                            line_of(text, p.as_str(), at),
                            format!(
                                "{}: duplicate route '{}': {owner} already routes it",
                                key("route"),
                                p.as_str()
                            ),
                        ));
                    }
                    patterns.push((raw.name.clone(), on(p)));
                }
            }
            if raw.port == 0 {
                return Err(invalid(
                    line_of(text, "port:", at),
                    format!("{}: port 0 is not a port; use 1-65535", key("port")),
                ));
            }
            if !fargate_size_ok(raw.cpu, raw.memory) {
                return Err(invalid(line_of(text, "memory:", at), format!(
                    "{}: Fargate has no size with cpu {} and memory {} MiB; e.g. cpu 256 takes memory 512, 1024 or 2048",
                    key("cpu/memory"),
                    raw.cpu,
                    raw.memory
                )));
            }
            let bad = |b: crate::health::Bad| {
                invalid(
                    line_of(text, &b.needle, at),
                    format!("{}: {}", key(&b.key), b.message),
                )
            };
            let health_check = HealthCheck::from_raw(raw.health_check).map_err(bad)?;
            let draining = draining_from_raw(raw.draining).map_err(bad)?;
            for (var, value) in &raw.environment {
                if let Some(bad) = unknown_placeholder(value) {
                    return Err(invalid(
                        line_of(text, var, at),
                        format!(
                            "{}: unknown placeholder '${{{bad}}}'; known: {}",
                            key(&format!("environment.{var}")),
                            PLACEHOLDERS.map(|p| format!("${{{p}}}")).join(", ")
                        ),
                    ));
                }
            }
            let platform = match raw.platform.as_deref() {
                None => Platform::default(),
                Some(p) => Platform::parse(p).ok_or_else(|| {
                    invalid(
                        line_of(text, "platform:", at),
                        format!(
                            "{}: '{p}' is not a Fargate platform; use linux/amd64 (the default) or linux/arm64",
                            key("platform")
                        ),
                    )
                })?,
            };
            services.push(Service {
                // Relative to the manifest's directory; kept as written when that is `.`.
                build: raw.build.map(|b| {
                    if base == Path::new(".") || base.as_os_str().is_empty() {
                        b
                    } else {
                        base.join(b)
                    }
                }),
                name: raw.name,
                port: raw.port,
                cpu: raw.cpu,
                memory: raw.memory,
                health_check,
                draining,
                count: raw.count,
                route,
                hosts,
                environment: raw.environment,
                platform,
                split_needs: raw
                    .split_needs
                    .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|n| !n.is_empty()),
            });
        }
        if default_owner.is_none() {
            return Err(invalid(line_of(text, "services", 0), "services: no service has `route: default`; the listener's default action needs one (the monolith)".into()));
        }
        Ok(Self {
            services,
            attach,
            built_in: false,
        })
    }

    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The service behind the listener's default action.
    pub fn default_service(&self) -> &Service {
        self.services
            .iter()
            .find(|s| s.route == Route::Default)
            .expect("validated: one service has the default route")
    }

    /// Attached, the default service is someone else's: never deployed, scaled or run.
    pub fn is_foreign(&self, service: &Service) -> bool {
        self.attach.is_some() && service.route == Route::Default
    }

    pub fn names(&self) -> Vec<&str> {
        self.services.iter().map(|s| s.name.as_str()).collect()
    }
}

impl Service {
    /// The `deploy` that gives the service a revision: a built tag, or (without `build:`)
    /// an image from elsewhere.
    pub fn deploy_command(&self) -> String {
        match self.build {
            Some(_) => format!("mysfits deploy {} --tag v1", self.name),
            None => format!("mysfits deploy {} --image URI", self.name),
        }
    }
}

fn parse_pattern(
    text: &str,
    at: usize,
    key: &str,
    s: &str,
    invalid: &dyn Fn(usize, String) -> ManifestError,
) -> Result<PathPattern, ManifestError> {
    PathPattern::parse(s)
        .map_err(|e| invalid(line_of(text, s, at), format!("{key}: {}", e.explain(s))))
}

/// Line (1-based) of the first occurrence of `needle` at or after line `from`; the
/// typed structs have no spans, and the text is small.
fn line_of(text: &str, needle: &str, from: usize) -> usize {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .unwrap_or(from.max(1))
}

fn unknown_placeholder(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let end = after.find('}')?;
        let name = &after[..end];
        if !PLACEHOLDERS.contains(&name) {
            return Some(name.to_string());
        }
        rest = &after[end + 1..];
    }
    None
}

/// Resolves `${name}` placeholders from `values`.
pub fn resolve(value: &str, values: &BTreeMap<&str, String>) -> String {
    let mut out = value.to_string();
    for (k, v) in values {
        out = out.replace(&format!("${{{k}}}"), v);
    }
    out
}

/// Fargate's task sizes (cpu units → allowed memory in MiB).
pub fn fargate_size_ok(cpu: u32, memory: u32) -> bool {
    let (lo, hi, step) = match cpu {
        256 => return matches!(memory, 512 | 1024 | 2048),
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return false,
    };
    (lo..=hi).contains(&memory) && (memory - lo).is_multiple_of(step)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, "mysfits.yaml", Path::new("."))
    }

    #[test]
    fn built_in_manifest_is_the_lab() {
        let m = parse(DEFAULT_MANIFEST).unwrap();
        assert_eq!(
            m.names(),
            ["monolith-service", "like-service", "clicks-service"]
        );
        let clicks = m.service("clicks-service").unwrap();
        assert_eq!(clicks.environment["CLICKS_STREAM"], "${clicks_stream}");
        assert_eq!(m.default_service().name, "monolith-service");
        let like = m.service("like-service").unwrap();
        assert_eq!(
            like.route,
            Route::Paths(vec![PathPattern::parse("/mysfits/*/like").unwrap()])
        );
        assert_eq!(like.environment["MONOLITH_URL"], "${alb_dns}");
        let needs = like.split_needs.as_deref().unwrap();
        assert!(needs.contains("POST /mysfits/<id>/fulfill-like"), "{needs}");
        assert!(needs.contains("--tag nolike"), "{needs}");
        assert_eq!(m.default_service().split_needs, None);
        assert_eq!((like.port, like.cpu, like.memory), (80, 256, 512));
    }

    #[test]
    fn threads_example_manifest_parses() {
        let text = include_str!("../../../examples/threads-api/mysfits.yaml");
        let m = parse(text).unwrap();
        assert!(m.services.len() >= 4, "{:?}", m.names());
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let text = "services:\n  - name: web\n    build: .\n    prot: 80\n    route: default\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.starts_with("mysfits.yaml:4:"), "{err}");
        assert!(err.contains("unknown field `prot`"), "{err}");
    }

    #[test]
    fn duplicate_route_is_an_error() {
        let text = "services:\n  - name: a\n    build: .\n    route: default\n  - name: b\n    build: .\n    route: /x/*\n  - name: c\n    build: .\n    route: /x/*\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("duplicate route '/x/*'"), "{err}");
        assert!(err.contains("b already routes it"), "{err}");
        assert!(err.starts_with("mysfits.yaml:10:"), "{err}");
    }

    #[test]
    fn a_service_without_a_route_is_not_routed_yet() {
        let text = "services:\n  - name: a\n    build: .\n    route: default\n  - name: b\n    build: .\n  - name: c\n    build: .\n";
        let m = parse(text).unwrap();
        assert_eq!(m.service("b").unwrap().route, Route::Unset);
        assert_eq!(m.service("c").unwrap().route, Route::Unset);
        // Still exactly one service on the default route.
        let none = "services:\n  - name: a\n    build: .\n";
        assert!(parse(none)
            .unwrap_err()
            .to_string()
            .contains("no service has `route: default`"));
    }

    #[test]
    fn two_default_routes_is_an_error() {
        let text = "services:\n  - name: a\n    build: .\n    route: default\n  - name: b\n    build: .\n    route: default\n";
        let err = parse(text).unwrap_err().to_string();
        assert!(err.contains("duplicate route 'default'"), "{err}");
        assert!(err.starts_with("mysfits.yaml:7:"), "{err}");
    }

    #[test]
    fn bad_values_are_errors() {
        let cases = [
            ("services:\n  - name: a\n    build: .\n    route: default\n    cpu: 256\n    memory: 4096\n", "Fargate has no size"),
            ("services:\n  - name: a\n    build: .\n    route: '/m/{id}'\n", "does not allow"),
            ("services:\n  - name: a\n    build: .\n    route: default\n    health_check: health\n", "must be a path"),
            ("services:\n  - name: Web\n    build: .\n    route: default\n", "service name 'Web'"),
            ("services:\n  - name: a\n    build: .\n    route: /a\n", "no service has `route: default`"),
            ("services:\n  - name: a\n    build: .\n    route: default\n    environment:\n      X: ${albdns}\n", "unknown placeholder '${albdns}'"),
            ("services:\n  - name: a\n    build: .\n    route: default\n    port: 70000\n", "port"),
            ("services: []\n", "the list is empty"),
            ("services:\n  - name: a\n    build: .\n    route: default\n  - name: b\n    build: .\n    route: [/1, /2, /3, /4, /5, /6]\n", "at most 5"),
            ("services:\n  - name: a\n    build: .\n    route: default\n  - name: a\n    build: .\n    route: /b\n", "declared twice"),
            ("services:\n  - name: a\n    build: .\n    route: default\n    platform: linux/arm\n", "services[0].platform: 'linux/arm' is not a Fargate platform"),
        ];
        for (text, want) in cases {
            let err = parse(text).unwrap_err().to_string();
            assert!(err.contains(want), "{want:?} not in {err:?}");
            assert!(err.starts_with("mysfits.yaml:"), "{err}");
        }
    }

    #[test]
    fn platform_defaults_to_amd64_and_takes_arm64() {
        let text = "services:\n  - name: a\n    build: .\n    route: default\n  - name: b\n    build: .\n    route: /b\n    platform: linux/arm64\n";
        let m = parse(text).unwrap();
        assert_eq!(m.service("a").unwrap().platform, Platform::Amd64);
        assert_eq!(m.service("b").unwrap().platform, Platform::Arm64);
        let err = parse(&text.replace("linux/arm64", "arm64"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mysfits.yaml:8: "), "{err}");
    }

    #[test]
    fn build_contexts_are_relative_to_the_manifest() {
        let text = "services:\n  - name: a\n    build: app\n    route: default\n  - name: b\n    build: /abs/b\n    route: /b\n";
        let m = Manifest::parse(text, "x", Path::new("/srv/lab")).unwrap();
        assert_eq!(
            m.service("a").unwrap().build.as_deref(),
            Some(Path::new("/srv/lab/app"))
        );
        assert_eq!(
            m.service("b").unwrap().build.as_deref(),
            Some(Path::new("/abs/b"))
        );
    }

    /// Images built elsewhere (a CI pipeline) need no build context.
    #[test]
    fn build_is_optional() {
        let text = "services:\n  - name: a\n    route: default\n  - name: b\n    build: b\n    route: /b\n";
        let m = Manifest::parse(text, "x", Path::new("/srv/lab")).unwrap();
        let a = m.service("a").unwrap();
        assert_eq!(a.build, None);
        assert_eq!(a.deploy_command(), "mysfits deploy a --image URI");
        let b = m.service("b").unwrap();
        assert_eq!(b.build.as_deref(), Some(Path::new("/srv/lab/b")));
        assert_eq!(b.deploy_command(), "mysfits deploy b --tag v1");
        // Still a path when given: a list is named as an error at its line.
        let err = parse("services:\n  - name: a\n    build: [x]\n    route: default\n")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("mysfits.yaml:3:"), "{err}");
    }

    #[test]
    fn fargate_sizes() {
        assert!(fargate_size_ok(256, 512));
        assert!(!fargate_size_ok(256, 4096));
        assert!(fargate_size_ok(1024, 3072));
        assert!(!fargate_size_ok(1024, 3000));
        assert!(!fargate_size_ok(300, 1024));
    }

    #[test]
    fn placeholders_resolve() {
        let values = BTreeMap::from([
            ("alb_dns", "lb.example".to_string()),
            ("table", "t".to_string()),
        ]);
        assert_eq!(
            resolve("http://${alb_dns}/x?${table}", &values),
            "http://lb.example/x?t"
        );
    }

    #[test]
    fn host_is_a_host_condition_and_the_same_path_on_another_host_is_another_route() {
        let text = "services:\n  - name: a\n    build: .\n    route: default\n  - name: b\n    build: .\n    route: /x/*\n    host: b.example.com\n  - name: c\n    build: .\n    route: /x/*\n    host: [c.example.com, '*.c.example.com']\n";
        let m = parse(text).unwrap();
        assert_eq!(
            m.service("b").unwrap().hosts,
            [crate::alb::Glob::new("b.example.com")]
        );
        assert_eq!(m.service("c").unwrap().hosts.len(), 2);
        let bad = text.replace("b.example.com", "b_example");
        let err = parse(&bad).unwrap_err().to_string();
        assert!(
            err.contains("services[1].host: host 'b_example' is not an ALB host-header value"),
            "{err}"
        );
    }
}
