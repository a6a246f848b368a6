//! `up`'s plan: the core stack it wants (template, parameters, tags) and what to do with
//! the stack found, decided from the arguments, the manifest and what was read.

use std::collections::BTreeMap;

use crate::aws::cfn::Stack;
use crate::error::Error;
use mysfits_lab::manifest::{Manifest, Route, Service};
use mysfits_lab::names::{owned_by, Lab};
use mysfits_lab::stack::{Phase, StackStatus};
use mysfits_lab::template::{self, StackOptions};

/// What `up` sets up, decided offline.
#[derive(Debug)]
pub struct UpPlan<'m> {
    pub stack: String,
    pub body: String,
    pub parameters: BTreeMap<String, String>,
    /// Each resource's label for the progress rows, from the template.
    pub labels: BTreeMap<String, String>,
    pub tags: Vec<(String, String)>,
    /// The default-route service, made with no task on this image until the first deploy.
    pub default_service: &'m Service,
    pub placeholder_image: String,
    /// The `next:` line: what, and the deploy command.
    pub next: (&'static str, String),
}

impl<'m> UpPlan<'m> {
    pub fn new(
        lab: &Lab,
        manifest: &'m Manifest,
        options: &StackOptions,
        placeholder_image: &str,
    ) -> Self {
        let body = template::render(manifest);
        let default_service = manifest.default_service();
        let what = match default_service.build {
            Some(_) => "build and roll out the monolith",
            None => "roll out the monolith's image",
        };
        Self {
            stack: lab.stack().to_string(),
            parameters: template::parameters(lab, manifest, options),
            labels: template::descriptions(&body),
            body,
            tags: lab.tags(None),
            default_service,
            placeholder_image: placeholder_image.to_string(),
            next: (what, default_service.deploy_command()),
        }
    }

    /// The stack of a lab attached to a listener it did not make: only mysfits' own
    /// security group, roles, log group and repositories; no default service of its own.
    pub fn attached(
        lab: &Lab,
        manifest: &'m Manifest,
        attached: &mysfits_lab::attach::Attached,
    ) -> Self {
        let body = template::render_attached(manifest, attached);
        let default_service = manifest.default_service();
        let next = match manifest.services.iter().find(|s| s.route != Route::Default) {
            Some(s) => (
                "build and roll out a service you carve out",
                s.deploy_command(),
            ),
            None => (
                "add the services you carve out to the manifest, then deploy one",
                "mysfits deploy SERVICE --tag v1".to_string(),
            ),
        };
        Self {
            stack: lab.stack().to_string(),
            parameters: template::attached_parameters(lab, attached),
            labels: template::descriptions(&body),
            body,
            tags: lab.tags(None),
            default_service,
            placeholder_image: String::new(),
            next: (next.0, next.1),
        }
    }

    /// Whether a complete stack already has this template and these parameters (an
    /// update that rolled back is applied again).
    pub fn up_to_date(&self, stack: &Stack, template: &str) -> bool {
        template == self.body
            && stack.parameters == self.parameters
            && stack.status != StackStatus::UpdateRollbackComplete
    }
}

/// What is done with the core stack as found: one round of `up`'s loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StackStep {
    Create,
    /// Someone else's change is under way: wait for it, then look again.
    Wait,
    /// Failed in a way only a new stack fixes: deleted (with `--yes`) and made again.
    Replace,
    /// Complete: updated when its template or parameters differ.
    Compare,
}

/// The step for the stack as read; a stack without the lab's tag is never touched.
pub fn stack_step(stack: Option<&Stack>, lab: &Lab) -> Result<StackStep, Error> {
    let Some(stack) = stack else {
        return Ok(StackStep::Create);
    };
    if !owned_by(&stack.tags, lab.name()) {
        return Err(Error::NotOurs {
            stack: lab.stack().into(),
        });
    }
    Ok(if stack.status.phase() == Phase::InProgress {
        StackStep::Wait
    } else if stack.status.needs_replacing() {
        StackStep::Replace
    } else {
        StackStep::Compare
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab() -> Lab {
        Lab::parse("mysfits").unwrap()
    }

    fn stack(status: StackStatus, ours: bool) -> Stack {
        Stack {
            name: "mysfits".into(),
            status,
            reason: None,
            outputs: BTreeMap::new(),
            parameters: BTreeMap::new(),
            tags: if ours {
                lab().tags(None).into_iter().collect()
            } else {
                BTreeMap::new()
            },
        }
    }

    #[test]
    fn the_step_follows_the_stack_as_found() {
        let lab = lab();
        let step = |s: Option<Stack>| stack_step(s.as_ref(), &lab).unwrap();
        assert_eq!(step(None), StackStep::Create);
        assert_eq!(
            step(Some(stack(StackStatus::UpdateInProgress, true))),
            StackStep::Wait
        );
        assert_eq!(
            step(Some(stack(StackStatus::RollbackComplete, true))),
            StackStep::Replace
        );
        assert_eq!(
            step(Some(stack(StackStatus::CreateComplete, true))),
            StackStep::Compare
        );
        let foreign = stack(StackStatus::CreateComplete, false);
        assert!(matches!(
            stack_step(Some(&foreign), &lab),
            Err(Error::NotOurs { .. })
        ));
    }

    #[test]
    fn a_stack_is_up_to_date_only_with_the_same_template_and_parameters() {
        let (lab, m) = (lab(), crate::commands::ctx::testing::manifest());
        let plan = UpPlan::new(&lab, &m, &StackOptions::default(), "placeholder");
        assert_eq!(plan.default_service.name, "monolith-service");
        assert!(!plan.labels.is_empty());
        let mut current = stack(StackStatus::UpdateComplete, true);
        current.parameters = plan.parameters.clone();
        assert!(plan.up_to_date(&current, &plan.body));
        assert!(!plan.up_to_date(&current, "other template"));
        let private = UpPlan::new(
            &lab,
            &m,
            &StackOptions {
                private_tasks: true,
                ..StackOptions::default()
            },
            "placeholder",
        );
        assert!(
            !private.up_to_date(&current, &private.body),
            "parameters differ"
        );
        current.status = StackStatus::UpdateRollbackComplete;
        assert!(
            !plan.up_to_date(&current, &plan.body),
            "a rolled-back update is retried"
        );
    }
}
