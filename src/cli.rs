//! Command-line types only: parsed once, then turned into validated settings.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use mysfits_lab::alb::{parse_header, parse_method, Glob, PathPattern, RuleError};

#[derive(Debug, Parser)]
#[command(
    name = "mysfits",
    version,
    about = "Take a container app from monolith to microservices on AWS Fargate",
    long_about = "Runs the \"Monolith to Microservices with Docker and AWS Fargate\" lab: \
core infrastructure, images, task-definition revisions, a service split out behind the \
same load balancer with a path rule, and a cleanup that leaves nothing billing.",
    after_help = "Start with `mysfits up`, then `mysfits deploy monolith-service --tag v1`."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// The command line, parsed (clap exits on `--help` and usage errors). Help is fitted
    /// to a terminal's width, and not wrapped at all off one: a pipe gets whole lines.
    pub fn parse_command_line() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        use std::io::IsTerminal;
        let mut command = Self::command();
        if !std::io::stdout().is_terminal() {
            command = command.term_width(0);
        }
        let mut matches = command.get_matches();
        Self::from_arg_matches_mut(&mut matches)
            .unwrap_or_else(|e| e.format(&mut Self::command()).exit())
    }
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Name of the lab: the stack name and the prefix of every name derived from it
    #[arg(long, global = true, default_value = mysfits_lab::names::DEFAULT_LAB, env = "MYSFITS_LAB")]
    pub lab: String,
    /// The manifest declaring the lab's services (default: ./mysfits.yaml, else the built-in lab)
    #[arg(long, global = true, value_name = "PATH")]
    pub manifest: Option<PathBuf>,
    /// How results are printed on stdout
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,
    /// Answer yes to every question (destructive commands ask first)
    #[arg(short = 'y', long, global = true)]
    pub yes: bool,
    /// Print only errors and data
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail, including every AWS API call
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

pub use crate::output::OutputFormat;

pub use crate::aws::config::AwsArgs;

// Parsed once and kept for the whole run: the size of its largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the lab's manifest (./mysfits.yaml) and the sample apps it builds (./examples/), or a manifest from a compose file
    #[command(after_help = crate::help::INIT)]
    Init(InitArgs),
    #[command(flatten)]
    Aws(AwsCommand),
    /// Print the core stack's CloudFormation template for the manifest (offline)
    #[command(after_help = crate::help::TEMPLATE)]
    Template,
    /// Print a shell completion script (offline)
    #[command(after_help = crate::help::COMPLETIONS)]
    Completions(CompletionsArgs),
    /// Print the man page, in roff (offline)
    #[command(after_help = crate::help::MAN)]
    Man,
}

/// The commands that call AWS: each takes `--profile`, `--region`, `--endpoint-url`.
#[derive(Debug, Subcommand)]
pub enum AwsCommand {
    /// Read an existing load balancer's listener and write a manifest that adds to it
    #[command(after_help = crate::help::ATTACH)]
    Attach(AttachArgs),
    /// Set up the lab: core stack, repositories, table, the monolith service
    #[command(after_help = crate::help::UP)]
    Up(UpArgs),
    /// Build, push and roll a service to a new task-definition revision
    #[command(after_help = crate::help::DEPLOY)]
    Deploy(DeployArgs),
    /// Run one task of a service outside the load balancer, as a smoke test
    #[command(after_help = crate::help::RUN)]
    Run(RunArgs),
    /// Carve a service out behind the same load balancer with a path rule
    #[command(after_help = crate::help::SPLIT)]
    Split(SplitArgs),
    /// Set the weight of a split service's path by hand, watching it when asked
    #[command(after_help = crate::help::SHIFT)]
    Shift(ShiftArgs),
    /// Show which service answers a request path, and why
    #[command(after_help = crate::help::ROUTE)]
    Route(RouteArgs),
    /// Send a split service's traffic back to the default route and remove it
    #[command(after_help = crate::help::MERGE)]
    Merge(MergeArgs),
    /// Stack outputs, services, listener rules and target health
    #[command(after_help = crate::help::STATUS)]
    Status(StatusArgs),
    /// Show a service's recent log lines
    #[command(after_help = crate::help::LOGS)]
    Logs(LogsArgs),
    /// Count the profile clicks delivered to the clicks bucket, and show the latest
    #[command(after_help = crate::help::CLICKS)]
    Clicks(ClicksArgs),
    /// Delete everything the lab created, then prove nothing is left
    #[command(after_help = crate::help::CLEANUP)]
    Cleanup(CleanupArgs),
}

