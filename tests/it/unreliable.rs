//! The tool against an endpoint that misbehaves (`tests/moto/chaos.py` in front of moto):
//! throttling absorbed over a whole lab, a hang that fails fast naming the endpoint, and
//! a non-AWS error page shown as what it is.

use crate::common;

use std::time::{Duration, Instant};

use common::{Chaos, Moto};

#[test]
fn a_whole_lab_completes_with_a_quarter_of_the_calls_throttled() {
    let moto = Moto::start();
    let chaos = Chaos::start(&moto, "throttle", 0.25);
    let yaml = "services:\n  - name: monolith-service\n    build: .\n    route: default\n  - name: like-service\n    build: .\n    route: ['/mysfits/*/like']\n";
    std::fs::write(moto.home.path().join("mysfits.yaml"), yaml).unwrap();
    for args in [
        &["up"][..],
        &["deploy", "monolith-service", "--image", "monolith:2"],
        &["deploy", "like-service", "--image", "like:1"],
        &["split", "like-service"],
        &["status"],
        &["route", "/mysfits/1/like"],
        &["merge", "like-service", "--yes"],
        &["cleanup", "--yes"],
    ] {
        let run = chaos.run(&moto, args);
        assert_eq!(
            run.code,
            0,
            "`mysfits {}` failed under 25 % throttling:\n{}",
            args.join(" "),
            run.stderr
        );
    }
    let (forwarded, throttled) = chaos.finish();
    assert!(
        throttled * 5 > forwarded,
        "the proxy throttled too little to prove anything: {throttled} of {}",
        forwarded + throttled
    );
}

#[test]
fn throttling_that_does_not_stop_says_it_is_transient() {
    let moto = Moto::start();
    let chaos = Chaos::start(&moto, "throttle", 1.0);
    let run = chaos
        .run(&moto, &["status"])
        .fails_with("Throttling: Rate exceeded");
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("hint: AWS throttled the calls") && run.stderr.contains("re-run"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_endpoint_that_never_answers_fails_within_20_s_naming_it() {
    let moto = Moto::start();
    let chaos = Chaos::start(&moto, "hang", 0.0);
    let started = Instant::now();
    let run = chaos
        .run(&moto, &["status"])
        .fails_with(&format!("no answer from {}", chaos.endpoint()));
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(20),
        "took {took:?}:\n{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
}

#[test]
fn an_html_error_page_shows_its_status_and_start() {
    let moto = Moto::start();
    let chaos = Chaos::start(&moto, "html500", 0.0);
    let run = chaos
        .run(&moto, &["status"])
        .fails_with("HTTP 500, not an AWS answer: <html> <head><title>500 Internal Server Error");
    assert!(!run.stderr.contains("Unknown"), "{}", run.stderr);
    assert_eq!(run.code, 1);
}
