//! CloudFormation: the core stack's life cycle, and waiting on it with visible rows.

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_cloudformation::types::{
    Capability, Parameter, ResourceStatus, StackStatus as SdkStackStatus, Tag,
};

use super::error::{Answer, AwsError, NoneIf};
use super::pairs::pairs;
use super::poll::{Look, Poll, Waited};
use super::Aws;
use crate::report::{Reporter, Row};
use mysfits_lab::stack::{Phase, StackEnd, StackStatus};

#[derive(Debug, Clone)]
pub struct Stack {
    pub name: String,
    pub status: StackStatus,
    pub reason: Option<String>,
    pub outputs: BTreeMap<String, String>,
    pub parameters: BTreeMap<String, String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone)]
pub struct StackResource {
    pub logical_id: String,
    pub physical_id: String,
    pub kind: String,
    /// As CloudFormation names it, for the progress row.
    pub status: String,
    pub failed: bool,
    pub reason: Option<String>,
}

/// The SDK's stack status as the model's: the one place CloudFormation's names are read.
fn stack_status(sdk: &SdkStackStatus) -> StackStatus {
    use StackStatus as S;
    match sdk {
        SdkStackStatus::CreateInProgress => S::CreateInProgress,
        SdkStackStatus::CreateFailed => S::CreateFailed,
        SdkStackStatus::CreateComplete => S::CreateComplete,
        SdkStackStatus::RollbackInProgress => S::RollbackInProgress,
        SdkStackStatus::RollbackFailed => S::RollbackFailed,
        SdkStackStatus::RollbackComplete => S::RollbackComplete,
        SdkStackStatus::DeleteInProgress => S::DeleteInProgress,
        SdkStackStatus::DeleteFailed => S::DeleteFailed,
        SdkStackStatus::UpdateInProgress => S::UpdateInProgress,
        SdkStackStatus::UpdateCompleteCleanupInProgress => S::UpdateCompleteCleanupInProgress,
        SdkStackStatus::UpdateComplete => S::UpdateComplete,
        SdkStackStatus::UpdateFailed => S::UpdateFailed,
        SdkStackStatus::UpdateRollbackInProgress => S::UpdateRollbackInProgress,
        SdkStackStatus::UpdateRollbackFailed => S::UpdateRollbackFailed,
        SdkStackStatus::UpdateRollbackCompleteCleanupInProgress => {
            S::UpdateRollbackCompleteCleanupInProgress
        }
        SdkStackStatus::UpdateRollbackComplete => S::UpdateRollbackComplete,
        SdkStackStatus::ReviewInProgress => S::ReviewInProgress,
        SdkStackStatus::ImportInProgress => S::ImportInProgress,
        SdkStackStatus::ImportComplete => S::ImportComplete,
        SdkStackStatus::ImportRollbackInProgress => S::ImportRollbackInProgress,
        SdkStackStatus::ImportRollbackFailed => S::ImportRollbackFailed,
        SdkStackStatus::ImportRollbackComplete => S::ImportRollbackComplete,
        other => S::Other(other.as_str().to_string()),
    }
}

/// Whether a resource's status is one of the `*_FAILED` ones.
fn resource_failed(sdk: &ResourceStatus) -> bool {
    matches!(
        sdk,
        ResourceStatus::CreateFailed
            | ResourceStatus::DeleteFailed
            | ResourceStatus::UpdateFailed
            | ResourceStatus::ImportFailed
            | ResourceStatus::ImportRollbackFailed
            | ResourceStatus::RollbackFailed
            | ResourceStatus::UpdateRollbackFailed
            | ResourceStatus::ExportFailed
    )
}

/// Create and update take the same inputs, on two builder types.
macro_rules! stack_input {
    ($builder:expr, $name:expr, $body:expr, $params:expr, $tags:expr) => {
        $builder
            .stack_name($name)
            .template_body($body)
            .set_parameters(Some(parameters($params)))
            .set_tags(Some(cfn_tags($tags)))
            .capabilities(Capability::CapabilityNamedIam)
    };
}

impl Aws {
    pub async fn describe_stack(&self, name: &str) -> Result<Option<Stack>, AwsError> {
        let call = self.cfn.describe_stacks().stack_name(name);
        let answer = call.send().answer("describe stack").await;
        // CloudFormation says "Stack with id X does not exist" as a ValidationError.
        let gone =
            |e: &AwsError| e.is_code("ValidationError") && e.message().contains("does not exist");
        let Some(out) = answer.none_if(gone)? else {
            return Ok(None);
        };
        let Some(s) = out.stacks().first() else {
            return Ok(None);
        };
        Ok(Some(Stack {
            name: s.stack_name().unwrap_or(name).to_string(),
            status: s
                .stack_status()
                .map(stack_status)
                .unwrap_or_else(|| StackStatus::Other(String::new())),
            reason: s.stack_status_reason().map(String::from),
            outputs: pairs(s.outputs(), |o| (o.output_key(), o.output_value())),
            parameters: pairs(s.parameters(), |p| (p.parameter_key(), p.parameter_value())),
            tags: pairs(s.tags(), |t| (t.key(), t.value())),
        }))
    }