impl AwsCommand {
    pub fn aws(&self) -> &AwsArgs {
        match self {
            AwsCommand::Attach(a) => &a.aws,
            AwsCommand::Up(a) => &a.aws,
            AwsCommand::Deploy(a) => &a.aws,
            AwsCommand::Run(a) => &a.aws,
            AwsCommand::Split(a) => &a.aws,
            AwsCommand::Shift(a) => &a.aws,
            AwsCommand::Route(a) => &a.aws,
            AwsCommand::Merge(a) => &a.aws,
            AwsCommand::Status(a) => &a.aws,
            AwsCommand::Logs(a) => &a.aws,
            AwsCommand::Clicks(a) => &a.aws,
            AwsCommand::Cleanup(a) => &a.aws,
        }
    }
}

/// `mysfits attach`'s arguments: the listener, by ARN or by load balancer and port.
#[derive(Debug, Args)]
pub struct AttachArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The listener's ARN
    #[arg(long, value_name = "ARN", conflicts_with_all = ["load_balancer", "port"], required_unless_present = "load_balancer")]
    pub listener: Option<String>,
    /// The load balancer, by name (with --port)
    #[arg(long, value_name = "NAME", requires = "port")]
    pub load_balancer: Option<String>,
    /// The listener's port (with --load-balancer)
    #[arg(long, value_name = "PORT", requires = "load_balancer")]
    pub port: Option<u16>,
    /// The ECS cluster of new services (default: the cluster of the ECS service behind
    /// the listener's default action)
    #[arg(long, value_name = "NAME")]
    pub cluster: Option<String>,
    /// Subnets of new tasks, comma-separated (default: the default service's, else the
    /// load balancer's)
    #[arg(long, value_name = "IDS", value_delimiter = ',')]
    pub subnets: Vec<String>,
    /// Overwrite an existing manifest
    #[arg(long)]
    pub force: bool,
}

/// `mysfits init`'s arguments.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite existing files
    #[arg(long)]
    pub force: bool,
    /// Write the manifest (./mysfits.yaml, or --manifest) from this compose file's
    /// services instead of the built-in lab, saying what it cannot carry over
    #[arg(long, value_name = "PATH")]
    pub from_compose: Option<PathBuf>,
}

/// `mysfits up`'s arguments.
#[derive(Debug, Args)]
pub struct UpArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Place tasks in private subnets behind NAT gateways (billed by the hour)
    #[arg(long)]
    pub private_tasks: bool,
    /// How long Firehose holds profile clicks before it writes them to the clicks bucket
    /// (0s-15m; a short one shows clicks sooner, in more, smaller objects)
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_clicks_buffer)]
    pub clicks_buffer: u32,
    /// Image of the default-route service's first revision, which runs no task: the
    /// first deploy starts the service (a failed first deploy may roll back to it)
    #[arg(long, value_name = "URI", default_value = mysfits_lab::PLACEHOLDER_IMAGE)]
    pub placeholder_image: String,
}

/// `mysfits deploy`'s arguments.
#[derive(Debug, Args)]
pub struct DeployArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// A service of the manifest, e.g. monolith-service
    pub service: String,
    /// Image tag to build and push, or (with --no-build) that is already in the registry
    #[arg(long, value_parser = parse_tag)]
    pub tag: Option<String>,
    /// Container CLI that builds and pushes
    #[arg(long, env = "MYSFITS_BUILDER", value_enum, default_value_t = BuilderKind::Docker)]
    pub builder: BuilderKind,
    /// Deploy a tag already in the registry, without building
    #[arg(long, conflicts_with = "image")]
    pub no_build: bool,
    /// Deploy this image as it is: no build, no push, no registry check
    #[arg(long, value_name = "URI", conflicts_with_all = ["tag", "registry"], value_parser = parse_image)]
    pub image: Option<String>,
    /// Push to this registry instead of the lab's ECR repository
    #[arg(long, value_name = "HOST[/NAMESPACE]")]
    pub registry: Option<String>,
    /// A build argument for the Dockerfile, e.g. BASE_IMAGE=localhost/mysfits-base (repeatable)
    #[arg(long = "build-arg", value_name = "KEY=VALUE", value_parser = parse_build_arg)]
    pub build_args: Vec<(String, String)>,
    /// Return once the service is updated, without watching the deployment
    #[arg(long)]
    pub no_wait: bool,
    /// Give up watching after this many seconds (the deployment goes on)
    #[arg(long, value_name = "SECONDS", default_value_t = 1200)]
    pub timeout: u64,
}

/// `mysfits run`'s arguments.
#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    pub service: String,
    /// Run this ECR tag (pinned by digest) instead of the latest revision
    #[arg(long, value_parser = parse_tag)]
    pub tag: Option<String>,
    /// Leave the task running after the check
    #[arg(long)]
    pub keep: bool,
    /// Give up waiting for the task after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

