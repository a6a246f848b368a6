//! Whole-output snapshots (insta) of every command's stdout, as text and as JSON, over
//! one lab on moto. Filters (common::snapshot) replace what moto makes up afresh each run
//! (ids, ARNs, times), so a snapshot changes only when the tool's output does.
//! Review a change with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use crate::common;

use common::snapshot::{assert_run, settings};
use common::Moto;

/// The command's stdout as text, then as JSON.
fn both(moto: &Moto, name: &str, args: &[&str]) {
    let text = moto.run(args).ok().stdout;
    let mut json_args = args.to_vec();
    json_args.extend(["--output", "json"]);
    let json = moto.run(&json_args).ok().stdout;
    settings().bind(|| {
        insta::assert_snapshot!(format!("{name}.text"), text);
        insta::assert_snapshot!(format!("{name}.json"), json);
    });
}

/// For commands that change things: the first run's output, and the same command again
/// (nothing left to do) in the other format. The text run is whole (exit code, stdout,
/// stderr): most of what these commands say is progress, on stderr.
fn once(moto: &Moto, name: &str, args: &[&str], json_first: bool) {
    let mut first = args.to_vec();
    let mut second = args.to_vec();
    if json_first {
        first.extend(["--output", "json"]);
    } else {
        second.extend(["--output", "json"]);
    }
    let a = moto.run(&first).ok();
    let b = moto.run(&second).ok();
    let (text, json) = if json_first { (b, a) } else { (a, b) };
    assert_run(&format!("{name}.text"), &text, moto.home.path());
    settings().bind(|| insta::assert_snapshot!(format!("{name}.json"), json.stdout));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_commands_output_as_text_and_json() {
    let moto = Moto::start();
    once(&moto, "init", &["init", "--force"], false);
    once(&moto, "up", &["up"], false);
    // `up` runs no task until the monolith's first deploy; merge needs one to fall back on.
    moto.run(&["deploy", "monolith-service", "--image", "monolith:1"])
        .ok();
    once(
        &moto,
        "deploy",
        &["deploy", "like-service", "--image", "like:1"],
        true,
    );
    once(&moto, "split", &["split", "like-service"], true);
    // At 10 %: shift's own output, and route, status and merge with the shares.
    both(&moto, "shift", &["shift", "like-service", "10"]);
    both(&moto, "route", &["route", "/mysfits/1/like"]);
    both(
        &moto,
        "route_offline",
        &["route", "/mysfits/1", "--offline"],
    );
    both(&moto, "status", &["status"]);
    both(&moto, "logs", &["logs", "like-service"]);
    both(
        &moto,
        "merge_dry_run",
        &["merge", "like-service", "--dry-run"],
    );
    once(&moto, "merge", &["merge", "like-service", "--yes"], true);
    both(&moto, "cleanup_dry_run", &["cleanup", "--dry-run"]);
    once(&moto, "cleanup", &["cleanup", "--yes"], true);
    both(&moto, "template", &["template"]);
    // Generated texts: their first lines (the whole is clap's, not ours).
    for (name, args) in [
        ("completions", &["completions", "bash"][..]),
        ("man", &["man"][..]),
    ] {
        let text: Vec<String> = moto
            .run(args)
            .ok()
            .stdout
            .lines()
            .take(4)
            .map(String::from)
            .collect();
        let mut json_args = args.to_vec();
        json_args.extend(["--output", "json"]);
        let json: serde_json::Value =
            serde_json::from_str(&moto.run(&json_args).ok().stdout).unwrap();
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        settings().bind(|| {
            insta::assert_snapshot!(format!("{name}.text"), text.join("\n"));
            insta::assert_debug_snapshot!(format!("{name}.json"), keys);
        });
    }
}

/// Off a terminal a progress row is one line, at its end: `up` once printed each of its
/// 31 stack resources twice (`VPC: CREATE_COMPLETE (0.0s)`, then `✔ VPC CREATE_COMPLETE`),
/// and its summary cut the monolith's repository URI after `monolith-servic`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn piped_up_and_cleanup_print_one_line_per_row() {
    let moto = Moto::start();
    let up = moto.run(&["up"]).ok();
    let cfn = aws_sdk_cloudformation::Client::new(&moto.sdk().await);
    let resources = cfn
        .describe_stack_resources()
        .stack_name("mysfits")
        .send()
        .await
        .unwrap();
    let created: Vec<&str> = up
        .stderr
        .lines()
        .filter(|l| l.contains("CREATE_COMPLETE"))
        .collect();
    // moto lists a few resources without a logical id; the tool shows no row for them.
    let rows = resources
        .stack_resources()
        .iter()
        .filter(|r| r.logical_resource_id().is_some_and(|id| !id.is_empty()))
        .count();
    assert_eq!(
        created.len(),
        rows,
        "one line per stack resource:\n{}",
        up.stderr
    );
    assert!(
        created.iter().all(|l| l.starts_with("  ✔ ")),
        "{}",
        up.stderr
    );
    assert!(
        up.stdout.lines().any(|l| l
            .ends_with(" 123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service")),
        "{}",
        up.stdout
    );
    // The whole run is the snapshot up.text.
    let cleanup = moto.run(&["cleanup", "--yes"]).ok();
    for run in [&up, &cleanup] {
        assert_eq!(
            status_lines(&run.stderr),
            Vec::<&str>::new(),
            "a status line besides the row's own:\n{}",
            run.stderr
        );
    }
    assert_run("cleanup.piped", &cleanup, moto.home.path());
}

/// Lines in the form a row's status change once took off a terminal,
/// `  label: status (1.2s)`, printed besides the row's `✔` line.
fn status_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| {
            let Some(time) = l.strip_suffix("s)").and_then(|l| l.rsplit_once(" (")) else {
                return false;
            };
            l.starts_with("  ")
                && time.0.contains(": ")
                && time
                    .1
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == 'm')
        })
        .collect()
}
