//! `mysfits init --from-compose`: a compose file mapped onto the manifest. What the
//! manifest can hold is carried over (services, build contexts, the container port,
//! environment, an HTTP health-check path, the service publishing port 80 as the default
//! route); everything else is said, one line per item, as `ecs-cli compose` did.

mod fields;
mod probe;
#[cfg(test)]
mod tests;

use std::path::{Component, Path, PathBuf};

use docker_compose_types::{BuildStep, Compose, Service as ComposeService};

use crate::manifest::{Manifest, ManifestError};

/// The manifest written from a compose file, and what could not be carried over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FromCompose {
    /// The manifest's text, checked by `Manifest::parse`.
    pub manifest: String,
    /// One line per compose item the manifest cannot hold, e.g. "users: volumes (…) not carried over: …".
    pub dropped: Vec<String>,
    /// The default-route service.
    pub default_service: String,
    /// The other services: no route until `split SERVICE --path PATTERN` gives one.
    pub unrouted: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ComposeError {
    #[error("{source_name}:{line}: not a compose file: {message}")]
    NotYaml {
        source_name: String,
        line: usize,
        message: String,
    },
    #[error("{0}: declares no services")]
    NoServices(String),
    #[error("{source_name}: service '{service}' has neither `image` nor `build`")]
    NoImageOrBuild {
        source_name: String,
        service: String,
    },
    #[error("{source_name}: none of the services {} publishes port 80, so none is the default route", .services.join(", "))]
    NoDefault {
        source_name: String,
        services: Vec<String>,
    },
    #[error("{source_name}: {} all publish port 80; one service owns the default route", .services.join(" and "))]
    SeveralDefaults {
        source_name: String,
        services: Vec<String>,
    },
    /// What was mapped is not a valid manifest (a service name with `_`, a port 0…):
    /// the manifest's message, without the line of a text the user never saw.
    #[error("{source_name}: it maps to a manifest mysfits refuses: {message}")]
    Manifest {
        source_name: String,
        message: String,
    },
}

/// What a service of the compose file became, before it is written out.
struct Mapped {
    name: String,
    build: Option<String>,
    image: Option<String>,
    port: u16,
    publishes_80: bool,
    health_path: Option<String>,
    environment: Vec<(String, String)>,
}

/// Maps the compose file's text. `build_prefix` is the compose file's directory as seen
/// from the manifest's (compose build contexts are relative to the compose file, the
/// manifest's to the manifest).
pub fn from_compose(
    text: &str,
    source_name: &str,
    build_prefix: &Path,
) -> Result<FromCompose, ComposeError> {
    let compose: Compose = serde_yaml_ng::from_str(text).map_err(|e| ComposeError::NotYaml {
        source_name: source_name.to_string(),
        line: e.location().map(|l| l.line()).unwrap_or(1),
        message: {
            let m = e.to_string();
            m.split(" at line ").next().unwrap_or(&m).to_string()
        },
    })?;
    let mut dropped = fields::top_level(&compose);
    let mut mapped = Vec::new();
    for (name, service) in &compose.services.0 {
        let Some(service) = service else {
            return Err(ComposeError::NoImageOrBuild {
                source_name: source_name.into(),
                service: name.clone(),
            });
        };
        // A container sharing another's network (`network_mode: service:app`) is that
        // service's sidecar: one task, several containers, which the manifest cannot say yet.
        if let Some(app) = service
            .network_mode
            .as_deref()
            .and_then(|m| m.strip_prefix("service:"))
        {
            dropped.push(format!(
                "{name}: a sidecar of {app} (network_mode: service:{app}) not carried over: a manifest service has one container, so {app}'s task definition gets no second container"
            ));
            continue;
        }
        mapped.push(map_service(
            name,
            service,
            source_name,
            build_prefix,
            &mut dropped,
        )?);
    }
    if mapped.is_empty() {
        return Err(ComposeError::NoServices(source_name.into()));
    }
    let default = default_service(&mapped, source_name)?;
    let manifest = render(&mapped, &default, source_name);
    Manifest::parse(&manifest, source_name, Path::new(".")).map_err(|e| {
        ComposeError::Manifest {
            source_name: source_name.into(),
            message: match e {
                ManifestError::Invalid { message, .. } => message,
                other => other.to_string(),
            },
        }
    })?;
    Ok(FromCompose {
        manifest,
        dropped,
        unrouted: mapped
            .iter()
            .map(|m| m.name.clone())
            .filter(|n| *n != default)
            .collect(),
        default_service: default,
    })
}

