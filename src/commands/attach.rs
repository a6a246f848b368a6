//! `mysfits attach`: read a listener mysfits did not make (its rules, the default target
//! group and what serves it, the network) and write the manifest that adds to it. It
//! changes nothing in AWS.

mod plan;

use std::path::Path;

use crate::cli::AttachArgs;
use crate::commands::steps::attach::{resolve, Resolved};
use crate::commands::steps::rules::tg_name;
use crate::commands::Ctx;
use crate::error::Error;
use crate::output::table::table;
use crate::output::Render;
use mysfits_lab::arn;
use mysfits_lab::attach::AttachSpec;
use mysfits_lab::manifest::DEFAULT_NAME;
use mysfits_lab::weights::Forward;
use plan::AttachPlan;

/// What was read and written.
#[derive(Debug, serde::Serialize)]
pub struct AttachResult {
    pub manifest: String,
    pub listener: String,
    pub default_service: String,
    pub default_backend: String,
    /// The listener's rules in priority order: priority, conditions, action.
    pub rules: Vec<[String; 3]>,
    pub vpc: String,
    pub subnets: Vec<String>,
    pub load_balancer_security_groups: Vec<String>,
    /// The default service's own groups (an ECS service's), when it has any.
    pub default_security_groups: Vec<String>,
    pub creates: Vec<String>,
    pub never_touches: Vec<String>,
}

impl Render for AttachResult {
    fn text(&self) -> String {
        let rules = table(
            &["Priority", "Conditions", "Action"],
            self.rules.iter().map(|r| r.to_vec()).collect(),
        );
        let bullets = |v: &[String]| v.iter().map(|s| format!("  - {s}\n")).collect::<String>();
        format!(
            "Listener {}\n{rules}\nDefault: {} (manifest service '{}'){}\nNetwork: {}, subnets {}; load balancer security groups {}\nmysfits will create:\n{}mysfits will never touch:\n{}",
            self.listener,
            self.default_backend,
            self.default_service,
            if self.default_security_groups.is_empty() {
                String::new()
            } else {
                format!(", security groups {}", self.default_security_groups.join(", "))
            },
            self.vpc,
            self.subnets.join(", "),
            self.load_balancer_security_groups.join(", "),
            bullets(&self.creates),
            bullets(&self.never_touches),
        )
    }
}

fn rule_rows(found: &Resolved) -> Vec<[String; 3]> {
    let mut rules: Vec<_> = found.rules.iter().collect();
    rules.sort_by_key(|r| r.priority.unwrap_or(u32::MAX));
    rules
        .iter()
        .map(|r| {
            let action = match &r.forward {
                Some(Forward::Plain(g)) => format!("forward {}", tg_name(g)),
                Some(f) => format!(
                    "forward {}",
                    f.shares()
                        .iter()
                        .map(|(g, w)| format!("{} {w}%", tg_name(g)))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                None => r.action.clone(),
            };
            [
                r.priority
                    .map(|p| p.to_string())
                    .unwrap_or_else(|| "default".into()),
                if r.priority.is_none() {
                    "(anything no rule takes)".into()
                } else {
                    r.conditions_text()
                },
                action,
            ]
        })
        .collect()
}

pub async fn run(
    ctx: &Ctx<'_>,
    args: &AttachArgs,
    manifest: Option<&Path>,
) -> Result<AttachResult, Error> {
    let path = manifest.unwrap_or(Path::new(DEFAULT_NAME));
    // Refused before any call: the manifest there is someone's work.
    if path.exists() && !args.force {
        return Err(Error::ManifestExists {
            path: path.display().to_string(),
            rerun: "mysfits attach …".into(),
        });
    }
    let spec = AttachSpec::from_flags(
        args.listener.clone(),
        args.load_balancer.clone(),
        args.port,
        args.cluster.clone(),
        args.subnets.clone(),
    )
    .map_err(Error::AttachFlags)?;
    let found = resolve(ctx, &spec).await?;
    let a = &found.attached;
    let label = format!(
        "{}:{} of load balancer {}",
        a.listener_protocol, a.listener_port, found.load_balancer.name
    );
    let group = &found.default_group;
    let plan = AttachPlan::new(
        a,
        &group.name,
        group.port,
        group.health_check_path.as_deref(),
        &label,
    );
    std::fs::write(path, &plan.manifest).map_err(|source| Error::Write {
        path: path.display().to_string(),
        source,
    })?;
    ctx.printer.success(&format!(
        "wrote {} attached to {label}: '{}' is the default service",
        path.display(),
        plan.default_name
    ));
    let flag = manifest
        .filter(|m| *m != Path::new(DEFAULT_NAME))
        .map(|m| format!(" --manifest {}", m.display()))
        .unwrap_or_default();
    ctx.next(
        "add the services you carve out to it, then make mysfits' own stack beside the listener",
        &format!("mysfits up{flag}"),
    );
    Ok(AttachResult {
        manifest: path.display().to_string(),
        listener: format!("{label} ({})", arn::tail(&a.listener_arn)),
        default_service: plan.default_name.clone(),
        default_backend: a.default.to_string(),
        rules: rule_rows(&found),
        vpc: a.vpc_id.clone(),
        subnets: a.subnets.clone(),
        load_balancer_security_groups: a.alb_security_groups.clone(),
        default_security_groups: found.default_security_groups.clone(),
        creates: plan.creates,
        never_touches: plan.never,
    })
}
