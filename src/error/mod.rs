//! The tool's errors: what happened and why on one line, then hints naming the next command.

pub mod attach;

pub use attach::AttachError;

use crate::aws::cfn::WaitError;
use crate::aws::config::{ConfigError, Place};
use crate::aws::AwsError;
use crate::image::build::BuildError;
use mysfits_lab::alb::{PlacementError, RuleError};
use mysfits_lab::compose::ComposeError;
use mysfits_lab::manifest::ManifestError;
use mysfits_lab::names::NameError;
use mysfits_lab::outputs::MissingOutput;
use mysfits_lab::rollout::{Rollback, RolledBackBy};
use mysfits_lab::stack::StackStatus;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Attach(#[from] AttachError),
    #[error("{0}")]
    AttachFlags(String),
    #[error("waiting for stack '{stack}': {source}")]
    Wait {
        stack: String,
        #[source]
        source: WaitError,
    },
    #[error("lab '{lab}' is not set up in {place}: there is no stack named '{lab}'")]
    NotSetUp { lab: String, place: Place },
    #[error(
        "stack '{stack}' exists but mysfits did not create it: it has no tag mysfits:lab={stack}"
    )]
    NotOurs { stack: String },
    #[error("stack '{stack}' is {status}: CloudFormation can only delete it and create it again")]
    NeedsReplacing {
        stack: String,
        status: StackStatus,
        reasons: Vec<String>,
    },
    #[error("stack '{stack}' ended {status}{}", first_reason(reasons))]
    StackFailed {
        stack: String,
        status: StackStatus,
        reasons: Vec<String>,
    },
    #[error("{0}: the stack did not finish creating, so its outputs cannot be trusted")]
    Outputs(#[from] MissingOutput),
    #[error("{} already exist{}: nothing was written", some_paths(.0), if .0.len() == 1 { "s" } else { "" })]
    FileExists(Vec<String>),
    #[error(transparent)]
    Compose(#[from] ComposeError),
    /// The reason on the same line: the whole error is one line.
    #[error("cannot read compose file {path}: {reason}")]
    ComposeRead {
        path: String,
        reason: std::io::Error,
    },
    /// `init --from-compose` would overwrite the manifest.
    #[error("{path} already exists: nothing was written")]
    ManifestExists { path: String, rerun: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The command (`cleanup`, `merge like-service`) that asks before it deletes.
    #[error("{0} needs confirmation, and there is no terminal to ask on: nothing was deleted")]
    NotConfirmed(String),
    #[error("{0} was declined: nothing was deleted")]
    Declined(String),
    #[error("interrupted at {0}'s question: nothing was deleted")]
    InterruptedAtQuestion(String),
    #[error("cleanup left {0} resource(s) of the lab behind (listed above)")]
    Leftovers(usize),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// A worker thread (a blocking registry call or probe) panicked: a bug of ours.
    #[error("{0}: a worker thread failed: {1}")]
    Worker(&'static str, String),
    #[error("the built-in sample data does not parse: {0}")]
    SampleData(String),
    #[error("website bucket {0} (the stack's WebsiteBucket output) does not exist: the page cannot be published")]
    WebsiteBucketMissing(String),
    #[error("clicks bucket {0} (the stack's ClicksBucket output) does not exist: there are no clicks to read")]
    ClicksBucketMissing(String),
    #[error("stack '{0}' kept changing while up tried to update it: nothing more was changed")]
    StackKeptChanging(String),
    #[error("{0} is the default route's service: it answers every path no rule takes, so it cannot be split out")]
    SplitDefault(String),
    #[error("{0} has no route in the manifest yet: split needs the paths it serves")]
    SplitNoRoute(String),
    #[error("no single manifest service is routed by {patterns}: name one of {known}")]
    NoRoutedService { patterns: String, known: String },
    #[error("target group {name} exists but mysfits did not create it (no tag mysfits:lab={lab})")]
    ForeignTargetGroup { name: String, lab: String },
    #[error("the rule at priority {0} went away while split placed its rule")]
    RuleGone(u32),
    #[error("listener already has {rules} rules, ALB's quota of rules per load balancer (the default actions aside): split cannot add one for {service}")]
    ListenerFull { rules: usize, service: String },
    #[error("the task did not reach RUNNING in {0}s")]
    TaskNotRunning(u64),
    #[error("the task has no network interface: it was never placed in the VPC")]
    NoNetworkInterface,
    #[error("stack '{stack}' is {status}: nothing was created or changed")]
    StackNotReady { stack: String, status: StackStatus },
    #[error("'{0}' is not a request path: it must start with '/'")]
    NotAPath(String),
    #[error("{0} is the default route's service: there is no split to merge")]
    MergeDefault(String),
    #[error("{0} is the default route's service: it takes what the rules leave, there is no weight to shift")]
    ShiftDefault(String),
    #[error("{0} is not split out yet: there is no listener rule to shift")]
    NotSplit(String),
    #[error("{service} rolled back to 0 %: {breach}")]
    RolledBack {
        service: String,
        breach: String,
        rerun: String,
    },
    /// Traffic was about to move onto a target group with no healthy target: it stays.
    #[error("{service} has no healthy target in {target_group} after {waited} s: {kept}")]
    NoHealthyTarget {
        service: String,
        target_group: String,
        waited: u64,
        kept: String,
        rerun: String,
    },
    #[error("unknown service '{name}': the manifest has {known}")]
    UnknownService { name: String, known: String },
    /// Neither the manifest nor the lab's ECS services (by its tag) have it.
    #[error(
        "unknown service '{name}': lab '{lab}' has {known} (its ECS services and the manifest's)"
    )]
    UnknownLabService {
        name: String,
        lab: String,
        known: String,
    },
    #[error(
        "{0} is not in the manifest and has no target group to tell its port and health-check path"
    )]
    NoPortKnown(String),
    #[error("no image tag for {0}: deploy needs --tag (or --image URI)")]
    NoTag(String),
    #[error("{service} has no `build:` in the manifest, so deploy cannot build its image")]
    NoBuild {
        service: String,
        tag: Option<String>,
    },
    #[error(transparent)]
    Build(#[from] crate::image::build::BuildError),
    #[error("build context {context} does not exist: with no mysfits.yaml the built-in lab builds {service} from {context} under the working directory ({cwd})")]
    NoSampleApps {
        service: String,
        context: String,
        cwd: String,
    },
    #[error(transparent)]
    Registry(#[from] crate::image::registry::RegistryError),
    #[error(
        "tag '{tag}' is not in {repository}{}: nothing was changed on AWS",
        existing_tags(existing)
    )]
    TagMissing {
        repository: String,
        tag: String,
        existing: Vec<String>,
    },
    #[error("deployment of {service} failed: {reason}")]
    DeployFailed {
        service: String,
        reason: String,
        stopped: Vec<String>,
        rollback: Rollback,
        by: RolledBackBy,
    },
    #[error("deployment of {service} failed, and it rolled back to {revision}, whose tasks also fail to start: {reason}")]
    RollbackFails {
        service: String,
        /// Why the deployment itself failed.
        failed: String,
        revision: String,
        reason: String,
        stopped: Vec<String>,
    },
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error(transparent)]
    Placement(Box<PlacementError>),
    #[error("the manifest's routes cannot all be placed as split would place them: {0}")]
    ManifestRoutes(Box<PlacementError>),
    #[error("the task stopped before it ran: {0}")]
    TaskStopped(String),
    #[error("the task has no public IP: it runs where nothing outside the VPC can reach it")]
    NoPublicIp,
    #[error("GET {url} got no answer: {detail}")]
    ProbeFailed { url: String, detail: String },
    #[error("{service} has no task-definition revision yet")]
    NoRevision {
        service: String,
        /// The deploy that registers one, as the manifest allows (built, or `--image`).
        deploy: String,
    },
    #[error("deployment of {service} did not finish in {waited}s: {last}")]
    DeployTimedOut {
        service: String,
        waited: u64,
        last: String,
    },
}

