//! The rollout watch against recorded ECS answers (aws-smithy-mocks), for the states moto
//! cannot reach: a breaker's rollback, a task stopped for good, a rollback failing too, a deadline.

use super::*;
use crate::report::{Recorded, Silent};
use aws_sdk_ecs::operation::describe_services::DescribeServicesOutput;
use aws_sdk_ecs::operation::describe_tasks::DescribeTasksOutput;
use aws_sdk_ecs::operation::list_tasks::ListTasksOutput;
use aws_sdk_ecs::operation::update_service::UpdateServiceOutput;
use aws_sdk_ecs::types::{
    Container, Deployment, DeploymentRolloutState, Service, Task, TaskStopCode,
};
use aws_sdk_ecs::Client;
use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};

const NEW: &str = "arn:aws:ecs:us-east-1:1:task-definition/lab-web:2";
const OLD: &str = "arn:aws:ecs:us-east-1:1:task-definition/lab-web:1";
const BREAKER: &str = "ECS deployment circuit breaker: tasks failed to start.";
const MISSING: &str = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 1.dkr.ecr.us-east-1.amazonaws.com/lab/web:v9: not found";

fn dep(
    td: &str,
    status: &str,
    running: i32,
    state: DeploymentRolloutState,
    reason: Option<&str>,
) -> Deployment {
    Deployment::builder()
        .id(deployment_id(td))
        .task_definition(td)
        .status(status)
        .desired_count(1)
        .running_count(running)
        .pending_count(1 - running)
        .rollout_state(state)
        .set_rollout_state_reason(reason.map(String::from))
        .build()
}

