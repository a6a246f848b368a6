//! No traffic moves onto a target group before it has a healthy target (a request for a
//! group with none is the load balancer's own 503): `split` (plain, `--no-wait`, and its
//! re-run), `shift` and `merge`'s way back to the default service, against moto. The
//! services here run no task (`MOTO_ECS_SERVICE_RUNNING=0`), so their groups stay empty
//! until the test registers a target itself, as ECS would for a task that came up. Ctrl-C
//! during the wait leaves the rule at 0 %, and the same split again converges.

use crate::common;
use crate::cutover::{shares, Lab, LIKE};

use common::Moto;

const DEFAULT: &str = "mysfits-default";

impl Lab {
    /// A target in `group` (`up` = registered, else deregistered), as ECS does for a
    /// task that starts or stops.
    async fn target(&self, group: &str, up: bool) {
        let arn = self.target_group_arn(group).await;
        let target = aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
            .id("10.0.0.99")
            .port(80)
            .build();
        if up {
            let call = self.elb.register_targets().target_group_arn(arn);
            call.targets(target).send().await.unwrap();
        } else {
            let call = self.elb.deregister_targets().target_group_arn(arn);
            call.targets(target).send().await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn traffic_moves_onto_a_group_only_once_it_has_a_healthy_target() {
    let moto = Moto::start_with(&[("MOTO_ECS_SERVICE_RUNNING", "0")]);
    let lab = Lab::without_monolith(&moto).await;
    let at_zero = shares(&[(LIKE, 0), (DEFAULT, 100)]);

    // --no-wait: one look, no healthy target, so the new rule holds 0 % and says how on.
    let split = moto.run(&["split", "like-service", "--no-wait"]).ok();
    assert_eq!(lab.shares().await.unwrap(), at_zero, "{}", split.stderr);
    for words in [
        "created (priority 1) at 0 %",
        "like-service 100 %",
        "held at 0 %: no healthy target yet",
        "next: once it has a healthy target, send it its share: mysfits split like-service",
    ] {
        assert!(split.stderr.contains(words), "{words}:\n{}", split.stderr);
    }
    assert!(!split.stderr.contains("answers /mysfits/*/like"));

    // Waiting, and none comes: an error naming the group, the rule still at 0 %.
    let r = moto
        .run(&["split", "like-service", "--timeout", "2"])
        .fails_with(
            "like-service has no healthy target in mysfits-like-service after 2 s: \
             its share stays at 0 %",
        );
    assert!(
        r.stderr.contains("`mysfits logs like-service`"),
        "{}",
        r.stderr
    );
    assert_eq!(lab.shares().await.unwrap(), at_zero);

    // The task is up: the same split again moves everything, in one call.
    lab.target(LIKE, true).await;
    let again = moto.run(&["split", "like-service", "-v"]).ok();
    assert_eq!(again.api_calls().1, 1, "{}", again.stderr);
    assert_eq!(lab.shares().await.unwrap(), shares(&[(LIKE, 100)]));
    assert!(
        again
            .stderr
            .contains("like-service answers /mysfits/*/like behind the same load balancer"),
        "{}",
        again.stderr
    );

    // shift: lowering needs nothing; raising onto an empty group waits, then refuses.
    lab.target(LIKE, false).await;
    moto.run(&["shift", "like-service", "0"]).ok();
    moto.run(&["shift", "like-service", "50", "--timeout", "2"])
        .fails_with("like-service has no healthy target in mysfits-like-service after 2 s");
    assert_eq!(lab.shares().await.unwrap(), at_zero);

    // merge: the paths go back to the default service only once it has a healthy target.
    moto.run(&["merge", "like-service", "--yes", "--timeout", "2"])
        .fails_with(
            "monolith-service has no healthy target in mysfits-default after 2 s: \
             the rule of like-service stays, and its paths with it",
        );
    assert_eq!(lab.shares().await.unwrap(), at_zero, "the rule stays");
    lab.target(DEFAULT, true).await;
    moto.run(&["merge", "like-service", "--yes"]).ok();
    assert_eq!(lab.shares().await, None, "the rule is gone");
}

/// Ctrl-C while a split waits for its service's first healthy target: exit 130, the
/// raise named as pending, the rule left at 0 %; the same split again finishes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_while_waiting_for_a_healthy_target_leaves_the_rule_at_0() {
    let moto = Moto::start_with(&[("MOTO_ECS_SERVICE_RUNNING", "0")]);
    let lab = Lab::without_monolith(&moto).await;
    // Made, held at 0 %: the run again finds the service and waits for its target.
    moto.run(&["split", "like-service", "--no-wait"]).ok();
    let child = moto
        .mysfits()
        .args(["split", "like-service"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Its reads take well under a second on moto; then it polls every 3 s.
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let run = common::Run::from(child.wait_with_output().unwrap());
    assert_eq!(run.code, 130, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "stopped while pending: like-service 100 % (waiting for a healthy target in \
             mysfits-like-service: no target registered yet"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        lab.shares().await.unwrap(),
        shares(&[(LIKE, 0), (DEFAULT, 100)])
    );
    lab.target(LIKE, true).await;
    moto.run(&["split", "like-service"]).ok();
    assert_eq!(lab.shares().await.unwrap(), shares(&[(LIKE, 100)]));
}
