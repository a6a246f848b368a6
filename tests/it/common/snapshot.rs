//! Snapshots of the tool's output: the filters for what moto and the clock make up
//! afresh each run, and a whole run (exit code, stdout, stderr) as one text, as uv's
//! test helpers have it.

use std::path::Path;

use super::Run;

/// Filters for what moto makes up afresh each run (ids, ARNs, times, ports), each
/// matching only that value's own form, so a snapshot changes only when the tool's
/// output does.
pub fn settings() -> insta::Settings {
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
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        // CloudFormation names the website bucket with a random suffix.
        (
            r"mysfits-websitebucket-[a-z0-9]+",
            "mysfits-websitebucket-[id]",
        ),
        (
            r"mysfits-clicksbucket-[a-z0-9]+",
            "mysfits-clicksbucket-[id]",
        ),
        // API Gateway and Cognito make up an API id, a pool id and a client id.
        (r"//[a-z0-9]{8,10}\.execute-api\.", "//[api].execute-api."),
        (r"\b(us-east-1)_[0-9a-zA-Z]+", "${1}_[pool]"),
        (r#"("UserPoolClientId": ")[a-z0-9]+"#, "${1}[client]"),
    ] {
        s.add_filter(pattern, replacement);
    }
    s
}

/// A whole run as one text: whether it succeeded and its exit code, then stdout, then
/// stderr, each whole.
pub fn render(run: &Run) -> String {
    format!(
        "success: {}\nexit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
        run.code == 0,
        run.code,
        run.stdout,
        run.stderr
    )
}

/// [`settings`], and for a whole run what the clock decides: a row's time (`0.4s`,
/// `1m05s`, only as a row ends it) and the heartbeat a slow machine may print while it
/// waits (`  … still waiting on …`, off a terminal, only after 10 s of silence). `home`,
/// the run's temporary HOME and working directory, reads `[home]`.
pub fn run_settings(home: &Path) -> insta::Settings {
    let mut s = settings();
    s.add_filter(&regex_escape(&home.display().to_string()), "[home]");
    s.add_filter(r"(?m)^  … still waiting on .*\n", "");
    s.add_filter(r"(?m) (\d+\.\ds|\d+m\d\ds)$", " [t]");
    s
}

/// The snapshot `name` of a whole run.
pub fn assert_run(name: &str, run: &Run, home: &Path) {
    let text = render(run);
    let mut s = run_settings(home);
    // With the other snapshots, not beside this file.
    s.set_snapshot_path("../snapshots");
    s.bind(|| insta::assert_snapshot!(name, text));
}

fn regex_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `cleanup` deletes each phase's items at once, so their rows end in any order: the
/// rows under each `Deleting …` line, sorted (the phases keep their order).
pub fn phase_rows_sorted(stderr: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let mut rows: Vec<&str> = Vec::new();
    let mut in_phase = false;
    for line in stderr.lines() {
        if in_phase && line.starts_with("  ") {
            rows.push(line);
            continue;
        }
        rows.sort_unstable();
        out.append(&mut rows);
        in_phase = line.starts_with("Deleting ");
        out.push(line);
    }
    rows.sort_unstable();
    out.append(&mut rows);
    let mut text = out.join("\n");
    if stderr.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The clock's filters take a row's closing time and a heartbeat, and nothing else that
/// looks like them: a bake's length, a time in prose, a time inside a line.
#[test]
fn run_filters_take_only_the_clocks_own_values() {
    let home = Path::new("/tmp/.tmpAbC123");
    let text = "\
Walking like-service
  ✔ like-service 10 %                          baked 1s · no request data yet 0.4s
  ✔ mysfits (CREATE_COMPLETE)                  deleted 1m05s
  … still waiting on Deployment of web: 1/1 running (10.2s)
  … still waiting on 7 rows (12.0s): CREATE_IN_PROGRESS: VPC
error: rolled back to 0 %: 12 of 130 requests answered 5xx in 3.2 s at 10 %
note: 0.5s into the watch, /tmp/.tmpAbC123/mysfits.yaml was read
";
    run_settings(home).bind(|| {
        insta::assert_snapshot!(text, @r"
        Walking like-service
          ✔ like-service 10 %                          baked 1s · no request data yet [t]
          ✔ mysfits (CREATE_COMPLETE)                  deleted [t]
        error: rolled back to 0 %: 12 of 130 requests answered 5xx in 3.2 s at 10 %
        note: 0.5s into the watch, [home]/mysfits.yaml was read
        ");
    });
}

/// Rows under a `Deleting …` line are sorted; the lines around them keep their places.
#[test]
fn phase_rows_sorted_sorts_only_within_a_phase() {
    let stderr = "\
Deleting ECS services
  ✔ b deleted
  ✔ a deleted
Deleting core stack
  ✔ z deleted
✔ Nothing is left
";
    assert_eq!(
        phase_rows_sorted(stderr),
        "\
Deleting ECS services
  ✔ a deleted
  ✔ b deleted
Deleting core stack
  ✔ z deleted
✔ Nothing is left
"
    );
}
