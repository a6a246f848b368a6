//! A compose service's ports and environment as the manifest takes them, and the keys it
//! has no place for, one line each.

use docker_compose_types::{
    Compose, Environment, Ports, PublishedPort, Service as ComposeService, SingleValue,
};

/// One `ports:` entry: the container port, and the host port it is published on.
pub(super) struct Port {
    pub container: u16,
    pub published: Option<u16>,
}

/// Top-level sections no service of the manifest can use.
pub(super) fn top_level(c: &Compose) -> Vec<String> {
    let mut out = Vec::new();
    if !c.volumes.is_empty() {
        out.push(
            "volumes (top level) not carried over: Fargate tasks here get no named volumes"
                .to_string(),
        );
    }
    if !c.networks.is_empty() {
        out.push("networks (top level) not carried over: every task joins the lab's VPC, behind its load balancer".to_string());
    }
    if c.secrets.is_some() {
        out.push(
            "secrets (top level) not carried over: put them in Secrets Manager or SSM by hand"
                .to_string(),
        );
    }
    out
}

/// The service's ports, the container's first; those the manifest cannot use are said.
pub(super) fn ports(name: &str, s: &ComposeService, dropped: &mut Vec<String>) -> Vec<Port> {
    let mut out = Vec::new();
    let mut unreadable = Vec::new();
    match &s.ports {
        Ports::Short(list) => {
            for p in list {
                match short_port(p) {
                    Some(p) => out.push(p),
                    None => unreadable.push(p.clone()),
                }
            }
        }
        Ports::Long(list) => out.extend(list.iter().map(|p| Port {
            container: p.target,
            published: match &p.published {
                Some(PublishedPort::Single(n)) => Some(*n),
                Some(PublishedPort::Range(r)) => r.parse().ok(),
                None => None,
            },
        })),
    }
    if out.is_empty() {
        // `expose:` names container ports without publishing them.
        if let Some(p) = s.expose.iter().find_map(|e| short_port(e)) {
            out.push(Port {
                published: None,
                ..p
            });
        }
    }
    for p in unreadable {
        dropped.push(format!(
            "{name}: port '{p}' not carried over: not a single container port (a range, or UDP)"
        ));
    }
    if out.len() > 1 {
        let rest: Vec<String> = out[1..].iter().map(|p| p.container.to_string()).collect();
        dropped.push(format!(
            "{name}: ports {} not carried over: the load balancer reaches one port per service ({})",
            rest.join(", "),
            out[0].container
        ));
    }
    out
}

/// `80`, `8080:80`, `127.0.0.1:8080:80`, `80/tcp`: the last number is the container's,
/// the one before it the host's. Ranges and UDP are not one port.
fn short_port(p: &str) -> Option<Port> {
    let (p, proto) = p.split_once('/').unwrap_or((p, "tcp"));
    if proto != "tcp" {
        return None;
    }
    let parts: Vec<&str> = p.rsplitn(3, ':').collect();
    let container = parts.first()?.parse().ok()?;
    let published = match parts.get(1) {
        Some(h) => Some(h.parse().ok()?),
        None => None,
    };
    Some(Port {
        container,
        published,
    })
}

/// `KEY: value` and `KEY=value`; a variable taken from the host's environment or
/// interpolated from it (`${VAR}`) has no value here, and is said.
pub(super) fn environment(
    name: &str,
    s: &ComposeService,
    dropped: &mut Vec<String>,
) -> Vec<(String, String)> {
    let pairs: Vec<(String, Option<String>)> = match &s.environment {
        Environment::List(list) => list
            .iter()
            .map(|e| match e.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (e.clone(), None),
            })
            .collect(),
        Environment::KvPair(map) => map
            .iter()
            .map(|(k, v)| (k.clone(), v.as_ref().map(single)))
            .collect(),
    };
    let mut out = Vec::new();
    for (k, v) in pairs {
        match v {
            Some(v) if !v.contains('$') => out.push((k, v)),
            Some(v) => dropped.push(format!(
                "{name}: environment {k}={v} not carried over: compose fills it from the host's environment; set it in the manifest"
            )),
            None => dropped.push(format!(
                "{name}: environment {k} not carried over: it has no value (compose takes it from the host's environment)"
            )),
        }
    }
    out
}

