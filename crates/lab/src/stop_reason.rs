//! Why an ECS task stopped, read from its `stoppedReason` and `stopCode`: whether another
//! try can help (`deploy` rolls back at once when it cannot) and whether the task failed
//! at all (a rollback whose tasks fail is reported at once).
//!
//! The texts are the container runtime's, behind ECS's `CannotPullContainerError:`
//! prefix ("Troubleshooting Amazon ECS CannotPullContainer task errors"): Fargate's
//! containerd (`failed to resolve ref …: not found`, `no match for platform in
//! manifest`, `image Manifest does not contain descriptor matching platform
//! 'linux/amd64'`), the Docker daemon's on EC2 (`manifest for … not found: manifest
//! unknown`, `no matching manifest for linux/amd64 in the manifest list entries`,
//! `repository does not exist`) and the registries' error codes (`MANIFEST_UNKNOWN`,
//! `NAME_UNKNOWN`), as podman on the local engine also words them.

/// A stop a retry cannot fix, and why, in words for the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Futile {
    /// The repository, tag or digest is not in the registry.
    ImageMissing,
    /// The image has no variant for the task's platform (`runtimePlatform`).
    WrongPlatform,
}

impl Futile {
    pub fn why(self) -> &'static str {
        match self {
            Futile::ImageMissing => "the image or tag does not exist in its registry",
            Futile::WrongPlatform => "the image is not built for the task's platform",
        }
    }
}

/// What another launch of the same task definition can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Nothing: the same image is pulled and refused again.
    Futile(Futile),
    /// Perhaps: throttling, a time-out, a network path or permissions still settling, a
    /// crash or a failed health check. The circuit breaker decides.
    MayHelp,
}

/// Passing trouble, checked first: a reason that has both (`failed to resolve ref …:
/// dial tcp …: i/o timeout`) was never told that the image is missing. ECR refusing the
/// execution role is here too: IAM changes propagate over seconds to minutes (IAM is
/// "eventually consistent"), so a role or policy made moments ago may yet work.
const TRANSIENT: &[&str] = &[
    "timeout",
    "timed out",
    "deadline exceeded",
    "context canceled",
    "request canceled",
    "toomanyrequests",
    "too many requests",
    "rate exceeded",
    "throttl",
    "service unavailable",
    "internal server error",
    "bad gateway",
    "connection reset",
    "connection refused",
    "no such host",
    "network is unreachable",
    "temporary failure",
    "unexpected eof",
    "accessdeniedexception",
    "not authorized to perform",
    "403 forbidden",
];

/// No variant for the task's platform, before "missing": containerd's says
/// `no match for platform in manifest: not found`.
const WRONG_PLATFORM: &[&str] = &[
    "no matching manifest for",
    "does not contain descriptor matching platform",
    "no match for platform in manifest",
    "no image found in manifest list for architecture",
    "exec format error",
];

const MISSING: &[&str] = &[
    "manifest unknown",
    "name unknown",
    "not found",
    "repository does not exist",
    "does not exist in the registry",
];

/// Whether launching the same task definition again can help, from a stopped task's
/// reason (its `stoppedReason`, with its containers' reasons appended). Only a pull
/// failure is judged futile, plus an `exec format error` (a binary for another
/// architecture) wherever it shows; anything unknown may help.
pub fn retry(reason: &str) -> Retry {
    let text = reason.to_ascii_lowercase();
    let has = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if has(TRANSIENT) {
        return Retry::MayHelp;
    }
    if has(WRONG_PLATFORM)
        && (text.contains("cannotpullcontainererror") || text.contains("exec format error"))
    {
        return Retry::Futile(Futile::WrongPlatform);
    }
    if text.contains("cannotpullcontainererror") && has(MISSING) {
        return Retry::Futile(Futile::ImageMissing);
    }
    Retry::MayHelp
}

/// Whether a stopped service task failed (it did not start, its essential container
/// exited, or it failed its health checks), rather than being stopped on purpose: scaled
/// in, replaced by a deployment, stopped by a user. `stop_code` is ECS's `stopCode`.
pub fn failed(stop_code: Option<&str>, reason: &str) -> bool {
    matches!(
        stop_code,
        Some("TaskFailedToStart" | "EssentialContainerExited")
    ) || reason.starts_with("Cannot")
        || reason.contains("Essential container in task exited")
        || reason.contains("failed ELB health checks")
        || reason.contains("failed container health checks")
}

#[cfg(test)]
mod tests {
    use super::*;

    const MISSING_REASONS: &[&str] = &[
        // Fargate platform 1.4 (containerd), a tag that is not in ECR.
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service:v9: 123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service:v9: not found",
        "CannotPullContainerError: ref pull has been retried 1 time(s): failed to resolve reference \"docker.io/library/nginx:nope\": docker.io/library/nginx:nope: not found",
        // The Docker daemon (EC2 launch type).
        "CannotPullContainerError: Error response from daemon: manifest for 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v9 not found: manifest unknown: Requested image not found",
        "CannotPullContainerError: API error (404): repository 123456789012.dkr.ecr.us-east-1.amazonaws.com/app not found",
        "CannotPullContainerError: Error response from daemon: pull access denied for nosuchimage, repository does not exist or may require 'docker login'",
        "CannotPullContainerError: The repository with name 'app' does not exist in the registry with id '123456789012'",
        // The local engine: podman against the engine's registry, and an image from elsewhere.
        "CannotPullContainerError: podman pull failed: Error: initializing source docker://127.0.0.1:5000/mysfits/web:nope: reading manifest nope in 127.0.0.1:5000/mysfits/web: manifest unknown",
        "CannotPullContainerError: reading manifest v1 in 127.0.0.1:5000/mysfits/nothing: name unknown: repository name not known to registry",
    ];

