//! What a CloudFormation stack's status means for the tool, decided here (pure) once
//! `aws/cfn.rs` has turned the SDK's status into [`StackStatus`].

use std::fmt;

/// A stack's status, as CloudFormation names them (`Other` keeps an unknown name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackStatus {
    CreateInProgress,
    CreateFailed,
    CreateComplete,
    RollbackInProgress,
    RollbackFailed,
    RollbackComplete,
    DeleteInProgress,
    DeleteFailed,
    UpdateInProgress,
    UpdateCompleteCleanupInProgress,
    UpdateComplete,
    UpdateFailed,
    UpdateRollbackInProgress,
    UpdateRollbackFailed,
    UpdateRollbackCompleteCleanupInProgress,
    UpdateRollbackComplete,
    ReviewInProgress,
    ImportInProgress,
    ImportComplete,
    ImportRollbackInProgress,
    ImportRollbackFailed,
    ImportRollbackComplete,
    Other(String),
}

/// Where a stack status leaves a waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    InProgress,
    Done,
    Failed,
}

/// How a wait on a stack ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StackEnd {
    /// Deleted: the stack no longer exists.
    Gone,
    /// It stopped changing: in `status`, with the failed resources' reasons.
    Settled {
        status: StackStatus,
        reasons: Vec<String>,
    },
}

impl StackStatus {
    pub fn phase(&self) -> Phase {
        use StackStatus::*;
        match self {
            CreateInProgress
            | RollbackInProgress
            | DeleteInProgress
            | UpdateInProgress
            | UpdateCompleteCleanupInProgress
            | UpdateRollbackInProgress
            | UpdateRollbackCompleteCleanupInProgress
            | ReviewInProgress
            | ImportInProgress
            | ImportRollbackInProgress => Phase::InProgress,
            CreateComplete | UpdateComplete | ImportComplete => Phase::Done,
            _ => Phase::Failed,
        }
    }

    /// A stack whose resources a command may build on: complete, or rolled back to its
    /// last good template. Anything in progress, failed or being deleted is not.
    pub fn usable(&self) -> bool {
        use StackStatus::*;
        matches!(
            self,
            CreateComplete | UpdateComplete | UpdateRollbackComplete | ImportComplete
        )
    }

    /// A stack that can only be deleted and created again: CloudFormation refuses updates.
    pub fn needs_replacing(&self) -> bool {
        use StackStatus::*;
        matches!(
            self,
            RollbackComplete | RollbackFailed | CreateFailed | DeleteFailed
        )
    }

    pub fn as_str(&self) -> &str {
        use StackStatus::*;
        match self {
            CreateInProgress => "CREATE_IN_PROGRESS",
            CreateFailed => "CREATE_FAILED",
            CreateComplete => "CREATE_COMPLETE",
            RollbackInProgress => "ROLLBACK_IN_PROGRESS",
            RollbackFailed => "ROLLBACK_FAILED",
            RollbackComplete => "ROLLBACK_COMPLETE",
            DeleteInProgress => "DELETE_IN_PROGRESS",
            DeleteFailed => "DELETE_FAILED",
            UpdateInProgress => "UPDATE_IN_PROGRESS",
            UpdateCompleteCleanupInProgress => "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
            UpdateComplete => "UPDATE_COMPLETE",
            UpdateFailed => "UPDATE_FAILED",
            UpdateRollbackInProgress => "UPDATE_ROLLBACK_IN_PROGRESS",
            UpdateRollbackFailed => "UPDATE_ROLLBACK_FAILED",
            UpdateRollbackCompleteCleanupInProgress => {
                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
            }
            UpdateRollbackComplete => "UPDATE_ROLLBACK_COMPLETE",
            ReviewInProgress => "REVIEW_IN_PROGRESS",
            ImportInProgress => "IMPORT_IN_PROGRESS",
            ImportComplete => "IMPORT_COMPLETE",
            ImportRollbackInProgress => "IMPORT_ROLLBACK_IN_PROGRESS",
            ImportRollbackFailed => "IMPORT_ROLLBACK_FAILED",
            ImportRollbackComplete => "IMPORT_ROLLBACK_COMPLETE",
            Other(s) => s,
        }
    }
}

impl fmt::Display for StackStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for StackStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::StackStatus::*;
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert_eq!(CreateInProgress.phase(), Phase::InProgress);
        assert_eq!(UpdateCompleteCleanupInProgress.phase(), Phase::InProgress);
        assert_eq!(UpdateRollbackInProgress.phase(), Phase::InProgress);
        assert_eq!(CreateComplete.phase(), Phase::Done);
        assert_eq!(RollbackComplete.phase(), Phase::Failed);
        assert_eq!(UpdateRollbackComplete.phase(), Phase::Failed);
        for s in [CreateComplete, UpdateComplete, UpdateRollbackComplete] {
            assert!(s.usable(), "{s}");
        }
        for s in [
            DeleteInProgress,
            RollbackComplete,
            UpdateRollbackFailed,
            CreateInProgress,
            UpdateCompleteCleanupInProgress,
            DeleteFailed,
            Other("NEW_STATUS".into()),
        ] {
            assert!(!s.usable(), "{s}");
        }
        assert!(RollbackComplete.needs_replacing());
        assert!(CreateFailed.needs_replacing());
        assert!(!UpdateRollbackComplete.needs_replacing());
        assert_eq!(
            UpdateRollbackCompleteCleanupInProgress.to_string(),
            "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS"
        );
    }
}
