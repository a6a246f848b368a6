//! A compose `healthcheck` as the load balancer's health-check path: only an HTTP GET of
//! the container's own port (`curl -f http://localhost/health`, `wget -qO- …`) maps.

use docker_compose_types::{HealthcheckTest, Service as ComposeService};

/// The path the compose healthcheck GETs, if it is one the load balancer can ask; what
/// does not map is said.
pub(super) fn health_path(
    name: &str,
    s: &ComposeService,
    port: u16,
    dropped: &mut Vec<String>,
) -> Option<String> {
    let hc = s.healthcheck.as_ref()?;
    let words: Vec<String> = match &hc.test {
        _ if hc.disable => return None,
        None => return None,
        Some(HealthcheckTest::Single(cmd)) => cmd.split_whitespace().map(str::to_string).collect(),
        // ["CMD", "curl", …] is argv; ["CMD-SHELL", "curl …"] a shell line; ["NONE"] none.
        Some(HealthcheckTest::Multiple(list)) => match list.first().map(String::as_str) {
            Some("NONE") => return None,
            Some("CMD-SHELL") => list[1..]
                .iter()
                .flat_map(|l| l.split_whitespace())
                .map(str::to_string)
                .collect(),
            Some("CMD") => list[1..].to_vec(),
            _ => list.clone(),
        },
    };
    let mut timing = Vec::new();
    for (key, set) in [
        ("interval", hc.interval.is_some()),
        ("timeout", hc.timeout.is_some()),
        ("retries", hc.retries != 0),
        ("start_period", hc.start_period.is_some()),
    ] {
        if set {
            timing.push(key);
        }
    }
    if !timing.is_empty() {
        dropped.push(format!(
            "{name}: healthcheck {} not carried over: the manifest keeps the lab's quicker checks (set health_check's interval, timeout, thresholds)",
            timing.join(", ")
        ));
    }
    match http_get_path(&words, port) {
        Ok(path) => Some(path),
        Err(why) => {
            dropped.push(format!(
                "{name}: healthcheck `{}` not carried over: {why}; the load balancer checks / (set health_check in the manifest)",
                words.join(" ")
            ));
            None
        }
    }
}

/// The path of `curl`/`wget` fetching `http://localhost[:port]/path` (or 127.0.0.1).
fn http_get_path(words: &[String], port: u16) -> Result<String, String> {
    let tool = words
        .iter()
        .map(|w| w.rsplit('/').next().unwrap_or(w))
        .find(|w| matches!(*w, "curl" | "wget"));
    if tool.is_none() {
        return Err("it is not an HTTP GET by curl or wget".into());
    }
    if words.iter().any(|w| {
        matches!(
            w.as_str(),
            "-X" | "--request" | "-d" | "--data" | "--post-data"
        )
    }) {
        return Err("it is not a plain GET".into());
    }
    let url = words
        .iter()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\''))
        .find_map(|w| w.strip_prefix("http://"))
        .ok_or("it fetches no http:// URL")?;
    let (host, path) = match url.find('/') {
        Some(i) => (&url[..i], &url[i..]),
        None => (url, "/"),
    };
    let (host, url_port) = match host.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>().map_err(|_| "its URL has no port number")?,
        ),
        None => (host, 80),
    };
    if !matches!(host, "localhost" | "127.0.0.1") {
        return Err(format!("it asks {host}, not the container itself"));
    }
    if url_port != port {
        return Err(format!(
            "it asks port {url_port}, and the load balancer checks the service's port {port}"
        ));
    }
    // ALB's health-check path takes no query string.
    Ok(path.split('?').next().unwrap_or(path).to_string())
}