fn map_service(
    name: &str,
    s: &ComposeService,
    source_name: &str,
    build_prefix: &Path,
    dropped: &mut Vec<String>,
) -> Result<Mapped, ComposeError> {
    let build = s.build_.as_ref().map(|b| {
        let context = match b {
            BuildStep::Simple(c) => c.as_str(),
            BuildStep::Advanced(a) => a.context.as_str(),
        };
        normalize(&build_prefix.join(context))
    });
    if let Some(BuildStep::Advanced(a)) = &s.build_ {
        if a.dockerfile.is_some() || a.args.is_some() || a.target.is_some() {
            dropped.push(format!(
                "{name}: build dockerfile/args/target not carried over: the manifest builds the context's Dockerfile (pass --build-arg to deploy)"
            ));
        }
    }
    if build.is_none() && s.image.is_none() {
        return Err(ComposeError::NoImageOrBuild {
            source_name: source_name.into(),
            service: name.into(),
        });
    }
    let ports = fields::ports(name, s, dropped);
    let port = ports.first().map(|p| p.container).unwrap_or(80);
    let health_path = probe::health_path(name, s, port, dropped);
    let environment = fields::environment(name, s, dropped);
    dropped.extend(fields::unsupported(name, s));
    Ok(Mapped {
        name: name.into(),
        build: build.map(|b| b.display().to_string()),
        image: s.image.clone().filter(|_| s.build_.is_none()),
        port,
        publishes_80: ports.iter().any(|p| p.published == Some(80)),
        health_path,
        environment,
    })
}

/// The service publishing port 80; else the only service there is.
fn default_service(mapped: &[Mapped], source_name: &str) -> Result<String, ComposeError> {
    let on_80: Vec<String> = mapped
        .iter()
        .filter(|m| m.publishes_80)
        .map(|m| m.name.clone())
        .collect();
    match (on_80.as_slice(), mapped) {
        ([one], _) => Ok(one.clone()),
        ([], [only]) => Ok(only.name.clone()),
        ([], _) => Err(ComposeError::NoDefault {
            source_name: source_name.into(),
            services: mapped.iter().map(|m| m.name.clone()).collect(),
        }),
        (several, _) => Err(ComposeError::SeveralDefaults {
            source_name: source_name.into(),
            services: several.to_vec(),
        }),
    }
}

fn render(mapped: &[Mapped], default: &str, source_name: &str) -> String {
    let mut out = format!(
        "# mysfits.yaml, from {source_name} by `mysfits init --from-compose`.\n\
         # Build contexts are relative to this file.\n\
         services:\n"
    );
    for m in mapped {
        out.push_str(&format!("  - name: {}\n", m.name));
        match (&m.build, &m.image) {
            (Some(b), _) => out.push_str(&format!("    build: {}\n", quote(b))),
            (None, Some(image)) => out.push_str(&format!(
                "    # image {image}, built elsewhere: `mysfits deploy {} --image {image}`\n",
                m.name
            )),
            (None, None) => {}
        }
        out.push_str(&format!("    port: {}\n", m.port));
        if let Some(path) = &m.health_path {
            out.push_str(&format!("    health_check: {}\n", quote(path)));
        }
        if m.name == default {
            out.push_str("    route: default\n");
        } else {
            out.push_str(&format!(
                "    # No route until you split it: `mysfits split {} --path PATTERN`, or set `route:`.\n",
                m.name
            ));
        }
        if !m.environment.is_empty() {
            out.push_str("    environment:\n");
            for (k, v) in &m.environment {
                out.push_str(&format!("      {}: {}\n", quote(k), quote(v)));
            }
        }
    }
    out
}

/// A YAML scalar: as it is when plain, else double-quoted (a JSON string is YAML).
fn quote(s: &str) -> String {
    // `*` and `-` only inside: first, they start an alias or a list item.
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-*".contains(c))
        && !s.starts_with(['-', '*'])
        && s.parse::<f64>().is_err()
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).expect("a string serializes")
    }
}

/// `a/./b/../c` → `a/c`, lexically; `.` for nothing.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir
                if out
                    .components()
                    .next_back()
                    .is_some_and(|l| matches!(l, Component::Normal(_))) =>
            {
                out.pop();
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        out
    }
}

/// `to` as seen from `from`, both absolute and lexically normal: the compose file's
/// directory from the manifest's.
pub fn relative(from: &Path, to: &Path) -> PathBuf {
    let (from, to) = (normalize(from), normalize(to));
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    normalize(&out)
}