fn single(v: &SingleValue) -> String {
    v.to_string()
}

/// Keys of a service the manifest has no place for, one line each, with why.
pub(super) fn unsupported(name: &str, s: &ComposeService) -> Vec<String> {
    let items: [(&str, bool, &str); 32] = [
        (
            "volumes",
            !s.volumes.is_empty(),
            "Fargate tasks here get no host or named volumes",
        ),
        (
            "volumes_from",
            !s.volumes_from.is_empty(),
            "Fargate tasks here get no volumes",
        ),
        (
            "networks",
            !s.networks.is_empty(),
            "every task joins the lab's VPC, behind its load balancer",
        ),
        (
            "network_mode",
            s.network_mode.is_some(),
            "Fargate tasks use awsvpc networking",
        ),
        (
            "links",
            !s.links.is_empty(),
            "services reach each other through the load balancer",
        ),
        (
            "depends_on",
            !s.depends_on.is_empty(),
            "ECS starts services independently; deploy them in order",
        ),
        (
            "privileged",
            s.privileged,
            "Fargate runs no privileged containers",
        ),
        (
            "cap_add",
            !s.cap_add.is_empty(),
            "the manifest sets no Linux capabilities",
        ),
        (
            "cap_drop",
            !s.cap_drop.is_empty(),
            "the manifest sets no Linux capabilities",
        ),
        ("devices", !s.devices.is_empty(), "Fargate maps no devices"),
        (
            "command",
            s.command.is_some(),
            "the manifest runs the image's CMD; bake it into the Dockerfile",
        ),
        (
            "entrypoint",
            s.entrypoint.is_some(),
            "the manifest runs the image's ENTRYPOINT; bake it into the Dockerfile",
        ),
        (
            "env_file",
            s.env_file.is_some(),
            "copy its variables into the manifest's environment",
        ),
        (
            "secrets",
            s.secrets.is_some(),
            "put them in Secrets Manager or SSM by hand",
        ),
        (
            "deploy",
            s.deploy.is_some(),
            "the manifest sizes a service with cpu, memory and count",
        ),
        (
            "restart",
            s.restart.is_some(),
            "ECS restarts a service's tasks itself",
        ),
        (
            "user",
            s.user.is_some(),
            "the manifest runs the image's USER",
        ),
        (
            "working_dir",
            s.working_dir.is_some(),
            "the manifest runs the image's WORKDIR",
        ),
        (
            "container_name",
            s.container_name.is_some(),
            "ECS names the containers after the service",
        ),
        (
            "hostname",
            s.hostname.is_some(),
            "Fargate tasks get their own host names",
        ),
        (
            "extra_hosts",
            !s.extra_hosts.is_empty(),
            "Fargate tasks take no /etc/hosts entries",
        ),
        ("dns", !s.dns.is_empty(), "the VPC's resolver answers"),
        (
            "logging",
            s.logging.is_some(),
            "logs go to CloudWatch Logs (`mysfits logs`)",
        ),
        (
            "labels",
            !s.labels.is_empty(),
            "mysfits tags what it creates itself",
        ),
        (
            "ulimits",
            !s.ulimits.is_empty(),
            "the manifest sets no ulimits",
        ),
        (
            "sysctls",
            !s.sysctls.is_empty(),
            "the manifest sets no sysctls",
        ),
        (
            "tmpfs",
            s.tmpfs.is_some(),
            "Fargate tasks here get no tmpfs",
        ),
        (
            "read_only",
            s.read_only,
            "the manifest sets no read-only root file system",
        ),
        (
            "extends",
            !s.extends.is_empty(),
            "write the extended service out in full",
        ),
        (
            "profiles",
            !s.profiles.is_empty(),
            "every service of the manifest is deployed",
        ),
        ("scale", s.scale != 0, "set `count:` in the manifest"),
        (
            "mem_limit",
            s.mem_limit.is_some(),
            "set `memory:` in the manifest (a Fargate size)",
        ),
    ];
    items
        .into_iter()
        .filter(|(_, set, _)| *set)
        .map(|(key, _, why)| format!("{name}: {key} not carried over: {why}"))
        .collect()
}