impl From<PlacementError> for Error {
    fn from(e: PlacementError) -> Self {
        Error::Placement(Box::new(e))
    }
}

/// A wait in a command (`aws::poll`) retries a look AWS throttled.
impl crate::aws::poll::Throttling for Error {
    fn is_throttling(&self) -> bool {
        matches!(self, Error::Aws(e) if e.is_throttling())
    }
}

/// Where a failed deployment left the service, and what to do next.
fn deploy_failed(
    service: &str,
    stopped: &[String],
    rollback: &Rollback,
    by: RolledBackBy,
    lab_flag: &str,
) -> Vec<String> {
    let mut h: Vec<String> = stopped
        .iter()
        .take(5)
        .map(|s| format!("stopped task {s}"))
        .collect();
    h.push(match (rollback, by) {
        (Rollback::Done(rev), RolledBackBy::Breaker) => {
            format!("the circuit breaker rolled the service back to {rev}, which is running")
        }
        (Rollback::Done(rev), RolledBackBy::Mysfits) => format!(
            "mysfits rolled the service back to {rev} at once, as it was before this deploy"
        ),
        (Rollback::Nothing, _) => format!(
            "no earlier deployment of {service} completed, so there is nothing to roll back to: `mysfits status{lab_flag}`"
        ),
        (Rollback::Unfinished | Rollback::AlsoFails { .. }, _) => {
            format!("the rollback has not finished: watch it with `mysfits status{lab_flag}`")
        }
    });
    h.push(match by {
        RolledBackBy::Mysfits => format!(
            "push the image (built for the task's platform) or deploy a tag that exists: `mysfits deploy {service} --tag …{lab_flag}`"
        ),
        RolledBackBy::Breaker => format!(
            "see why in its logs (`mysfits logs {service}{lab_flag}`), fix, and deploy a new tag"
        ),
    });
    h
}

