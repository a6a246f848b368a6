//! The binary as a person sees it: in a real terminal (tmux) for progress, colour and
//! Ctrl-C, and off a terminal for heartbeats and `-v`.

use crate::common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::{clean_env, Moto};

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mysfits")
}

/// A lab whose rollouts never finish (moto reports them IN_PROGRESS for ever), so a
/// deploy's watch is a long wait to interrupt or to keep company.
fn stuck_lab() -> Moto {
    let moto = Moto::start_with(&[
        ("MOTO_ECS_SERVICE_RUNNING", "1"),
        ("MYSFITS_MOTO_ROLLOUT_DESCRIBES", "100000"),
    ]);
    moto.run(&["up"]).ok();
    moto
}

#[test]
fn ctrl_c_says_what_was_done_and_how_to_resume_and_exits_130() {
    let moto = stuck_lab();
    let term = Tmux::start(
        &format!("{} deploy monolith-service --image 'app:2'", bin()),
        &clean_env(moto.home.path(), &moto.endpoint()),
        moto.home.path(),
    );
    term.wait_for("Deployment of monolith-service", Duration::from_secs(30));
    std::thread::sleep(Duration::from_secs(1));
    term.send(&["C-c"]);
    assert_eq!(term.exit_code(Duration::from_secs(10)), 130);
    let screen = term.screen(false);
    for want in [
        "error: interrupted: `mysfits deploy monolith-service --image app:2` stopped",
        "done: Task definition mysfits-monolith-service: registered",
        "stopped while pending: Deployment of monolith-service",
        "hint: resume: `mysfits deploy monolith-service --image app:2`",
        "hint: a started rollout goes on in ECS",
    ] {
        assert!(screen.contains(want), "{want:?} not in:\n{screen}");
    }
}

#[test]
fn ctrl_c_at_the_cleanup_question_deletes_nothing_and_exits_130() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let term = Tmux::start(
        &format!("{} cleanup", bin()),
        &clean_env(moto.home.path(), &moto.endpoint()),
        moto.home.path(),
    );
    term.wait_for("Delete all of this? [y/N]", Duration::from_secs(30));
    term.send(&["C-c"]);
    assert_eq!(term.exit_code(Duration::from_secs(10)), 130);
    // Ctrl-C arrives as a key once the answer is being read in raw mode, as a signal a
    // moment before: either way it is an interrupt, not a "no".
    let screen = term.screen(false);
    assert!(
        screen.contains("error: interrupted at cleanup's question: nothing was deleted")
            || screen.contains("error: interrupted: `mysfits cleanup` stopped"),
        "{screen}"
    );
    assert!(!screen.contains("declined"), "{screen}");
    // And nothing was: the stack is still there.
    moto.run(&["status"]).ok();
}

#[test]
fn cleanup_in_a_terminal_keeps_its_headers_and_draws_each_row_once() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    moto.run(&["deploy", "like-service", "--image", "like:1"])
        .ok();
    moto.run(&["split", "like-service"]).ok();
    let term = Tmux::start(
        &format!("{} cleanup --yes", bin()),
        &clean_env(moto.home.path(), &moto.endpoint()),
        moto.home.path(),
    );
    assert_eq!(term.exit_code(Duration::from_secs(120)), 0);
    let screen = term.screen(false);
    for header in [
        "Deleting ECS services",
        "Deleting listener rules",
        "Deleting target groups",
        "Deleting core stack",
    ] {
        assert_eq!(
            screen.lines().filter(|l| l.starts_with(header)).count(),
            1,
            "{header:?} once, on a line of its own, in:\n{screen}"
        );
    }
    let done: Vec<&str> = screen
        .lines()
        .filter(|l| l.trim_start().starts_with('✔'))
        .collect();
    assert!(done.len() >= 6, "{screen}");
    for row in &done {
        assert_eq!(
            screen.lines().filter(|l| l == row).count(),
            1,
            "{row:?} drawn twice:\n{screen}"
        );
    }
    // The headers come in the order of the work, each before its rows.
    let at = |s: &str| screen.find(s).unwrap();
    assert!(at("Deleting ECS services") < at("Deleting listener rules"));
    assert!(at("Deleting target groups") < at("Deleting core stack"));
}