fn rolling() -> DescribeServicesOutput {
    services(vec![
        dep(NEW, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
        dep(OLD, "ACTIVE", 1, DeploymentRolloutState::Completed, None),
    ])
}

/// The breaker failed the new deployment and rolls back to the old revision.
fn tripped() -> DescribeServicesOutput {
    services(vec![
        dep(OLD, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
        dep(
            NEW,
            "ACTIVE",
            0,
            DeploymentRolloutState::Failed,
            Some(BREAKER),
        ),
    ])
}

fn back_on_old() -> DescribeServicesOutput {
    only(OLD, 1, DeploymentRolloutState::Completed)
}

/// The service with one deployment, the primary one.
fn only(td: &str, running: i32, state: DeploymentRolloutState) -> DescribeServicesOutput {
    services(vec![dep(td, "PRIMARY", running, state, None)])
}

fn previous_old() -> Option<Previous> {
    Some(Previous {
        task_definition: OLD.into(),
        desired: 1,
    })
}

fn services(deps: Vec<Deployment>) -> DescribeServicesOutput {
    DescribeServicesOutput::builder()
        .services(
            Service::builder()
                .service_name("web")
                .desired_count(1)
                .set_deployments(Some(deps))
                .build(),
        )
        .build()
}

/// One deployment per revision here: `ecs-svc/2` deploys `lab-web:2`.
fn deployment_id(td: &str) -> String {
    format!("ecs-svc/{}", td.rsplit(':').next().unwrap_or_default())
}

fn task(id: &str, td: &str, code: TaskStopCode, reason: &str) -> Task {
    Task::builder()
        .task_arn(format!("arn:aws:ecs:us-east-1:1:task/c/{id}"))
        .task_definition_arn(td)
        .started_by(deployment_id(td))
        .stop_code(code)
        .stopped_reason(reason)
        .containers(Container::builder().name("web").reason(reason).build())
        .build()
}

/// ListTasks answers each list in turn (the last one again and again); DescribeTasks
/// describes exactly the tasks asked for, from `tasks`.
fn stopped(lists: Vec<Vec<&'static str>>, tasks: Vec<Task>) -> (Rule, Rule) {
    let mut seq = mock!(Client::list_tasks).sequence();
    let last = lists.len() - 1;
    for (i, ids) in lists.into_iter().enumerate() {
        let arns: Vec<String> = ids
            .iter()
            .map(|id| format!("arn:aws:ecs:us-east-1:1:task/c/{id}"))
            .collect();
        let out = move || {
            ListTasksOutput::builder()
                .set_task_arns(Some(arns.clone()))
                .build()
        };
        seq = seq.output(out);
        if i == last {
            return (
                seq.repeatedly().build(),
                mock!(Client::describe_tasks).then_compute_output(move |req| {
                    DescribeTasksOutput::builder()
                        .set_tasks(Some(
                            tasks
                                .iter()
                                .filter(|t| {
                                    req.tasks().iter().any(|a| Some(a.as_str()) == t.task_arn())
                                })
                                .cloned()
                                .collect(),
                        ))
                        .build()
                }),
            );
        }
    }
    unreachable!("at least one list")
}

fn client(rules: &[&Rule]) -> Client {
    mock_client!(aws_sdk_ecs, RuleMode::MatchAny, rules.iter().copied())
}

/// One task of the new revision stops, between the first look and the second.
fn one_stop(reason: &'static str) -> (Rule, Rule) {
    stopped(
        vec![vec![], vec!["abc123"]],
        vec![task("abc123", NEW, TaskStopCode::TaskFailedToStart, reason)],
    )
}

fn update() -> Rule {
    mock!(Client::update_service).then_output(|| UpdateServiceOutput::builder().build())
}

/// A client whose service looks as `describe` answers, with one task of the new
/// revision stopping for `reason`; and the UpdateService calls it takes.
fn one_stop_client(describe: &Rule, reason: &'static str) -> (Client, Rule) {
    let (list, tasks) = one_stop(reason);
    with_stops(describe, &list, &tasks)
}

/// A client whose service looks as `describe` answers, whose stopped tasks `list` and
/// `tasks` answer for; and the UpdateService calls it takes.
fn with_stops(describe: &Rule, list: &Rule, tasks: &Rule) -> (Client, Rule) {
    let updates = update();
    (client(&[describe, list, tasks, &updates]), updates)
}

/// The breaker failed the rollout, with these stopped tasks; and then `rollback`.
fn breaker_failed(stopped: &str, rollback: Rollback) -> Outcome {
    Outcome::Failed {
        reason: BREAKER.into(),
        stopped: vec![stopped.into()],
        rollback,
        by: RolledBackBy::Breaker,
    }
}

/// The outcome, and every line reported on the way.
async fn watch_recorded(
    client: &Client,
    timeout: Duration,
    previous: Option<Previous>,
) -> (Outcome, Vec<String>) {
    let reported = Recorded::default();
    let outcome = watch_with(client, timeout, previous, &reported).await;
    (outcome, reported.lines())
}

/// The new deployment, primary, not one task running, look after look.
fn never_running() -> Rule {
    mock!(Client::describe_services)
        .sequence()
        .output(|| only(NEW, 0, DeploymentRolloutState::InProgress))
        .repeatedly()
        .build()
}

async fn watch_with(
    client: &Client,
    timeout: Duration,
    previous: Option<Previous>,
    reporter: &dyn Reporter,
) -> Outcome {
    Watch {
        ecs: client,
        cluster: "c",
        service: "web",
        revision: NEW,
        previous,
        timeout,
        interval: Duration::from_millis(1),
    }
    .run(reporter)
    .await
    .unwrap()
}

async fn watch(client: &Client, timeout: Duration) -> Outcome {
    watch_with(client, timeout, None, &Silent).await
}

fn no_stopped_tasks() -> Rule {
    mock!(Client::list_tasks).then_output(|| ListTasksOutput::builder().build())
}

/// A service merged away and split again under the same name: the deleted one's
/// stopped task has the same revision, but another deployment started it.
#[tokio::test]
async fn tasks_of_a_deleted_service_of_the_same_name_are_not_this_rollouts() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(|| {
            services(vec![dep(
                NEW,
                "PRIMARY",
                0,
                DeploymentRolloutState::InProgress,
                None,
            )])
        })
        .output(|| {
            services(vec![dep(
                NEW,
                "PRIMARY",
                1,
                DeploymentRolloutState::Completed,
                None,
            )])
        })
        .build();
    let list = mock!(Client::list_tasks).then_output(|| {
        ListTasksOutput::builder()
            .task_arns("arn:aws:ecs:us-east-1:1:task/c/gone1")
            .build()
    });
    let tasks = mock!(Client::describe_tasks).then_output(|| {
        DescribeTasksOutput::builder()
            .tasks(
                Task::builder()
                    .task_arn("arn:aws:ecs:us-east-1:1:task/c/gone1")
                    .task_definition_arn(NEW)
                    .started_by("ecs-svc/of-the-deleted-service")
                    .stopped_reason("Service deleted")
                    .build(),
            )
            .build()
    });
    let client = mock_client!(aws_sdk_ecs, RuleMode::MatchAny, [&describe, &list, &tasks]);
    let reporter = Recorded::default();
    assert_eq!(
        watch_with(&client, Duration::from_secs(60), None, &reporter).await,
        Outcome::Completed
    );
    assert_eq!(tasks.num_calls(), 1, "the stopped task was looked at");
    assert!(reporter.events().is_empty(), "{:?}", reporter.events());
}

#[tokio::test]
async fn a_rollout_that_completes() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(rolling)
        .times(2)
        .output(|| only(NEW, 1, DeploymentRolloutState::Completed))
        .build();
    let list = no_stopped_tasks();
    let client = client(&[&describe, &list]);
    assert_eq!(
        watch(&client, Duration::from_secs(60)).await,
        Outcome::Completed
    );
    assert_eq!(describe.num_calls(), 3);
}