fn existing_tags(tags: &[String]) -> String {
    if tags.is_empty() {
        " (it holds no tags)".into()
    } else {
        format!(" (it has: {})", tags.join(", "))
    }
}

/// Where a search looked, and how to look elsewhere.
/// The page's bucket policy is public read (an S3 website has to be); an account whose
/// S3 Block Public Access blocks public policies refuses it, and says so in the reason.
fn public_access_blocked(reasons: &[String]) -> Option<String> {
    reasons.iter().any(|r| r.contains("BlockPublicPolicy")).then(|| {
        "this account's S3 Block Public Access refuses the lab page's public-read bucket policy: \
         see it with `aws s3control get-public-access-block --account-id <account>`, and allow \
         public bucket policies for the account (or run the lab in an account that does)"
            .into()
    })
}

pub fn elsewhere(place: &Place) -> String {
    format!(
        "this looked in region {} (from {}); if the lab is in another region, name it with `--region REGION` or AWS_REGION (and its account with `--profile NAME`)",
        place.region, place.region_from
    )
}

/// A list of paths short enough for one line: the first two, then how many more.
fn some_paths(paths: &[String]) -> String {
    match paths {
        [] => String::new(),
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        [a, b, rest @ ..] => format!("{a}, {b} and {} more", rest.len()),
    }
}

fn first_reason(reasons: &[String]) -> String {
    reasons
        .first()
        .map(|r| format!(": {r}"))
        .unwrap_or_default()
}