#[test]
fn colour_is_decided_per_stream() {
    let moto = Moto::start();
    let home = moto.home.path();
    // stdout is the terminal, stderr a file: the error in the file has no escapes.
    let term = Tmux::start(
        &format!("{} status 2>err.txt; {} status", bin(), bin()),
        &clean_env(home, &moto.endpoint()),
        home,
    );
    assert_eq!(term.exit_code(Duration::from_secs(30)), 1);
    let file = std::fs::read_to_string(home.join("err.txt")).unwrap();
    assert!(
        file.starts_with("error: lab 'mysfits' is not set up"),
        "{file:?}"
    );
    assert!(!file.contains('\u{1b}'), "escapes in a file: {file:?}");
    // The same error on the terminal is coloured.
    let screen = term.screen(true);
    assert!(
        screen
            .lines()
            .any(|l| l.contains("error") && l.contains('\u{1b}')),
        "no colour on the terminal:\n{screen}"
    );
}

#[test]
fn a_long_wait_off_a_terminal_says_what_is_pending_every_10_s() {
    let moto = stuck_lab();
    let mut child = moto
        .mysfits()
        .args([
            "deploy",
            "monolith-service",
            "--image",
            "app:2",
            "--timeout",
            "32",
        ])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut lines = Vec::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        lines.push((started.elapsed(), line.unwrap()));
    }
    child.wait().unwrap();
    let text: Vec<String> = lines
        .iter()
        .map(|(t, l)| format!("{:>5.1}s {l}", t.as_secs_f64()))
        .collect();
    let heartbeats = lines
        .iter()
        .filter(|(_, l)| l.contains("… still waiting on Deployment of monolith-service"))
        .count();
    assert!(heartbeats >= 2, "{}", text.join("\n"));
    // Never more than 10 s (and a poll's slack) without a line while the watch runs.
    let watching: Vec<Duration> = lines
        .iter()
        .skip_while(|(_, l)| !l.contains("Deployment of"))
        .map(|(t, _)| *t)
        .collect();
    for pair in watching.windows(2) {
        assert!(
            pair[1] - pair[0] <= Duration::from_millis(11_500),
            "a silent gap of {:?}:\n{}",
            pair[1] - pair[0],
            text.join("\n")
        );
    }
}

#[test]
fn verbose_shows_each_aws_call_as_it_ends() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let r = moto.run(&["status", "-v"]).ok();
    let calls: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.trim_start().starts_with("aws "))
        .collect();
    assert!(
        calls
            .iter()
            .any(|l| l.contains("aws CloudFormation.DescribeStacks ") && l.ends_with(" ms")),
        "{}",
        r.stderr
    );
    let (total, _) = r.api_calls();
    assert_eq!(calls.len(), total, "one line per call:\n{}", r.stderr);
    // Each line comes before the tally, as the call ends.
    let tally = r.stderr.find("api calls:").unwrap();
    assert!(r.stderr.rfind("aws ").unwrap() < tally);
}

/// The monolith's repository in the built-in lab: a 100-column line in `up`'s summary.
const REPO: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service";

/// Lines holding a piece of `uri`: its start without the rest, or a tail on its own
/// (what a table that cut it left: `…/monolith-servic`, then `e`).
fn pieces<'a>(lines: &'a [String], uri: &str) -> Vec<&'a String> {
    lines
        .iter()
        .filter(|l| {
            let t = l.trim();
            let head = l.find(&uri[..20]).is_some_and(|at| {
                let rest = l[at..].trim_end();
                rest != uri && uri.starts_with(rest)
            });
            let tail = !t.is_empty() && t != uri && uri.ends_with(t);
            head || tail
        })
        .collect()
}

