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