impl Error {
    /// Lines that tell the user what to do next.
    pub fn hints(&self, lab: &str) -> Vec<String> {
        let lab_flag = mysfits_lab::names::lab_flag(lab);
        match self {
            Error::Attach(e) => e.hints(&lab_flag),
            Error::Name(NameError::TargetGroupTooLong { .. }) => {
                vec!["use a shorter --lab or service name".into()]
            }
            Error::Name(_) => vec!["pick a name like `--lab mysfits-dev` (lowercase letters, digits, hyphens; at most 20)".into()],
            Error::Manifest(_) => vec!["fix the manifest, or run `mysfits init --force` to start again from the default".into()],
            Error::Config(ConfigError::NoRegion) => vec![
                "pass `--region us-east-1`, set AWS_REGION, or set a region in your AWS profile".into(),
            ],
            Error::Config(ConfigError::NoCredentials(_)) => vec![
                "run `aws configure` or `aws sso login`, or pass `--profile NAME`".into(),
                "for the local emulator any keys do: export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing".into(),
            ],
            Error::Config(ConfigError::BadEndpoint(_)) => vec!["use a URL such as http://127.0.0.1:5000".into()],
            Error::Config(ConfigError::UnknownProfile { .. }) => vec!["list the profiles with `aws configure list-profiles`, or create it with `aws configure --profile NAME`".into()],
            Error::Aws(AwsError::Unreachable { .. } | AwsError::Timeout { .. } | AwsError::NotAws { .. }) => vec![
                "check --endpoint-url or AWS_ENDPOINT_URL (and any proxy in the way); if it is a local emulator, is it running?".into(),
            ],
            Error::Aws(AwsError::Unprocessed { .. }) => vec![
                format!("DynamoDB was over its write capacity; run `mysfits up{lab_flag}` again: it loads only what is missing"),
            ],
            Error::Aws(e) if e.is_throttling() => vec![
                format!("AWS throttled the calls through every retry; this is transient: re-run the same command (it picks up where it stopped), or see what is done with `mysfits status{lab_flag}`"),
            ],
            Error::Aws(e) if e.code().is_some_and(|c| c.contains("Auth") || c.contains("Token") || c.contains("Signature")) => {
                vec!["check your credentials: `aws sts get-caller-identity`".into()]
            }
            // The region first: `up` in the wrong place bills a second lab.
            Error::NotSetUp { place, .. } => vec![
                elsewhere(place),
                format!("only to set up a new lab in {} (it bills until cleanup): `mysfits up --region {}{lab_flag}`", place.region, place.region),
            ],
            Error::NotOurs { .. } => vec![format!("choose another lab name: `mysfits up --lab {lab}-2`")],
            Error::NeedsReplacing { reasons, .. } => {
                let mut h: Vec<String> = reasons.iter().map(|r| format!("it failed because {r}")).collect();
                h.extend(public_access_blocked(reasons));
                h.push(format!("replace it: `mysfits up{lab_flag} --yes`"));
                h
            }
            Error::StackFailed { reasons, .. } => {
                let mut h: Vec<String> = reasons.iter().skip(1).map(|r| format!("also: {r}")).collect();
                h.extend(public_access_blocked(reasons));
                h.push(format!("see `mysfits status{lab_flag}`; once fixed, `mysfits up{lab_flag} --yes` replaces a failed stack"));
                h
            }
            Error::Wait { .. } => vec![format!("nothing was cancelled; check again with `mysfits status{lab_flag}`")],
            Error::Outputs(_) => vec![format!("run `mysfits up{lab_flag}` to finish it")],
            Error::FileExists(paths) => vec![format!(
                "overwrite {} with the built-in lab: `mysfits init --force`",
                if paths.len() == 1 { "it" } else { "them" }
            )],
            Error::Compose(e) => vec![compose_hint(e)],
            Error::ComposeRead { .. } => vec!["pass your compose file's path, e.g. `mysfits init --from-compose docker-compose.yml`".into()],
            Error::ManifestExists { rerun, .. } => vec![format!("overwrite it: `{rerun} --force`, or write elsewhere with --manifest PATH")],
            Error::InterruptedAtQuestion(command) => vec![format!("ask again with `mysfits {command}{lab_flag}`, or see what is there with `mysfits status{lab_flag}`")],
            Error::NotConfirmed(command) => vec![format!("pass --yes to delete without asking: `mysfits {command}{lab_flag} --yes`")],
            Error::Leftovers(_) => vec![format!("run `mysfits cleanup{lab_flag} --yes` again; it is safe to repeat")],
            Error::UnknownService { .. } => vec!["see the services with `mysfits status`, or add it to mysfits.yaml".into()],
            Error::UnknownLabService { .. } => vec![format!("see the services with `mysfits status{lab_flag}`")],
            Error::NoPortKnown(_) => vec!["pass the manifest that has it (`--manifest PATH`), or add it to mysfits.yaml with its port and health_check".into()],
            Error::NoTag(s) => vec![format!("e.g. `mysfits deploy {s} --tag v1`")],
            Error::NoBuild { service, tag } => vec![format!(
                "pass an image built elsewhere: `mysfits deploy {service} --image URI{lab_flag}`, or a tag already pushed to its repository: `mysfits deploy {service} --tag {} --no-build{lab_flag}`",
                tag.as_deref().unwrap_or("TAG")
            )],
            Error::Build(BuildError::NotInstalled(_)) => {
                vec!["install it, or pick the other with --builder docker|podman (or MYSFITS_BUILDER)".into()]
            }
            Error::Build(BuildError::NoContext(_) | BuildError::NoDockerfile(_)) => vec![
                "fix the service's `build:` in the manifest (a directory holding a Dockerfile, relative to the manifest file)".into(),
            ],
            Error::Build(BuildError::WrongPlatform { image, wanted, .. }) => vec![format!(
                "build FROM a base image for {wanted} (or remove a cached one: `docker|podman rmi {image}`) and deploy again; nothing was pushed"
            )],
            Error::Build(_) => vec!["fix the build and deploy again; nothing was changed on AWS".into()],
            Error::NoSampleApps { .. } => vec![
                "write the manifest and the sample apps here: `mysfits init`, then deploy again".into(),
                "or run where your mysfits.yaml is, or pass --manifest PATH".into(),
            ],
            Error::TagMissing { tag, .. } => vec![format!("push the tag first (deploy without --no-build builds and pushes it), or deploy a tag that exists instead of '{tag}'")],
            Error::DeployFailed { service, stopped, rollback, by, .. } => deploy_failed(service, stopped, rollback, *by, &lab_flag),
            Error::RollbackFails { service, failed, revision, stopped, .. } => {
                let mut h = vec![format!("the deployment failed first: {failed}")];
                h.extend(stopped.iter().take(5).map(|s| format!("stopped task {s}")));
                h.push(format!("ECS keeps trying to start {revision}'s tasks, and the service serves nothing meanwhile: `mysfits status{lab_flag}`"));
                h.push(format!("fix the image, then deploy a tag that starts: `mysfits deploy {service} --tag …{lab_flag}`"));
                h
            }
            Error::StackNotReady { status, .. } => vec![if status.phase() == mysfits_lab::stack::Phase::InProgress {
                format!("another change is under way; wait for it (`mysfits status{lab_flag}`), then run this again")
            } else {
                format!("repair or replace the stack first: `mysfits up{lab_flag} --yes`, or remove it with `mysfits cleanup{lab_flag}`")
            }],
            Error::NotAPath(p) => vec![format!("e.g. `mysfits route /{}{lab_flag}`", p.trim_start_matches('/'))],
            Error::MergeDefault(_) => vec![format!("merge a service split out by path; `mysfits status{lab_flag}` lists the rules")],
            Error::ShiftDefault(_) => vec![format!("shift a service split out by path, e.g. `mysfits shift like-service 50{lab_flag}`")],
            Error::NotSplit(s) => vec![format!("split it first, e.g. with a canary: `mysfits split {s} --canary 10{lab_flag}`")],
            Error::RolledBack { service, rerun, .. } => vec![
                format!("all its paths' requests go to the default service again; the rule stays: `mysfits status{lab_flag}`"),
                format!("see why: `mysfits logs {service}{lab_flag}`"),
                format!("once fixed, run it again: `{rerun}`"),
            ],
            Error::NoHealthyTarget { service, rerun, .. } => vec![
                format!("see why: `mysfits logs {service}{lab_flag}` and `mysfits status{lab_flag}`"),
                format!("once it is up, run it again: `{rerun}`"),
            ],
            Error::SplitDefault(_) => vec![format!("split another service of the manifest, e.g. `mysfits split like-service{lab_flag}`")],
            Error::SplitNoRoute(service) => vec![format!("give them with --path: `mysfits split {service} --path PATTERN{lab_flag}`, or set its `route:` in the manifest")],
            Error::NoRoutedService { .. } => vec![format!("e.g. `mysfits split SERVICE --path '/api/*'{lab_flag}`")],
            Error::ForeignTargetGroup { name, .. } => vec![format!("rename or delete {name} (mysfits never touches what it did not make), or use another --lab")],
            Error::RuleGone(_) => vec![format!("someone changed the listener meanwhile: run the same split again{lab_flag}")],
            Error::ListenerFull { .. } => vec![format!("remove or merge a rule first (`mysfits status{lab_flag}` lists them), or ask AWS for a higher \"Rules per Application Load Balancer\" quota")],
            Error::WebsiteBucketMissing(_) => vec![
                format!("someone deleted it outside CloudFormation; replace the stack: `mysfits cleanup{lab_flag} --yes`, then `mysfits up{lab_flag}`"),
            ],
            Error::ClicksBucketMissing(_) => vec![
                format!("someone deleted it outside CloudFormation; `mysfits up{lab_flag}` makes the stack whole again"),
            ],
            Error::StackKeptChanging(_) => vec![format!("wait until no one else changes it (`mysfits status{lab_flag}`), then run `mysfits up{lab_flag}` again")],
            Error::TaskNotRunning(_) => vec![format!("the task may still start: `mysfits status{lab_flag}`; `mysfits cleanup{lab_flag}` stops it, or pass a longer --timeout")],
            Error::Worker(..) | Error::SampleData(_) => vec!["this is a bug in mysfits: please report it with the command line".into()],
            Error::Rule(e) => e.hints(),
            Error::Placement(e) => e.hints(&lab_flag),
            Error::ManifestRoutes(_) => vec!["change the services' routes in the manifest so that each one keeps some paths of its own".into()],
            Error::NoRevision { deploy, .. } => vec![format!("register one first: `{deploy}{lab_flag}`")],
            Error::TaskStopped(_) => vec![format!("see the container's log lines in CloudWatch Logs (group /mysfits/{lab})")],
            Error::ProbeFailed { .. } => vec!["the task was stopped; check that the app listens on the manifest's port and answers its health_check path".into()],
            Error::DeployTimedOut { .. } => vec![format!("the deployment goes on; watch it with `mysfits status{lab_flag}`")],
            _ => vec![],
        }
    }

