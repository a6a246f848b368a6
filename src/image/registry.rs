//! A registry's HTTP API (Docker Registry v2 / OCI distribution): which tags a repository
//! has and the digest a tag points at. ECR is asked through its own API instead.

use std::time::Duration;

const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json";

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error("registry {registry} answered {status} for {what}")]
    Status {
        registry: String,
        what: String,
        status: u16,
    },
    #[error("cannot reach registry {registry}: {detail}")]
    Unreachable { registry: String, detail: String },
}

/// `host[:port]/name` split into the registry host and the repository name.
pub fn split(repository: &str) -> (&str, &str) {
    repository
        .split_once('/')
        .unwrap_or(("docker.io", repository))
}

fn base(host: &str) -> String {
    // Loopback registries (tests, local mirrors) speak plain HTTP.
    if host.starts_with("127.0.0.1") || host.starts_with("localhost") {
        format!("http://{host}")
    } else if host == "docker.io" {
        "https://registry-1.docker.io".into()
    } else {
        format!("https://{host}")
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(5))
        .timeout(Duration::from_secs(30))
        .build()
}

/// GET with an anonymous bearer token when the registry asks for one (Docker Hub does).
fn get(url: &str, host: &str, what: &str, head: bool) -> Result<ureq::Response, RegistryError> {
    let agent = agent();
    let request = |token: Option<&str>| {
        let mut r = if head {
            agent.head(url)
        } else {
            agent.get(url)
        };
        r = r.set("Accept", ACCEPT);
        if let Some(t) = token {
            r = r.set("Authorization", &format!("Bearer {t}"));
        }
        // The error holds a whole response; boxed so the closure's result stays small.
        r.call().map_err(Box::new)
    };
    let fail = |status: u16| RegistryError::Status {
        registry: host.to_string(),
        what: what.to_string(),
        status,
    };
    match request(None) {
        Ok(r) => Ok(r),
        Err(e) => match *e {
            ureq::Error::Status(401, resp) => {
                let token = resp
                    .header("WWW-Authenticate")
                    .and_then(anonymous_token_url)
                    .and_then(|u| agent.get(&u).call().ok())
                    .and_then(|r| r.into_json::<serde_json::Value>().ok())
                    .and_then(|j| {
                        j.get("token")
                            .or(j.get("access_token"))
                            .and_then(|t| t.as_str())
                            .map(String::from)
                    })
                    .ok_or_else(|| fail(401))?;
                request(Some(&token)).map_err(|e| match *e {
                    ureq::Error::Status(s, _) => fail(s),
                    other => RegistryError::Unreachable {
                        registry: host.into(),
                        detail: other.to_string(),
                    },
                })
            }
            ureq::Error::Status(s, _) => Err(fail(s)),
            other => Err(RegistryError::Unreachable {
                registry: host.into(),
                detail: other.to_string(),
            }),
        },
    }
}

/// `Bearer realm="…",service="…",scope="…"` → the token URL.
fn anonymous_token_url(header: &str) -> Option<String> {
    let params = header.strip_prefix("Bearer ")?;
    let mut realm = None;
    let mut query = Vec::new();
    for part in params.split(',') {
        let (k, v) = part.split_once('=')?;
        let v = v.trim_matches('"');
        match k.trim() {
            "realm" => realm = Some(v.to_string()),
            key => query.push(format!("{key}={v}")),
        }
    }
    Some(format!("{}?{}", realm?, query.join("&")))
}

/// Tags of a repository; a repository the registry does not know has none.
pub fn tags(repository: &str) -> Result<Vec<String>, RegistryError> {
    let (host, name) = split(repository);
    let url = format!("{}/v2/{name}/tags/list", base(host));
    match get(&url, host, &format!("the tags of {name}"), false) {
        Ok(resp) => {
            let json: serde_json::Value =
                resp.into_json().map_err(|e| RegistryError::Unreachable {
                    registry: host.into(),
                    detail: e.to_string(),
                })?;
            Ok(json["tags"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|t| t.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default())
        }
        Err(RegistryError::Status { status: 404, .. }) => Ok(vec![]),
        Err(e) => Err(e),
    }
}

/// The digest a tag points at, from the manifest's `Docker-Content-Digest`.
pub fn digest(repository: &str, tag: &str) -> Result<Option<String>, RegistryError> {
    let (host, name) = split(repository);
    let url = format!("{}/v2/{name}/manifests/{tag}", base(host));
    match get(&url, host, &format!("{name}:{tag}"), true) {
        Ok(resp) => Ok(resp.header("Docker-Content-Digest").map(String::from)),
        Err(RegistryError::Status { status: 404, .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repositories_split_into_host_and_name() {
        assert_eq!(
            split("127.0.0.1:5000/mysfits/like"),
            ("127.0.0.1:5000", "mysfits/like")
        );
        assert_eq!(base("127.0.0.1:5000"), "http://127.0.0.1:5000");
        assert_eq!(base("docker.io"), "https://registry-1.docker.io");
    }

    #[test]
    fn token_url_from_challenge() {
        let h = r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:a/b:pull""#;
        assert_eq!(
            anonymous_token_url(h).unwrap(),
            "https://auth.docker.io/token?service=registry.docker.io&scope=repository:a/b:pull"
        );
    }
}
