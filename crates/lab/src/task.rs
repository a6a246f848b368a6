//! Where a one-off task's `lastStatus` leaves `mysfits run` (ECS names the states as
//! strings; `aws/ecs/tasks.rs` reads them into this once).

/// A task's life as `run` follows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskPhase {
    /// PROVISIONING, PENDING, ACTIVATING: wait.
    Starting,
    Running,
    /// DEACTIVATING, STOPPING, DEPROVISIONING: it will not run.
    Ending,
    Stopped,
}

impl TaskPhase {
    /// ECS's `lastStatus` (documented task lifecycle); unknown states are waited on.
    pub fn of(last_status: &str) -> Self {
        match last_status {
            "RUNNING" => TaskPhase::Running,
            "DEACTIVATING" | "STOPPING" | "DEPROVISIONING" => TaskPhase::Ending,
            "STOPPED" | "DELETED" => TaskPhase::Stopped,
            _ => TaskPhase::Starting,
        }
    }

    /// The task is done or on its way out: it will never serve.
    pub fn over(self) -> bool {
        matches!(self, TaskPhase::Ending | TaskPhase::Stopped)
    }
}

#[cfg(test)]
mod tests {
    use super::TaskPhase;

    #[test]
    fn the_task_lifecycle_reads_as_phases() {
        assert_eq!(TaskPhase::of("PROVISIONING"), TaskPhase::Starting);
        assert_eq!(TaskPhase::of("PENDING"), TaskPhase::Starting);
        assert_eq!(TaskPhase::of("RUNNING"), TaskPhase::Running);
        assert!(TaskPhase::of("STOPPING").over());
        assert!(TaskPhase::of("STOPPED").over());
        assert!(!TaskPhase::of("ACTIVATING").over());
    }
}