#[tokio::test]
async fn the_breaker_rolls_back_and_stopped_tasks_say_why() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(rolling)
        .output(tripped)
        .output(|| only(OLD, 0, DeploymentRolloutState::InProgress))
        .output(back_on_old)
        .build();
    let (list, tasks) = stopped(
        vec![vec![], vec!["abc123"]],
        vec![Task::builder()
            .task_arn("arn:aws:ecs:us-east-1:1:task/c/abc123")
            .task_definition_arn(NEW)
            .started_by(deployment_id(NEW))
            .stop_code(TaskStopCode::EssentialContainerExited)
            .stopped_reason("Essential container in task exited")
            .containers(Container::builder().name("web").exit_code(3).build())
            .build()],
    );
    let (client, updates) = with_stops(&describe, &list, &tasks);
    let (outcome, lines) = watch_recorded(&client, Duration::from_secs(60), None).await;
    let stopped = "abc123: Essential container in task exited; web exited 3";
    assert_eq!(outcome, breaker_failed(stopped, Rollback::Done(OLD.into())));
    // Each stopped task is described once, not at every poll; a crash is the breaker's.
    assert_eq!(tasks.num_calls(), 1);
    assert_eq!(updates.num_calls(), 0);
    // The rollback's row names the revision it goes back to, not the failed one.
    assert!(
        lines.contains(&"ok Rollback of web to lab-web:1: back on lab-web:1".to_string()),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_missing_image_is_rolled_back_at_its_first_failed_task() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(rolling)
        .times(2)
        .output(|| {
            services(vec![
                dep(OLD, "PRIMARY", 0, DeploymentRolloutState::InProgress, None),
                dep(NEW, "ACTIVE", 0, DeploymentRolloutState::InProgress, None),
            ])
        })
        .output(back_on_old)
        .build();
    let (list, tasks) = one_stop(MISSING);
    let updates = mock!(Client::update_service)
        .match_requests(|r| r.task_definition() == Some(OLD) && r.desired_count() == Some(1))
        .then_output(|| UpdateServiceOutput::builder().build());
    let client = client(&[&describe, &list, &tasks, &updates]);
    let (outcome, lines) = watch_recorded(&client, Duration::from_secs(60), previous_old()).await;
    let Outcome::Failed {
        reason,
        stopped,
        rollback,
        by,
    } = outcome
    else {
        panic!("{outcome:?}")
    };
    assert!(
        reason.starts_with("task abc123: CannotPullContainerError"),
        "{reason}"
    );
    assert!(
        reason
            .ends_with("the image or tag does not exist in its registry: a retry cannot fix that"),
        "{reason}"
    );
    // The container's reason repeats the task's: said once.
    assert_eq!(stopped, [format!("abc123: {MISSING}")]);
    assert_eq!(
        (rollback, by),
        (Rollback::Done(OLD.into()), RolledBackBy::Mysfits)
    );
    assert_eq!(
        updates.num_calls(),
        1,
        "one UpdateService, to the old revision"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("event rolling web back to lab-web:1 now")),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn the_previous_revision_is_found_among_the_deployments_on_a_re_run() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(rolling)
        .output(back_on_old)
        .repeatedly()
        .build();
    // The futile stop happened before this run began: still this rollout's.
    let (list, tasks) = stopped(
        vec![vec!["abc123"]],
        vec![task(
            "abc123",
            NEW,
            TaskStopCode::TaskFailedToStart,
            MISSING,
        )],
    );
    let updates = mock!(Client::update_service)
        .match_requests(|r| r.task_definition() == Some(OLD))
        .then_output(|| UpdateServiceOutput::builder().build());
    let client = client(&[&describe, &list, &tasks, &updates]);
    let outcome = watch(&client, Duration::from_secs(60)).await;
    assert!(
        matches!(
            &outcome,
            Outcome::Failed { rollback: Rollback::Done(td), by: RolledBackBy::Mysfits, .. } if td == OLD
        ),
        "{outcome:?}"
    );
    assert_eq!(updates.num_calls(), 1);
}