    pub async fn stack_template(&self, name: &str) -> Result<String, AwsError> {
        let call = self.cfn.get_template().stack_name(name);
        let out = call.send().answer("read stack template").await?;
        Ok(out.template_body().unwrap_or_default().to_string())
    }

    pub async fn create_stack(
        &self,
        name: &str,
        body: &str,
        params: &BTreeMap<String, String>,
        tags: &[(String, String)],
    ) -> Result<(), AwsError> {
        stack_input!(self.cfn.create_stack(), name, body, params, tags)
            .send()
            .answer("create stack")
            .await?;
        Ok(())
    }

    /// Updates the stack; `false` when CloudFormation finds nothing to change.
    pub async fn update_stack(
        &self,
        name: &str,
        body: &str,
        params: &BTreeMap<String, String>,
        tags: &[(String, String)],
    ) -> Result<bool, AwsError> {
        let update = stack_input!(self.cfn.update_stack(), name, body, params, tags);
        let answer = update.send().answer("update stack").await;
        let nothing_to_do = |e: &AwsError| {
            e.is_code("ValidationError") && e.message().contains("No updates are to be performed")
        };
        Ok(answer.none_if(nothing_to_do)?.is_some())
    }

    pub async fn delete_stack(&self, name: &str) -> Result<(), AwsError> {
        let call = self.cfn.delete_stack().stack_name(name);
        call.send().answer("delete stack").await?;
        Ok(())
    }

    pub async fn stack_resources(&self, name: &str) -> Result<Vec<StackResource>, AwsError> {
        let call = self.cfn.describe_stack_resources().stack_name(name);
        let out = call.send().answer("list stack resources").await?;
        Ok(out
            .stack_resources()
            .iter()
            .map(|r| StackResource {
                logical_id: r.logical_resource_id().unwrap_or_default().to_string(),
                physical_id: r.physical_resource_id().unwrap_or_default().to_string(),
                kind: r.resource_type().unwrap_or_default().to_string(),
                status: r
                    .resource_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                failed: r.resource_status().is_some_and(resource_failed),
                reason: r.resource_status_reason().map(String::from),
            })
            .collect())
    }

    /// Polls the stack until it settles, one row per resource (labelled by the template's
    /// descriptions), every 2–5 s with jitter, backing off when throttled. Returns the final
    /// status (`DELETE_COMPLETE` when the stack is gone) and the reasons of failed resources.
    pub async fn wait_stack(
        &self,
        name: &str,
        labels: &BTreeMap<String, String>,
        reporter: &dyn Reporter,
        timeout: Duration,
    ) -> Result<StackEnd, WaitError> {
        let mut poll = Poll::new(Duration::from_secs(2), timeout);
        let mut seen: BTreeMap<String, Row<'_>> = BTreeMap::new();
        let end = poll
            .until(async || {
                let Some(stack) = self.describe_stack(name).await? else {
                    for (_, row) in std::mem::take(&mut seen) {
                        row.finish("deleted", true);
                    }
                    return Ok(Look::Done(StackEnd::Gone));
                };
                let resources = self.stack_resources(name).await?;
                let settled = stack.status.phase() != Phase::InProgress;
                let mut reasons = Vec::new();
                // moto lists some resources without a logical id; they have no row to show.
                for r in resources.iter().filter(|r| !r.logical_id.is_empty()) {
                    let label = labels
                        .get(&r.logical_id)
                        .cloned()
                        .unwrap_or_else(|| r.logical_id.clone());
                    let row = seen
                        .entry(r.logical_id.clone())
                        .or_insert_with(|| Row::new(reporter, &label));
                    if r.failed {
                        if let Some(reason) = &r.reason {
                            reasons.push(format!("{label} ({}): {reason}", r.logical_id));
                        }
                    }
                    row.update(&r.status);
                    if settled {
                        if let Some(row) = seen.remove(&r.logical_id) {
                            row.finish(&r.status, !r.failed);
                        }
                    }
                }
                if !settled {
                    return Ok(Look::Pending(stack.status));
                }
                if reasons.is_empty() {
                    reasons.extend(stack.reason.clone());
                }
                Ok(Look::Done(StackEnd::Settled {
                    status: stack.status,
                    reasons,
                }))
            })
            .await
            .map_err(WaitError::Aws)?;
        match end {
            Waited::Done(end) => Ok(end),
            Waited::Expired(status) => Err(WaitError::Timeout {
                status,
                waited: poll.elapsed(),
            }),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    #[error(transparent)]
    Aws(AwsError),
    #[error("stack still {status} after {}s", waited.as_secs())]
    Timeout {
        status: StackStatus,
        waited: Duration,
    },
}

fn parameters(params: &BTreeMap<String, String>) -> Vec<Parameter> {
    params
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build()
        })
        .collect()
}

fn cfn_tags(tags: &[(String, String)]) -> Vec<Tag> {
    tags.iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}