    /// 2 for what the user must change in the command line, 1 for what happened at run time.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::InterruptedAtQuestion(_) => 130,
            Error::Attach(e) => e.exit_code(),
            Error::Name(_)
            | Error::Manifest(_)
            | Error::UnknownService { .. }
            | Error::UnknownLabService { .. }
            | Error::NoTag(_)
            | Error::NoBuild { .. }
            | Error::NotAPath(_)
            | Error::MergeDefault(_)
            | Error::ShiftDefault(_)
            | Error::NotSplit(_)
            | Error::SplitDefault(_)
            | Error::SplitNoRoute(_)
            | Error::NoRoutedService { .. }
            | Error::FileExists(_)
            | Error::ComposeRead { .. }
            | Error::ManifestExists { .. }
            | Error::AttachFlags(_)
            | Error::NoSampleApps { .. }
            | Error::Build(BuildError::NoContext(_) | BuildError::NoDockerfile(_))
            | Error::Rule(_)
            | Error::ManifestRoutes(_)
            | Error::Config(ConfigError::BadEndpoint(_))
            | Error::Config(ConfigError::UnknownProfile { .. }) => 2,
            _ => 1,
        }
    }

    /// The causes below the top message, for `caused by:` lines.
    pub fn causes(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut cur = std::error::Error::source(self);
        // `transparent` variants share the message of their source: skip the repeat.
        if matches!(
            self,
            Error::Name(_)
                | Error::Manifest(_)
                | Error::Config(_)
                | Error::Aws(_)
                | Error::Rule(_)
                | Error::Placement(_)
                | Error::Compose(_)
        ) {
            cur = cur.and_then(|c| c.source());
        }
        while let Some(c) = cur {
            out.push(c.to_string());
            cur = c.source();
        }
        out
    }
}