#[tokio::test]
async fn a_time_out_pulling_is_left_to_the_breaker() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(rolling)
        .times(3)
        .output(|| only(NEW, 1, DeploymentRolloutState::Completed))
        .build();
    let timeout = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref x: dial tcp 10.0.3.17:443: i/o timeout";
    let (client, updates) = one_stop_client(&describe, timeout);
    let outcome = watch_with(&client, Duration::from_secs(60), previous_old(), &Silent).await;
    assert_eq!(outcome, Outcome::Completed);
    assert_eq!(updates.num_calls(), 0);
}

#[tokio::test]
async fn a_rollback_whose_tasks_fail_too_is_reported_at_its_first_failure() {
    // The case: the breaker rolls back to a revision (up's placeholder) whose
    // tasks cannot start either. Its first failure comes in the same look as the
    // breaker's verdict.
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(|| only(NEW, 0, DeploymentRolloutState::InProgress))
        .output(tripped)
        .repeatedly()
        .build();
    let placeholder = "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref public.ecr.aws/nginx/nginx:stable-alpine: not found";
    let (list, tasks) = stopped(
        vec![vec!["old"], vec!["old", "new1", "back1"]],
        vec![
            task("old", OLD, TaskStopCode::TaskFailedToStart, placeholder),
            task(
                "new1",
                NEW,
                TaskStopCode::EssentialContainerExited,
                "Essential container in task exited",
            ),
            task("back1", OLD, TaskStopCode::TaskFailedToStart, placeholder),
        ],
    );
    let (client, updates) = with_stops(&describe, &list, &tasks);
    let (outcome, lines) = watch_recorded(&client, Duration::from_secs(3600), None).await;
    let rollback = Rollback::AlsoFails {
        revision: OLD.into(),
        reason: placeholder.into(),
    };
    let stopped = "new1: Essential container in task exited";
    assert_eq!(outcome, breaker_failed(stopped, rollback));
    assert_eq!(
        describe.num_calls(),
        3,
        "reported at the first look at the rollback"
    );
    assert_eq!(updates.num_calls(), 0);
    assert!(
        lines.contains(&format!(
            "failed Rollback of web to lab-web:1: FAILED: back1: {placeholder}"
        )),
        "{lines:#?}"
    );
}

#[tokio::test]
async fn a_rollback_the_breaker_fails_too_is_reported() {
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(rolling)
        .output(|| {
            services(vec![
                dep(
                    OLD,
                    "PRIMARY",
                    0,
                    DeploymentRolloutState::Failed,
                    Some(BREAKER),
                ),
                dep(NEW, "ACTIVE", 0, DeploymentRolloutState::Failed, Some("x")),
            ])
        })
        .repeatedly()
        .build();
    let list = no_stopped_tasks();
    let client = client(&[&describe, &list]);
    let outcome = watch(&client, Duration::from_secs(3600)).await;
    assert!(
        matches!(&outcome, Outcome::Failed { rollback: Rollback::AlsoFails { revision, .. }, .. } if revision == OLD),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn no_completed_deployment_means_no_rollback() {
    // A first deployment (split's) that the breaker fails: nothing to go back to.
    let describe = mock!(Client::describe_services)
        .sequence()
        .output(|| {
            services(vec![dep(
                NEW,
                "PRIMARY",
                0,
                DeploymentRolloutState::Failed,
                Some(BREAKER),
            )])
        })
        .repeatedly()
        .build();
    let list = no_stopped_tasks();
    let client = client(&[&describe, &list]);
    let outcome = watch(&client, Duration::from_secs(3600)).await;
    assert!(
        matches!(
            &outcome,
            Outcome::Failed {
                rollback: Rollback::Nothing,
                by: RolledBackBy::Breaker,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(describe.num_calls(), 2 + NO_ROLLBACK_LOOKS as usize);
}

#[tokio::test]
async fn a_futile_stop_without_a_previous_revision_ends_the_wait() {
    let (client, updates) = one_stop_client(&never_running(), MISSING);
    let outcome = watch(&client, Duration::from_secs(3600)).await;
    assert!(
        matches!(
            &outcome,
            Outcome::Failed {
                rollback: Rollback::Nothing,
                by: RolledBackBy::Mysfits,
                ..
            }
        ),
        "{outcome:?}"
    );
    assert_eq!(updates.num_calls(), 0);
}

#[tokio::test]
async fn a_wait_that_times_out() {
    let list = no_stopped_tasks();
    let client = client(&[&never_running(), &list]);
    match watch(&client, Duration::from_millis(20)).await {
        Outcome::TimedOut { last } => assert_eq!(last, "new lab-web:2: 0/1 running, 1 pending"),
        other => panic!("{other:?}"),
    }
}