/// `up` in a 110-column terminal: its tables take the terminal's width (they once wrapped
/// at 99 columns whatever it was), so the URI is whole on one row. In a 70-column one it
/// cannot fit: the tool still does not cut it, the terminal folds the line (which a copy
/// of it joins back, as `capture-pane -J` does).
#[test]
fn a_110_column_terminal_does_not_break_a_uri() {
    let moto = Moto::start();
    let env = clean_env(moto.home.path(), &moto.endpoint());
    let term = Tmux::start_sized(&format!("{} up", bin()), &env, moto.home.path(), (110, 50));
    assert_eq!(
        term.exit_code(Duration::from_secs(120)),
        0,
        "{}",
        term.screen(false)
    );
    let rows = term.rows();
    assert!(
        rows.iter()
            .any(|r| r.starts_with("  Repository monolith-service") && r.ends_with(REPO)),
        "{}",
        rows.join("\n")
    );
    assert!(pieces(&rows, REPO).is_empty(), "{}", rows.join("\n"));

    let narrow = Tmux::start_sized(
        &format!("{} status", bin()),
        &env,
        moto.home.path(),
        (70, 50),
    );
    assert_eq!(narrow.exit_code(Duration::from_secs(60)), 0);
    let screen = narrow.screen(false);
    let lines: Vec<String> = screen.lines().map(String::from).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("  RepoUriMonolithService") && l.ends_with(REPO)),
        "{screen}"
    );
    assert!(pieces(&lines, REPO).is_empty(), "{screen}");
}

/// Off a terminal nothing is wrapped: with the longest lab and service names allowed
/// (20 and 32 characters), the repository URI is 99 characters on a 146-character line,
/// whole in `up`'s summary and in `status`, as is the command `up` says to run next
/// (a deploy `--image`: the service has no `build:`).
#[test]
fn off_a_terminal_a_long_uri_is_never_wrapped() {
    let moto = Moto::start();
    let lab = "a-lab-named-20-chars";
    let service = "a-service-whose-name-is-32-chars";
    assert_eq!((lab.len(), service.len()), (20, 32));
    std::fs::write(
        moto.home.path().join("mysfits.yaml"),
        format!("services:\n  - name: {service}\n    route: default\n"),
    )
    .unwrap();
    let uri = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{lab}/{service}");
    let up = moto.run(&["up", "--lab", lab]).ok();
    let lines: Vec<String> = up.stdout.lines().map(String::from).collect();
    assert!(
        lines
            .iter()
            .any(|l| l == &format!("  Repository {service}  {uri}")),
        "{}",
        up.stdout
    );
    assert!(pieces(&lines, &uri).is_empty(), "{}", up.stdout);
    let next = format!("mysfits deploy {service} --image URI --lab {lab}");
    assert!(
        up.stderr.lines().any(|l| l.ends_with(&next)),
        "{next:?} not in:\n{}",
        up.stderr
    );
    let status = moto.run(&["status", "--lab", lab]).ok();
    let lines: Vec<String> = status.stdout.lines().map(String::from).collect();
    assert!(
        lines.iter().any(|l| l.ends_with(&format!("  {uri}"))),
        "{}",
        status.stdout
    );
    assert!(pieces(&lines, &uri).is_empty(), "{}", status.stdout);
}

/// Nor is `--help` wrapped off a terminal (clap wraps at 100 columns without one).
#[test]
fn help_off_a_terminal_is_not_wrapped() {
    let home = tempfile::tempdir().unwrap();
    let r = common::Run::from(
        common::clean_command(home.path())
            .args(["deploy", "--help"])
            .output()
            .unwrap(),
    )
    .ok();
    assert!(
        r.stdout
            .lines()
            .any(|l| l.contains("--build-arg <KEY=VALUE>")
                && l.ends_with("e.g. BASE_IMAGE=localhost/mysfits-base (repeatable)")),
        "{}",
        r.stdout
    );
}