    const WRONG_PLATFORM_REASONS: &[&str] = &[
        "CannotPullContainerError: pull image manifest has been retried 7 time(s): image Manifest does not contain descriptor matching platform 'linux/amd64'",
        "CannotPullContainerError: ref pull has been retried 1 time(s): failed to unpack image on snapshotter overlayfs: no match for platform in manifest: not found",
        "CannotPullContainerError: Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries",
        "CannotPullContainerError: choosing an image from manifest list docker://127.0.0.1:5000/app:v1: no image found in manifest list for architecture amd64, variant \"\", OS linux",
        "CannotStartContainerError: ResourceInitializationError: failed to start: exec /usr/bin/python3: exec format error",
    ];

    const TRANSIENT_REASONS: &[&str] = &[
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1: failed to do request: Head \"https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/app/manifests/v1\": dial tcp 10.0.3.17:443: i/o timeout",
        "CannotPullContainerError: inspect image has been retried 5 time(s): httpReaderSeeker: failed open: unexpected status code https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/app/manifests/sha256:abc: 429 Too Many Requests - Server message: toomanyrequests: Rate exceeded",
        "CannotPullContainerError: Error response from daemon: toomanyrequests: You have reached your pull rate limit.",
        "CannotPullContainerError: Error response from daemon: Get https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/: net/http: request canceled while waiting for connection (Client.Timeout exceeded while awaiting headers)",
        "CannotPullContainerError: failed to resolve ref registry-1.docker.io/library/nginx:latest: failed to do request: Head \"https://registry-1.docker.io/v2/library/nginx/manifests/latest\": context deadline exceeded",
        "CannotPullContainerError: AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/mysfits-exec/abc is not authorized to perform: ecr:GetAuthorizationToken on resource: *",
        "CannotPullContainerError: inspect image has been retried 5 time(s): httpReaderSeeker: failed open: unexpected status code https://123456789012.dkr.ecr.us-east-1.amazonaws.com/v2/app/manifests/sha256:abc: 403 Forbidden",
        "CannotPullContainerError: failed to resolve ref 123456789012.dkr.ecr.us-east-1.amazonaws.com/app:v1: failed to do request: Head \"…\": dial tcp: lookup api.ecr.us-east-1.amazonaws.com: no such host",
        "CannotPullContainerError: Error response from daemon: received unexpected HTTP status: 503 Service Unavailable",
    ];

    #[test]
    fn a_missing_image_or_tag_is_futile() {
        for reason in MISSING_REASONS {
            assert_eq!(
                retry(reason),
                Retry::Futile(Futile::ImageMissing),
                "{reason}"
            );
        }
    }

    #[test]
    fn an_image_for_another_platform_is_futile() {
        for reason in WRONG_PLATFORM_REASONS {
            assert_eq!(
                retry(reason),
                Retry::Futile(Futile::WrongPlatform),
                "{reason}"
            );
        }
    }

    #[test]
    fn throttling_time_outs_networks_and_permissions_may_pass() {
        for reason in TRANSIENT_REASONS {
            assert_eq!(retry(reason), Retry::MayHelp, "{reason}");
        }
    }

    #[test]
    fn crashes_health_checks_and_other_errors_are_left_to_the_breaker() {
        for reason in [
            "Essential container in task exited; web exited 3",
            "Task failed ELB health checks in (target-group arn:aws:elasticloadbalancing:…)",
            "CannotStartContainerError: podman run --detach failed: Error: container-init binary not found on the host",
            "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: secret not found",
            "CannotCreateContainerError: API error (500): devmapper: Thin Pool has 4350 free data blocks",
            "CannotPullContainerError: write /var/lib/docker/tmp/GetImageBlob: no space left on device",
            "",
        ] {
            assert_eq!(retry(reason), Retry::MayHelp, "{reason}");
        }
    }

    #[test]
    fn the_words_are_the_users() {
        assert!(Futile::ImageMissing.why().contains("does not exist"));
        assert!(Futile::WrongPlatform.why().contains("platform"));
    }

    #[test]
    fn a_task_failed_unless_it_was_stopped_on_purpose() {
        assert!(failed(
            Some("TaskFailedToStart"),
            "CannotPullContainerError: x"
        ));
        assert!(failed(
            Some("EssentialContainerExited"),
            "Essential container in task exited"
        ));
        assert!(failed(None, "CannotPullContainerError: not found"));
        assert!(failed(
            Some("ServiceSchedulerInitiated"),
            "Task failed ELB health checks in (target-group arn)"
        ));
        assert!(!failed(
            Some("ServiceSchedulerInitiated"),
            "Scaling activity initiated by (deployment ecs-svc/1)"
        ));
        assert!(!failed(Some("UserInitiated"), "Task stopped by user"));
        assert!(!failed(None, "Service deleted"));
    }
}
