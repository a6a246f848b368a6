//! A service of the lab by name, for the commands that read or probe what runs (`logs`,
//! `run`): the manifest's when it names it, else the lab's ECS service, found by the
//! lab's tag as `status` and `cleanup` find everything. A lab set up from another manifest
//! (or with none at hand) still answers.

use std::collections::BTreeSet;

use crate::commands::steps::rules::tg_name;
use crate::commands::Ctx;
use crate::error::Error;
use mysfits_lab::manifest::Service;

pub enum LabService<'m> {
    Manifest(&'m Service),
    /// In AWS only: the ECS service's name, its task definition and target group.
    Aws {
        name: String,
        task_definition: String,
        target_group: Option<String>,
    },
}

impl LabService<'_> {
    pub fn name(&self) -> &str {
        match self {
            LabService::Manifest(s) => &s.name,
            LabService::Aws { name, .. } => name,
        }
    }

    /// Where it answers: (port, health-check path), the manifest's or its target group's.
    pub async fn probe(&self, ctx: &Ctx<'_>) -> Result<(u16, String), Error> {
        let arn = match self {
            LabService::Manifest(s) => return Ok((s.port, s.health_check.path.clone())),
            LabService::Aws { target_group, .. } => target_group.as_deref(),
        };
        let group = match arn {
            Some(arn) => ctx.aws.find_target_group(&tg_name(arn)).await?,
            None => None,
        };
        let port = group.as_ref().and_then(|g| g.port);
        match (port.and_then(|p| u16::try_from(p).ok()), group) {
            (Some(port), Some(g)) => Ok((port, g.health_check_path.unwrap_or_else(|| "/".into()))),
            _ => Err(Error::NoPortKnown(self.name().to_string())),
        }
    }
}

/// The service called `name`: the manifest's (no call), else the lab's ECS service of
/// that name. A lab not set up has none: the name is unknown.
pub async fn find<'m>(ctx: &Ctx<'m>, name: &str) -> Result<LabService<'m>, Error> {
    if let Some(s) = ctx.manifest.and_then(|m| m.service(name)) {
        return Ok(LabService::Manifest(s));
    }
    let running = match ctx.outputs().await {
        Ok(outputs) => {
            ctx.aws
                .lab_services(outputs.cluster_name.as_str(), ctx.lab.name())
                .await?
        }
        Err(Error::NotSetUp { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    if let Some(s) = running.iter().find(|s| s.name == name) {
        return Ok(LabService::Aws {
            name: s.name.clone(),
            task_definition: s.task_definition.clone(),
            target_group: s.target_groups.first().cloned(),
        });
    }
    let known: BTreeSet<&str> = running
        .iter()
        .map(|s| s.name.as_str())
        .chain(ctx.manifest.into_iter().flat_map(|m| m.names()))
        .collect();
    Err(Error::UnknownLabService {
        name: name.to_string(),
        lab: ctx.lab.to_string(),
        known: if known.is_empty() {
            "none".into()
        } else {
            known.into_iter().collect::<Vec<_>>().join(", ")
        },
    })
}