/// `mysfits split`'s arguments.
#[derive(Debug, Args)]
pub struct SplitArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The service to split out (default: the manifest service routed by --path)
    pub service: Option<String>,
    /// ALB path pattern to route to it (repeatable; default: its manifest route)
    #[arg(long = "path", value_name = "PATTERN", value_parser = parse_pattern)]
    pub paths: Vec<PathPattern>,
    /// Host-header value the rule also requires, '*' and '?' allowed (repeatable,
    /// ORed; default: the manifest service's `host:`)
    #[arg(long = "host", value_name = "HOST", value_parser = parse_host)]
    pub hosts: Vec<Glob>,
    /// Rule priority, 1-50000 (default: where the rule belongs among the lab's rules)
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=50_000))]
    pub priority: Option<u32>,
    /// Accept a rule that leaves patterns unreachable, or a trailing-slash or '//'
    /// pattern, knowingly (a warning names what goes dark)
    #[arg(long)]
    pub force: bool,
    /// Return once the service is created, without waiting for it to be healthy
    #[arg(long)]
    pub no_wait: bool,
    /// Give up waiting after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 1200)]
    pub timeout: u64,
    /// Send only this percent of the paths' requests to the service, the rest to the
    /// default service (1-100; 100 is the plain split)
    #[arg(long, value_name = "PERCENT", value_parser = clap::value_parser!(u8).range(1..=100))]
    pub canary: Option<u8>,
    /// Walk the weight through these percents, watching each for --bake (ascending, 1-100)
    #[arg(long, value_name = "P1,P2,...", value_parser = parse_steps)]
    pub steps: Option<Steps>,
    #[command(flatten)]
    pub watch: WatchArgs,
}

/// How a weight is watched before the next (split's walk, shift).
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// How long each weight is watched, e.g. 30s, 5m (a --steps walk: 5m unless given;
    /// shift and a lone --canary watch only when given)
    #[arg(long, value_name = "DURATION", value_parser = parse_bake)]
    pub bake: Option<std::time::Duration>,
    /// Roll back when more than this percent of the service's requests answer 5xx
    /// (once at least 5 did)
    #[arg(long = "max-5xx", value_name = "PERCENT", default_value = "1", value_parser = mysfits_lab::bake::parse_percent)]
    pub max_5xx: f64,
}

/// `--steps`: strictly ascending percents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Steps(pub Vec<u8>);

fn parse_steps(s: &str) -> Result<Steps, String> {
    mysfits_lab::weights::parse_steps(s).map(Steps)
}

/// A bake: a humantime duration above zero.
fn parse_bake(s: &str) -> Result<std::time::Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if !d.is_zero() => Ok(d),
        Ok(_) => Err(format!("'{s}' is no time to watch: give e.g. 30s or 5m")),
        Err(e) => Err(format!("'{s}' is not a duration like 30s or 5m: {e}")),
    }
}

/// Firehose's buffering interval, in whole seconds within its range.
fn parse_clicks_buffer(s: &str) -> Result<u32, String> {
    let max = mysfits_lab::template::CLICKS_BUFFER_MAX;
    match humantime::parse_duration(s) {
        Ok(d) if d.as_secs() <= u64::from(max) && d.subsec_nanos() == 0 => Ok(d.as_secs() as u32),
        Ok(_) => Err(format!(
            "'{s}' is outside Firehose's buffering range: whole seconds from 0s to {max}s (15m)"
        )),
        Err(e) => Err(format!("'{s}' is not a duration like 5s or 1m: {e}")),
    }
}

/// `mysfits shift`'s arguments.
#[derive(Debug, Args)]
pub struct ShiftArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// A service split out with `mysfits split`
    pub service: String,
    /// Percent of its paths' requests it answers (0-100): 100 is the plain split, 0 sends
    /// all back to the default service and keeps the rule
    #[arg(value_parser = clap::value_parser!(u8).range(0..=100))]
    pub weight: u8,
    #[command(flatten)]
    pub watch: WatchArgs,
    /// Give up waiting for the service's first healthy target (before a raise) after
    /// this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

/// `mysfits route`'s arguments.
#[derive(Debug, Args)]
pub struct RouteArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// A request path, e.g. /mysfits/123/like (a `?query` is matched by query-string rules)
    pub path: String,
    /// The request's Host header (without it, no host condition matches)
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,
    /// The request's method, e.g. POST (without it, no method condition matches)
    #[arg(long, value_name = "METHOD", value_parser = |s: &str| parse_method(s).map_err(|e| e.to_string()))]
    pub method: Option<String>,
    /// A request header, NAME=VALUE (repeatable)
    #[arg(long = "header", value_name = "NAME=VALUE", value_parser = |s: &str| parse_header(s).map_err(|e| e.to_string()))]
    pub headers: Vec<(String, String)>,
    /// Evaluate the manifest's routes instead of the live listener
    #[arg(long)]
    pub offline: bool,
}

