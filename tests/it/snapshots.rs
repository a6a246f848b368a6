//! Whole-output snapshots (insta) of every command's stdout, as text and as JSON, over
//! one lab on moto. Filters replace what moto makes up afresh each run (ids, ARNs,
//! times), so a snapshot changes only when the tool's output does.
//! Review a change with `cargo insta review` (or `INSTA_UPDATE=always cargo test`).

use crate::common;

use common::Moto;

fn settings() -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    for (pattern, replacement) in [
        (r"arn:aws:[A-Za-z0-9:/._\-]+", "[arn]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (
            r"\b(vpc|subnet|sg|igw|rtb|eni|nat|eipalloc|acl)-[0-9a-f]+\b",
            "$1-[id]",
        ),
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[time]"),
        (r"mysfits-alb-\d+", "mysfits-alb-[n]"),
    ] {
        s.add_filter(pattern, replacement);
    }
    s
}

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

/// For commands that change things: the first run's output (text or JSON), and the
/// same command again (nothing left to do) in the other format.
fn once(moto: &Moto, name: &str, args: &[&str], json_first: bool) {
    let mut first = args.to_vec();
    let mut second = args.to_vec();
    if json_first {
        first.extend(["--output", "json"]);
    } else {
        second.extend(["--output", "json"]);
    }
    let a = moto.run(&first).ok().stdout;
    let b = moto.run(&second).ok().stdout;
    let (text, json) = if json_first { (b, a) } else { (a, b) };
    settings().bind(|| {
        insta::assert_snapshot!(format!("{name}.text"), text);
        insta::assert_snapshot!(format!("{name}.json"), json);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_commands_output_as_text_and_json() {
    let moto = Moto::start();
    once(&moto, "init", &["init", "--force"], false);
    once(&moto, "up", &["up"], false);
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
