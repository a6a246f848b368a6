//! Reading an ECS deployment as it rolls: the circuit breaker's `rolloutState` decides,
//! not "services stable", so a doomed deploy fails in minutes.

/// The circuit breaker's view of one deployment (ECS `rolloutState`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RolloutState {
    InProgress,
    Completed,
    Failed,
}

/// One deployment of a service, as ECS reports it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeploymentView {
    /// The deployment ECS is moving the service to (status PRIMARY).
    pub primary: bool,
    pub task_definition: String,
    pub desired: i32,
    pub running: i32,
    pub pending: i32,
    pub rollout_state: Option<RolloutState>,
    pub rollout_reason: Option<String>,
}

/// After a failed rollout of `failed`: the deployment rolling back, i.e. the primary one
/// once it is another revision (ECS makes it when the breaker trips; `deploy` makes it
/// with UpdateService when a retry cannot help).
pub fn rollback_of<'a>(
    deployments: &'a [DeploymentView],
    failed: &str,
) -> Option<&'a DeploymentView> {
    deployments
        .iter()
        .find(|d| d.primary && d.task_definition != failed)
}

/// After a failed rollout of `failed`: the revision the rollback is back on, once the
/// primary deployment is another revision, all running and no longer rolling.
pub fn rolled_back_to<'a>(deployments: &'a [DeploymentView], failed: &str) -> Option<&'a str> {
    let p = rollback_of(deployments, failed)?;
    let done =
        p.running >= p.desired && matches!(p.rollout_state, Some(RolloutState::Completed) | None);
    done.then_some(p.task_definition.as_str())
}

/// The revision a rollout of `revision` replaces, as its deployments show it: another
/// one whose rollout completed (what ECS's breaker would roll back to).
pub fn replaced<'a>(deployments: &'a [DeploymentView], revision: &str) -> Option<&'a str> {
    deployments
        .iter()
        .find(|d| d.task_definition != revision && d.rollout_state == Some(RolloutState::Completed))
        .map(|d| d.task_definition.as_str())
}

/// What became of a service after its rollout failed.
#[derive(Debug, Clone, PartialEq)]
pub enum Rollback {
    /// Back on this revision, as it was before the deploy.
    Done(String),
    /// Rolled back to `revision`, whose tasks fail too: the service serves nothing.
    AlsoFails { revision: String, reason: String },
    /// No earlier revision to go back to: no deployment of the service had completed.
    Nothing,
    /// The wait ended before the rollback did.
    Unfinished,
}

/// Who started the rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RolledBackBy {
    /// ECS's deployment circuit breaker, after its threshold of failed tasks.
    Breaker,
    /// `deploy`, at the first task that stopped for a reason a retry cannot fix.
    Mysfits,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Still rolling; the line to show.
    Rolling(String),
    Completed,
    /// The circuit breaker stopped it; ECS rolls back to the previous revision.
    Failed(String),
}

/// Judges the deployment of `revision` among the service's deployments.
pub fn judge(deployments: &[DeploymentView], revision: &str) -> Verdict {
    let Some(ours) = deployments.iter().find(|d| d.task_definition == revision) else {
        // Ours is gone: a deployment of another revision took over, and a failed one with
        // no task left is not listed any more.
        return Verdict::Failed(
            "a deployment of another revision replaced it (the circuit breaker's rollback, or someone else's update)".into(),
        );
    };
    match ours.rollout_state {
        Some(RolloutState::Failed) => {
            return Verdict::Failed(
                ours.rollout_reason
                    .clone()
                    .unwrap_or_else(|| "rollout failed".into()),
            )
        }
        Some(RolloutState::Completed) if ours.running >= ours.desired => return Verdict::Completed,
        // Without rolloutState (older APIs), done is: only ours left, all running.
        None if deployments.len() == 1 && ours.running >= ours.desired && ours.pending == 0 => {
            return Verdict::Completed
        }
        _ => {}
    }
    let others: Vec<String> = deployments
        .iter()
        .filter(|d| d.task_definition != revision)
        .map(|d| format!("old {}: {} running", short(&d.task_definition), d.running))
        .collect();
    let mut line = format!(
        "new {}: {}/{} running, {} pending",
        short(revision),
        ours.running,
        ours.desired,
        ours.pending
    );
    if !others.is_empty() {
        line.push_str("; ");
        line.push_str(&others.join("; "));
    }
    Verdict::Rolling(line)
}