/// What to change in the compose file; nothing was written.
fn compose_hint(e: &ComposeError) -> String {
    match e {
        ComposeError::NotYaml { .. } | ComposeError::NoServices(_) => {
            "a compose file is YAML with a `services:` mapping, each service with `build:` or `image:`".into()
        }
        ComposeError::NoImageOrBuild { service, .. } => format!(
            "give {service} `build: DIR` (its Dockerfile's directory) or `image: NAME`; nothing was written"
        ),
        ComposeError::NoDefault { .. } => {
            "publish port 80 on the service the load balancer's default route reaches (the monolith), e.g. `ports: [\"80:3000\"]`; nothing was written".into()
        }
        ComposeError::SeveralDefaults { .. } => {
            "publish port 80 on one service only: the monolith, which keeps the default route; nothing was written".into()
        }
        ComposeError::Manifest { .. } => {
            "change the compose file to fit (service names are lowercase letters, digits and hyphens); nothing was written".into()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_policy_refused_by_block_public_access_says_where_to_look() {
        let failed = Error::StackFailed {
            stack: "mysfits".into(),
            status: StackStatus::RollbackComplete,
            reasons: vec![
                "WebsiteBucketPolicy (AWS::S3::BucketPolicy): API: s3:PutBucketPolicy \
                 Access Denied because public policies are blocked by the BlockPublicPolicy \
                 block public access setting."
                    .into(),
            ],
        };
        let hints = failed.hints("mysfits");
        assert!(hints[0].contains("S3 Block Public Access"), "{hints:?}");
        assert!(hints[0].contains("get-public-access-block"), "{hints:?}");
        let other = Error::StackFailed {
            stack: "mysfits".into(),
            status: StackStatus::RollbackComplete,
            reasons: vec!["Vpc (AWS::EC2::VPC): limit exceeded".into()],
        };
        assert!(!other
            .hints("mysfits")
            .iter()
            .any(|h| h.contains("Block Public")));
    }

    #[test]
    fn a_stack_not_ready_for_change_says_what_to_do() {
        let dying = Error::StackNotReady {
            stack: "plain".into(),
            status: StackStatus::DeleteInProgress,
        };
        assert_eq!(
            dying.to_string(),
            "stack 'plain' is DELETE_IN_PROGRESS: nothing was created or changed"
        );
        assert!(dying.hints("plain")[0].contains("`mysfits status --lab plain`"));
        let failed = Error::StackNotReady {
            stack: "mysfits".into(),
            status: StackStatus::RollbackComplete,
        };
        assert!(failed.hints("mysfits")[0].contains("`mysfits up --yes`"));
        assert_eq!(failed.exit_code(), 1);
    }

    #[test]
    fn a_failed_deployment_says_why_and_where_the_service_is() {
        let err = Error::DeployFailed {
            service: "like-service".into(),
            reason: "ECS deployment circuit breaker: tasks failed to start.".into(),
            stopped: vec!["abc123: Essential container in task exited; web exited 3".into()],
            rollback: Rollback::Done("mysfits-like-service:1".into()),
            by: RolledBackBy::Breaker,
        };
        assert_eq!(
            err.to_string(),
            "deployment of like-service failed: ECS deployment circuit breaker: tasks failed to start."
        );
        let hints = err.hints("mysfits");
        assert_eq!(
            hints[0],
            "stopped task abc123: Essential container in task exited; web exited 3"
        );
        assert!(hints[1].contains("rolled the service back to mysfits-like-service:1"));
        assert!(
            hints[2].contains("`mysfits logs like-service`"),
            "{hints:?}"
        );
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn a_deployment_rolled_back_at_once_says_so() {
        let err = Error::DeployFailed {
            service: "web".into(),
            reason: "task abc: CannotPullContainerError: …: not found, and the image or tag does not exist in its registry: a retry cannot fix that".into(),
            stopped: vec![],
            rollback: Rollback::Done("mysfits-web:2".into()),
            by: RolledBackBy::Mysfits,
        };
        let hints = err.hints("mysfits");
        assert_eq!(
            hints[0],
            "mysfits rolled the service back to mysfits-web:2 at once, as it was before this deploy"
        );
        assert!(
            hints[1].contains("`mysfits deploy web --tag …`"),
            "{hints:?}"
        );
        let nothing = Error::DeployFailed {
            service: "like".into(),
            reason: "x".into(),
            stopped: vec![],
            rollback: Rollback::Nothing,
            by: RolledBackBy::Breaker,
        };
        assert!(nothing.hints("lab2")[0]
            .contains("nothing to roll back to: `mysfits status --lab lab2`"));
    }

    #[test]
    fn a_rollback_that_fails_too_says_which_revision_and_why() {
        let err = Error::RollbackFails {
            service: "monolith-service".into(),
            failed: "ECS deployment circuit breaker: tasks failed to start.".into(),
            revision: "mysfits-monolith-service:1".into(),
            reason: "CannotPullContainerError: public.ecr.aws/nginx/nginx:stable-alpine: not found"
                .into(),
            stopped: vec!["abc: Essential container in task exited".into()],
        };
        assert!(err.to_string().contains(
            "rolled back to mysfits-monolith-service:1, whose tasks also fail to start: CannotPullContainerError"
        ));
        let hints = err.hints("mysfits");
        assert_eq!(
            hints[0],
            "the deployment failed first: ECS deployment circuit breaker: tasks failed to start."
        );
        assert_eq!(
            hints[1],
            "stopped task abc: Essential container in task exited"
        );
        assert!(hints[3].contains("`mysfits deploy monolith-service --tag …`"));
        assert_eq!(err.exit_code(), 1);
    }

    #[test]
    fn a_missing_tag_lists_the_tags_there_are() {
        let err = Error::TagMissing {
            repository: "repo".into(),
            tag: "latest".into(),
            existing: vec!["v1".into(), "v2".into()],
        };
        assert_eq!(
            err.to_string(),
            "tag 'latest' is not in repo (it has: v1, v2): nothing was changed on AWS"
        );
    }

    #[test]
    fn a_lab_not_found_names_where_it_looked_and_hints_the_region_before_up() {
        let place = |account: Option<&str>| Place {
            region: "eu-west-1".into(),
            region_from: "AWS_REGION".into(),
            account: account.map(String::from),
            endpoint: None,
        };
        let err = Error::NotSetUp {
            lab: "dev".into(),
            place: place(Some("123456789012")),
        };
        assert_eq!(
            err.to_string(),
            "lab 'dev' is not set up in eu-west-1, account 123456789012: there is no stack named 'dev'"
        );
        let hints = err.hints("dev");
        assert!(hints[0].starts_with("this looked in region eu-west-1 (from AWS_REGION)"));
        assert!(hints[1].ends_with("`mysfits up --region eu-west-1 --lab dev`"));
        let err = Error::NotSetUp {
            lab: "mysfits".into(),
            place: place(None),
        };
        assert!(err.to_string().contains("not set up in eu-west-1: there"));
        assert!(err.hints("mysfits")[1].ends_with("`mysfits up --region eu-west-1`"));
    }
}