/// `mysfits merge`'s arguments.
#[derive(Debug, Args)]
pub struct MergeArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    pub service: String,
    /// Print what would be deleted, and stop
    #[arg(long)]
    pub dry_run: bool,
    /// Give up waiting for the default service's first healthy target (before its paths
    /// go back to it) after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 300)]
    pub timeout: u64,
}

/// `mysfits status`'s arguments.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `mysfits logs`'s arguments.
#[derive(Debug, Args)]
pub struct LogsArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// The service whose lines to print (default: every service of the lab)
    pub service: Option<String>,
    /// Keep printing new lines as they come, until Ctrl-C
    #[arg(short, long)]
    pub follow: bool,
    /// How far back: e.g. 30s, 10m, 2h, 1d
    #[arg(long, default_value = "1h", value_parser = crate::cli::parse_age)]
    pub since: u64,
    /// At most this many lines (the newest)
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
}

/// `mysfits clicks`'s arguments.
#[derive(Debug, Args)]
pub struct ClicksArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Show at most this many of the newest records
    #[arg(long, default_value_t = 10)]
    pub last: usize,
}

/// `mysfits completions`'s arguments.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// `mysfits cleanup`'s arguments.
#[derive(Debug, Args)]
pub struct CleanupArgs {
    #[command(flatten)]
    pub aws: AwsArgs,
    /// Print the plan and stop
    #[arg(long)]
    pub dry_run: bool,
}

/// The container CLI that builds and pushes images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BuilderKind {
    Docker,
    Podman,
}

impl BuilderKind {
    pub fn program(self) -> &'static str {
        match self {
            BuilderKind::Docker => "docker",
            BuilderKind::Podman => "podman",
        }
    }
}

/// What `deploy` rolls out: a tag it builds (or finds) in the registry, or an image as given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageSource<'a> {
    Tag(&'a str),
    Image(&'a str),
}

impl DeployArgs {
    /// `None` when neither `--tag` nor `--image` was given (the command says what to pass).
    pub fn source(&self) -> Option<ImageSource<'_>> {
        match (&self.image, &self.tag) {
            (Some(image), _) => Some(ImageSource::Image(image)),
            (None, Some(tag)) => Some(ImageSource::Tag(tag)),
            (None, None) => None,
        }
    }
}

/// One `--host`: a host-header value ALB accepts.
fn parse_host(s: &str) -> Result<Glob, String> {
    mysfits_lab::alb::parse_host(s).map_err(|e| e.to_string())
}

/// One `--path`: a valid ALB path pattern (the rule's limits are checked over all of them).
fn parse_pattern(s: &str) -> Result<PathPattern, String> {
    PathPattern::parse(s).map_err(|error| {
        RuleError::Pattern {
            input: s.to_string(),
            error,
        }
        .to_string()
    })
}

/// Docker's tag grammar: 1–128 of letters, digits, `_ . -`, not starting with `.` or `-`.
fn parse_tag(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && !s.starts_with(['.', '-'])
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c));
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!("image tag '{s}' is not valid: use up to 128 letters, digits, '_', '.', '-', not starting with '.' or '-'"))
    }
}

fn parse_image(s: &str) -> Result<String, String> {
    match mysfits_lab::image::problem(s) {
        None => Ok(s.to_string()),
        Some(why) => Err(format!("'{s}' is not an image reference: {why}; e.g. public.ecr.aws/nginx/nginx:stable-alpine or REPOSITORY@sha256:<digest>")),
    }
}

/// `30s`, `10m`, `2h`, `1d` → seconds.
pub fn parse_age(s: &str) -> Result<u64, String> {
    humantime::parse_duration(s)
        .map(|d| d.as_secs())
        .map_err(|e| format!("'{s}' is not an age like 30s, 10m, 2h or 1d: {e}"))
}

/// `KEY=VALUE` of `--build-arg`, as `docker build --build-arg` takes it.
fn parse_build_arg(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v))
            if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') =>
        {
            Ok((k.to_string(), v.to_string()))
        }
        _ => Err(format!(
            "'{s}' is not KEY=VALUE (KEY of letters, digits and _), e.g. BASE_IMAGE=python:3.12-slim"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_age;

    #[test]
    fn ages() {
        assert_eq!(parse_age("90s"), Ok(90));
        assert_eq!(parse_age("10m"), Ok(600));
        assert_eq!(parse_age("2h"), Ok(7200));
        assert!(parse_age("1x").is_err());
    }
}
