//! A plain split, its merge, and a split again right after, on the local engine under
//! steady traffic on the split path (5 requests a second): every answer is an app's own.
//! None is the load balancer's 503 for a target group with no healthy target, which a
//! rule forwarding to the new group before its first task is up would cause.

use std::time::Duration;

use crate::cutover_local::{lab, watched, Answer, Traffic};

/// 5 requests a second, as the issue measured.
const EVERY: Duration = Duration::from_millis(200);

/// Every answer while `what` ran was an app's own 200 (none the load balancer's 503, a
/// 502, or nothing), and the last came from `last`.
fn only_the_apps(what: &str, answers: &[Answer], last: &str) {
    only_from(what, answers, &["web", "like"]);
    assert_eq!(answers.last().unwrap().service, last, "{what}");
}

/// Every answer while `what` ran was a 200 from one of `apps`.
pub(crate) fn only_from(what: &str, answers: &[Answer], apps: &[&str]) {
    let bad: Vec<&Answer> = answers
        .iter()
        .filter(|a| a.status != 200 || !apps.contains(&a.service.as_str()))
        .collect();
    println!(
        "{what}: {} answers, {} not the apps' own",
        answers.len(),
        bad.len()
    );
    assert!(
        bad.is_empty(),
        "{what}: {} of {}: {bad:?}",
        bad.len(),
        answers.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plain_split_its_merge_and_a_split_again_answer_only_from_the_apps() {
    let (engine, api, lb) = lab("ok").await;

    // The plain split: the new rule holds 0 % until like's first target is healthy.
    let traffic = Traffic::start(&lb, EVERY);
    let (split, seen) = watched(&engine, &api, &["split", "like"]).await;
    std::thread::sleep(Duration::from_secs(1));
    only_the_apps("split", &traffic.stop(), "like");
    assert_eq!(split.code, 0, "{}", split.stderr);
    let shares: Vec<_> = seen.iter().filter_map(|(_, f)| f.like_share()).collect();
    assert_eq!(shares, vec![0, 100], "{seen:?}\n{}", split.stderr);

    // The way back: the rule goes once web has a healthy target (it has: no wait).
    let traffic = Traffic::start(&lb, EVERY);
    engine.run(&["merge", "like", "--yes"]).ok();
    only_the_apps("merge", &traffic.stop(), "web");

    // A split right after the merge: the merged-away service's task (same name, same
    // revision, stopped with "Service deleted") is not this rollout's.
    let traffic = Traffic::start(&lb, EVERY);
    let again = engine.run(&["split", "like"]).ok();
    std::thread::sleep(Duration::from_secs(1));
    only_the_apps("split after the merge", &traffic.stop(), "like");
    assert!(
        !again.stderr.contains("task stopped") && !again.stderr.contains("Service deleted"),
        "{}",
        again.stderr
    );
}
