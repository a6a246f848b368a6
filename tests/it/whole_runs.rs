//! Whole runs, snapshotted: the exit code, stdout and stderr of `deploy`, `split` (plain
//! and a `--steps` walk), `merge` and `cleanup`, as a pipe gets them and as they end on
//! a terminal. The progress a user reads on stderr is checked here, whole, line by line.

use crate::common;

use common::snapshot::{assert_run, phase_rows_sorted};
use common::{Moto, Run};

use crate::cutover::Lab;

/// The lab's walk through a split and back: the monolith redeployed (a rollout watched
/// to the end), like-service walked out at 10, 50, then 100 %, merged back, split
/// out at once, then everything deleted. `run` runs one command; each run is the
/// snapshot `{name}.{how}`.
async fn walk(how: &str, run: impl Fn(&Moto, &[&str]) -> Run) {
    let moto = Moto::start();
    Lab::new(&moto).await;
    for (name, line) in [
        ("deploy", "deploy monolith-service --image monolith:2"),
        (
            "split_steps",
            "split like-service --steps 10,50,100 --bake 1s",
        ),
        ("merge", "merge like-service --yes"),
        ("split", "split like-service"),
        ("cleanup", "cleanup --yes"),
    ] {
        let args: Vec<&str> = line.split(' ').collect();
        let mut r = run(&moto, &args);
        if name == "cleanup" {
            r.stderr = phase_rows_sorted(&r.stderr);
        }
        assert_run(&format!("run_{name}.{how}"), &r, moto.home.path());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_runs_piped() {
    walk("piped", Moto::run).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn whole_runs_on_a_terminal() {
    walk("terminal", Moto::run_on_terminal).await;
}