/// `arn:…:task-definition/mysfits-like-service:3` → `mysfits-like-service:3`.
pub use crate::arn::tail as short;

#[cfg(test)]
mod tests {
    use super::*;

    use RolloutState::*;

    fn d(td: &str, status: &str, running: i32, state: Option<RolloutState>) -> DeploymentView {
        DeploymentView {
            primary: status == "PRIMARY",
            task_definition: td.into(),
            desired: 2,
            running,
            pending: 2 - running,
            rollout_state: state,
            rollout_reason: (state == Some(Failed)).then(|| "tasks failed to start".into()),
        }
    }

    #[test]
    fn rolling_then_completed() {
        let deps = [
            d("td:2", "PRIMARY", 1, Some(InProgress)),
            d("td:1", "ACTIVE", 2, Some(Completed)),
        ];
        assert_eq!(
            judge(&deps, "td:2"),
            Verdict::Rolling("new td:2: 1/2 running, 1 pending; old td:1: 2 running".into())
        );
        assert_eq!(
            judge(&[d("td:2", "PRIMARY", 2, Some(Completed))], "td:2"),
            Verdict::Completed
        );
    }

    #[test]
    fn breaker_failure_and_rollback() {
        let deps = [
            d("td:2", "ACTIVE", 0, Some(Failed)),
            d("td:1", "PRIMARY", 1, Some(InProgress)),
        ];
        assert_eq!(
            judge(&deps, "td:2"),
            Verdict::Failed("tasks failed to start".into())
        );
        assert!(matches!(
            judge(&[d("td:1", "PRIMARY", 2, Some(Completed))], "td:2"),
            Verdict::Failed(_)
        ));
    }

    #[test]
    fn without_rollout_state_waits_for_the_old_to_drain() {
        let deps = [d("td:2", "PRIMARY", 2, None), d("td:1", "ACTIVE", 1, None)];
        assert!(matches!(judge(&deps, "td:2"), Verdict::Rolling(_)));
        assert_eq!(judge(&deps[..1], "td:2"), Verdict::Completed);
    }

    #[test]
    fn the_replaced_revision_is_the_completed_one() {
        let deps = [
            d("td:2", "PRIMARY", 0, Some(InProgress)),
            d("td:1", "ACTIVE", 2, Some(Completed)),
        ];
        assert_eq!(replaced(&deps, "td:2"), Some("td:1"));
        assert_eq!(replaced(&deps[..1], "td:2"), None);
        let failed_before = [
            d("td:2", "PRIMARY", 0, Some(InProgress)),
            d("td:1", "ACTIVE", 0, Some(Failed)),
        ];
        assert_eq!(replaced(&failed_before, "td:2"), None);
    }

    #[test]
    fn a_rollback_of_no_tasks_is_done_once_completed() {
        let mut none = d("td:1", "PRIMARY", 0, Some(InProgress));
        none.desired = 0;
        assert_eq!(rolled_back_to(std::slice::from_ref(&none), "td:2"), None);
        none.rollout_state = Some(Completed);
        assert_eq!(rolled_back_to(&[none], "td:2"), Some("td:1"));
        // The breaker failed the rollback too: not done.
        let failed = [d("td:1", "PRIMARY", 0, Some(Failed))];
        assert_eq!(rolled_back_to(&failed, "td:2"), None);
        assert_eq!(rollback_of(&failed, "td:2").map(|r| r.running), Some(0));
    }

    #[test]
    fn a_rollback_is_done_when_the_primary_is_another_revision_all_running() {
        let rolling = [
            d("td:2", "ACTIVE", 0, Some(Failed)),
            d("td:1", "PRIMARY", 1, Some(InProgress)),
        ];
        assert_eq!(rolled_back_to(&rolling, "td:2"), None);
        let back = [d("td:1", "PRIMARY", 2, Some(Completed))];
        assert_eq!(rolled_back_to(&back, "td:2"), Some("td:1"));
        let still_ours = [d("td:2", "PRIMARY", 2, Some(Completed))];
        assert_eq!(rolled_back_to(&still_ours, "td:2"), None);
    }
}
