//! `deploy`'s plan: the image source, whether it builds, where it pushes, and what the
//! rollout does to the service, decided from the arguments, the manifest and what was
//! read, with no call.

use std::path::Path;
use std::time::Duration;

use crate::aws::rollout::Previous;
use crate::commands::ctx::service_in;
use crate::error::Error;
use mysfits_lab::manifest::{Manifest, Service};
use mysfits_lab::outputs::StackOutputs;

/// What is rolled out: a tag built (or found) in the registry, or an image as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Tag(String),
    Image(String),
}

/// What was asked, as plain values: the clap arguments stop here.
#[derive(Debug, Clone, Default)]
pub struct DeployRequest {
    pub service: String,
    /// `None` when neither `--tag` nor `--image` was given.
    pub source: Option<Source>,
    pub no_build: bool,
    /// The builder's program (`docker`, `podman`).
    pub builder: &'static str,
    pub build_args: Vec<(String, String)>,
    pub registry: Option<String>,
    pub no_wait: bool,
    pub timeout: Duration,
}

/// What `deploy` does, decided offline before any call.
#[derive(Debug)]
pub struct DeployPlan<'m> {
    pub service: &'m Service,
    pub source: Source,
    /// The build context when this deploy builds: a tag, not `--no-build`.
    pub build: Option<&'m Path>,
    pub builder: &'static str,
    pub build_args: Vec<(String, String)>,
    /// `--registry`: pushed and resolved there, not in the stack's ECR repository.
    pub registry: Option<String>,
    /// How long the rollout is watched; `None` with `--no-wait`.
    pub wait: Option<Duration>,
}

impl<'m> DeployPlan<'m> {
    /// Everything that can be checked offline is checked here, before any call (the tag
    /// and image reference already by clap).
    pub fn new(manifest: &'m Manifest, req: &DeployRequest) -> Result<Self, Error> {
        let service = service_in(manifest, &req.service)?;
        // Attached, the default is someone else's service (or instances): never rolled.
        if manifest.is_foreign(service) {
            return Err(crate::error::AttachError::ForeignDefault(service.name.clone()).into());
        }
        let no_build = |tag: Option<&str>| Error::NoBuild {
            service: service.name.clone(),
            tag: tag.map(String::from),
        };
        let Some(source) = req.source.clone() else {
            return Err(match service.build {
                Some(_) => Error::NoTag(service.name.clone()),
                None => no_build(None),
            });
        };
        let build = match &source {
            // Images built elsewhere (`build:` left out) are only ever deployed as they are.
            Source::Tag(tag) if !req.no_build => Some(
                service
                    .build
                    .as_deref()
                    .ok_or_else(|| no_build(Some(tag)))?,
            ),
            _ => None,
        };
        Ok(Self {
            service,
            source,
            build,
            builder: req.builder,
            build_args: req.build_args.clone(),
            registry: req.registry.clone(),
            wait: (!req.no_wait).then_some(req.timeout),
        })
    }

    /// Where a tag is pushed and resolved: `--registry`'s namespace, else the stack's
    /// repository for the service.
    pub fn repository(&self, outputs: &StackOutputs) -> Result<String, Error> {
        Ok(match &self.registry {
            Some(r) => format!("{}/{}", r.trim_end_matches('/'), self.service.name),
            None => outputs.repository(&self.service.name)?.to_string(),
        })
    }

    /// Whether the registry is the stack's ECR (logged in to, and checked there).
    pub fn ecr(&self) -> bool {
        self.registry.is_none()
    }
}

/// What the rollout does, from the service as read: `current` is its task definition
/// and desired count, `None` when there is no service.
#[derive(Debug, Clone, PartialEq)]
pub enum RolloutStep {
    /// The revision is registered for a service `split` or `up` makes.
    NoService,
    /// The service is on the revision already (a rollout cut short is watched again).
    Unchanged,
    /// Updated to the revision; `desired` the manifest's count for a service that ran
    /// no task; `previous` what a rollback restores.
    Update {
        desired: Option<i32>,
        previous: Previous,
    },
}

pub fn rollout_step(
    service: &Service,
    current: Option<(&str, i32)>,
    revision: &str,
) -> RolloutStep {
    match current {
        None => RolloutStep::NoService,
        Some((running, _)) if running == revision => RolloutStep::Unchanged,
        // A service that runs no task (`up` makes the default one so) gets the manifest's
        // count with its first revision that is deployed.
        Some((running, desired)) => RolloutStep::Update {
            desired: (desired == 0).then_some(service.count as i32),
            previous: Previous {
                task_definition: running.to_string(),
                desired,
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysfits_lab::outputs::OUTPUT_KEYS;

    fn manifest() -> Manifest {
        crate::commands::ctx::testing::manifest()
    }

    fn req(source: Option<Source>) -> DeployRequest {
        DeployRequest {
            service: "like-service".into(),
            source,
            timeout: Duration::from_secs(1200),
            ..Default::default()
        }
    }

    fn tag() -> Option<Source> {
        Some(Source::Tag("v1".into()))
    }

    #[test]
    fn a_tag_builds_from_the_manifests_context_unless_no_build() {
        let m = manifest();
        let plan = DeployPlan::new(&m, &req(tag())).unwrap();
        assert!(plan.build.is_some(), "the sample app is built");
        assert_eq!(plan.wait, Some(Duration::from_secs(1200)));
        let pulled = DeployRequest {
            no_build: true,
            no_wait: true,
            ..req(tag())
        };
        let plan = DeployPlan::new(&m, &pulled).unwrap();
        assert_eq!((plan.build, plan.wait), (None, None));
    }

    #[test]
    fn an_image_is_deployed_as_given_with_no_build() {
        let m = manifest();
        let image = Some(Source::Image("nginx:1.27".into()));
        let plan = DeployPlan::new(&m, &req(image.clone())).unwrap();
        assert_eq!((plan.build, Some(plan.source)), (None, image));
    }

    #[test]
    fn no_source_asks_for_a_tag_and_an_unknown_service_is_named() {
        let m = manifest();
        assert!(matches!(
            DeployPlan::new(&m, &req(None)),
            Err(Error::NoTag(s)) if s == "like-service"
        ));
        let unknown = DeployRequest {
            service: "nope".into(),
            ..req(tag())
        };
        assert!(matches!(
            DeployPlan::new(&m, &unknown),
            Err(Error::UnknownService { .. })
        ));
    }

    #[test]
    fn a_service_with_no_build_refuses_a_tag_to_build_but_takes_one_to_pull() {
        let mut m = manifest();
        for s in &mut m.services {
            s.build = None;
        }
        assert!(matches!(
            DeployPlan::new(&m, &req(None)),
            Err(Error::NoBuild { tag: None, .. })
        ));
        assert!(matches!(
            DeployPlan::new(&m, &req(tag())),
            Err(Error::NoBuild { tag: Some(_), .. })
        ));
        let pulled = DeployRequest {
            no_build: true,
            ..req(tag())
        };
        assert!(DeployPlan::new(&m, &pulled).is_ok());
    }

    #[test]
    fn the_repository_is_the_stacks_or_the_registrys() {
        let m = manifest();
        let outputs = StackOutputs::read(
            OUTPUT_KEYS
                .iter()
                .map(|k| (k.to_string(), format!("{k}-value")))
                .chain([(
                    mysfits_lab::template::repo_output("like-service"),
                    "1.dkr.ecr/mysfits/like-service".to_string(),
                )])
                .collect(),
        )
        .unwrap();
        let plan = DeployPlan::new(&m, &req(tag())).unwrap();
        assert_eq!(
            plan.repository(&outputs).unwrap(),
            "1.dkr.ecr/mysfits/like-service"
        );
        assert!(plan.ecr());
        let elsewhere = DeployRequest {
            registry: Some("localhost:5000/lab/".into()),
            ..req(tag())
        };
        let plan = DeployPlan::new(&m, &elsewhere).unwrap();
        assert_eq!(
            plan.repository(&outputs).unwrap(),
            "localhost:5000/lab/like-service"
        );
        assert!(!plan.ecr());
    }

    #[test]
    fn the_rollout_creates_nothing_skips_the_same_revision_and_sets_a_count_from_zero() {
        let m = manifest();
        let s = m.service("like-service").unwrap();
        assert_eq!(rollout_step(s, None, "td:2"), RolloutStep::NoService);
        assert_eq!(
            rollout_step(s, Some(("td:2", 1)), "td:2"),
            RolloutStep::Unchanged
        );
        assert_eq!(
            rollout_step(s, Some(("td:1", 3)), "td:2"),
            RolloutStep::Update {
                desired: None,
                previous: Previous {
                    task_definition: "td:1".into(),
                    desired: 3
                }
            }
        );
        let from_zero = rollout_step(s, Some(("td:1", 0)), "td:2");
        assert!(
            matches!(from_zero, RolloutStep::Update { desired: Some(n), .. } if n == s.count as i32),
            "{from_zero:?}"
        );
    }
}
