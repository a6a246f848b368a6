//! Bad inputs: each a clear one-line error, a non-zero exit, and nothing created.

use crate::common;

use std::time::{Duration, Instant};

use common::{clean_command, Moto, Run};

fn no_stacks(moto: &Moto) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let cfn = aws_sdk_cloudformation::Client::new(&moto.sdk().await);
        let stacks = cfn.list_stacks().send().await.unwrap();
        assert!(stacks.stack_summaries().is_empty(), "something was created");
    });
}

#[test]
fn bad_lab_names_fail_before_any_call() {
    let moto = Moto::start();
    let long = "a".repeat(21);
    moto.run(&["up", "--lab", &long]).fails_with(&format!(
        "lab name '{long}' is 21 characters; at most 20 are allowed"
    ));
    let r = moto.run(&["up", "--lab", "My_Lab"]).fails_with("has 'M'");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    moto.run(&["up", "--lab", "lab-"])
        .fails_with("must start with a letter");
    no_stacks(&moto);
}

#[test]
fn bad_manifests_name_file_line_and_key() {
    let moto = Moto::start();
    let dir = moto.home.path();
    std::fs::write(
        dir.join("mysfits.yaml"),
        "services:\n  - name: web\n    build: .\n    route: default\n    prot: 8080\n",
    )
    .unwrap();
    let r = moto
        .run(&["up"])
        .fails_with("mysfits.yaml:5: services[0]: unknown field `prot`");
    assert_eq!(r.code, 2);
    std::fs::write(
        dir.join("dup.yaml"),
        "services:\n  - name: web\n    build: .\n    route: default\n  - name: a\n    build: .\n    route: /a/*\n  - name: b\n    build: .\n    route: /a/*\n",
    )
    .unwrap();
    moto.run(&["up", "--manifest", "dup.yaml"])
        .fails_with("dup.yaml:10: services[2].route: duplicate route '/a/*': a already routes it");
    moto.run(&["up", "--manifest", "missing.yaml"])
        .fails_with("cannot read manifest missing.yaml");
    no_stacks(&moto);
}

/// Health-check settings and draining times ALB would refuse stop at the manifest, with
/// the line, the key and ALB's range, before any call.
#[test]
fn out_of_range_health_checks_fail_before_any_call() {
    let moto = Moto::start();
    let dir = moto.home.path();
    let web = "services:\n  - name: web\n    build: .\n    route: default\n";
    std::fs::write(
        dir.join("mysfits.yaml"),
        format!("{web}    health_check:\n      path: /\n      interval: 1s\n"),
    )
    .unwrap();
    let r = moto.run(&["up"]).fails_with(
        "mysfits.yaml:7: services[0].health_check.interval: 1 s is out of range; ALB takes 5 s to 300 s",
    );
    assert_eq!(r.code, 2);
    std::fs::write(
        dir.join("slow.yaml"),
        format!("{web}    health_check: {{interval: 5s, timeout: 6s}}\n"),
    )
    .unwrap();
    moto.run(&["up", "--manifest", "slow.yaml"]).fails_with(
        "slow.yaml:5: services[0].health_check.timeout: 6 s must be less than the interval (5 s)",
    );
    std::fs::write(dir.join("drain.yaml"), format!("{web}    draining: 2h\n")).unwrap();
    moto.run(&["up", "--manifest", "drain.yaml"]).fails_with(
        "drain.yaml:5: services[0].draining: 7200 s is out of range; ALB's deregistration delay takes 0 s to 3600 s",
    );
    no_stacks(&moto);
}

#[test]
fn no_region_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let r = Run::from(
        clean_command(home.path())
            .env_remove("AWS_REGION")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .arg("up")
            .output()
            .unwrap(),
    )
    .fails_with("no AWS region is set");
    assert!(
        r.stderr.contains("hint: pass `--region us-east-1`"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_credentials_is_a_clear_error() {
    let home = tempfile::tempdir().unwrap();
    let r = Run::from(
        clean_command(home.path())
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
            .arg("status")
            .output()
            .unwrap(),
    )
    .fails_with("no AWS credentials were found");
    assert!(r.stderr.contains("aws configure"), "{}", r.stderr);
}

#[test]
fn unreachable_endpoint_fails_within_seconds() {
    // Bind and drop a listener to get a loopback port where nothing listens.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let home = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let r = Run::from(
        clean_command(home.path())
            .args(["up", "--endpoint-url", &format!("http://127.0.0.1:{port}")])
            .output()
            .unwrap(),
    )
    .fails_with(&format!(
        "cannot reach http://127.0.0.1:{port}: Connection refused"
    ));
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "took {:?}",
        started.elapsed()
    );
    assert!(r.stderr.contains("--endpoint-url"), "{}", r.stderr);
}

#[test]
fn help_lists_the_lab_commands() {
    let home = tempfile::tempdir().unwrap();
    let r = Run::from(clean_command(home.path()).arg("--help").output().unwrap()).ok();
    for cmd in [
        "init", "up", "deploy", "run", "split", "route", "merge", "status", "logs", "cleanup",
    ] {
        assert!(
            r.stdout.contains(&format!("\n  {cmd} ")),
            "{cmd} missing:\n{}",
            r.stdout
        );
    }
}

/// `init` writes the manifest and the sample apps it builds, byte for byte as in the
/// repository, so an installed binary needs no checkout; it never overwrites without --force.
#[test]
fn init_writes_the_manifest_and_its_apps_once() {
    let home = tempfile::tempdir().unwrap();
    let init = |args: &[&str]| {
        Run::from(
            clean_command(home.path())
                .arg("init")
                .args(args)
                .output()
                .unwrap(),
        )
    };
    let files = [
        ("mysfits.yaml", "examples/mysfits.yaml"),
        ("examples/monolith-service/Dockerfile", ""),
        ("examples/monolith-service/app.py", ""),
        ("examples/monolith-service/mysfits_table.py", ""),
        ("examples/monolith-service/requirements.txt", ""),
        ("examples/like-service/Dockerfile", ""),
        ("examples/like-service/app.py", ""),
        ("examples/like-service/requirements.txt", ""),
        ("examples/clicks-service/Dockerfile", ""),
        ("examples/clicks-service/app.py", ""),
        ("examples/clicks-service/requirements.txt", ""),
    ];
    let same_as_repo = || {
        for (path, source) in files {
            let source = if source.is_empty() { path } else { source };
            let want = std::fs::read_to_string(common::repo_root().join(source)).unwrap();
            let got = std::fs::read_to_string(home.path().join(path))
                .unwrap_or_else(|e| panic!("{path}: {e}"));
            assert_eq!(got, want, "{path}");
        }
    };

    // One file of the lab already there: refused, exit 2, and nothing else written.
    std::fs::create_dir_all(home.path().join("examples/like-service")).unwrap();
    std::fs::write(home.path().join("examples/like-service/app.py"), "mine").unwrap();
    let r =
        init(&[]).fails_with("examples/like-service/app.py already exists: nothing was written");
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("`mysfits init --force`"), "{}", r.stderr);
    assert!(!home.path().join("mysfits.yaml").exists());

    init(&["--force"]).ok();
    same_as_repo();
    std::fs::write(home.path().join("mysfits.yaml"), "edited").unwrap();
    init(&[]).fails_with(
        "mysfits.yaml, examples/monolith-service/Dockerfile and 9 more already exist: nothing was written",
    );
    assert_eq!(
        std::fs::read_to_string(home.path().join("mysfits.yaml")).unwrap(),
        "edited"
    );
    init(&["--force"]).ok();
    same_as_repo();
}

#[test]
fn usage_errors_exit_2_with_a_hint_that_keeps_the_lab() {
    let moto = Moto::start();
    // (arguments, the error, the hint)
    let cases: [(&[&str], &str, &str); 3] = [
        (
            &["route", "mysfits/1/like", "--offline"],
            "'mysfits/1/like' is not a request path",
            "hint: e.g. `mysfits route /mysfits/1/like`",
        ),
        (
            &["route", "mysfits/1/like", "--offline", "--lab", "plain"],
            "is not a request path",
            "`mysfits route /mysfits/1/like --lab plain`",
        ),
        (
            &["merge", "monolith-service", "--lab", "plain"],
            "monolith-service is the default route's service",
            "`mysfits status --lab plain`",
        ),
    ];
    for (args, error, hint) in cases {
        let r = moto.run(args).fails_with(error);
        assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
        assert!(r.stderr.contains(hint), "{args:?}: {}", r.stderr);
    }
    // A `next:` line targets the lab it was run for.
    let dry = moto.run(&["cleanup", "--dry-run", "--lab", "plain"]).ok();
    assert!(
        dry.stderr
            .contains("next: delete it: mysfits cleanup --yes --lab plain"),
        "{}",
        dry.stderr
    );
    no_stacks(&moto);
}

#[test]
fn completions_and_man_page_come_from_the_cli_definition() {
    let home = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = Run::from(
            clean_command(home.path())
                .args(["completions", shell])
                .output()
                .unwrap(),
        )
        .ok();
        assert!(out.stdout.contains("split"), "{shell}: {}", out.stdout);
        assert!(out.stdout.contains("endpoint-url"), "{shell}");
    }
    let man = Run::from(clean_command(home.path()).arg("man").output().unwrap()).ok();
    assert!(man.stdout.contains(".TH mysfits 1"), "{}", man.stdout);
    assert!(man.stdout.contains("cleanup"), "{}", man.stdout);
    let bad = Run::from(
        clean_command(home.path())
            .args(["completions", "tcsh"])
            .output()
            .unwrap(),
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn bad_split_patterns_fail_before_any_call() {
    let moto = Moto::start();
    let split = |paths: &[&str]| {
        let mut args = vec!["split", "like-service"];
        for p in paths {
            args.extend(["--path", p]);
        }
        moto.run(&args)
    };
    // ALB quotas: 5 wildcards and 5 condition values per rule.
    let r = split(&["/??????"]).fails_with("path pattern /?????? has 6 wildcards");
    assert!(r.stderr.contains("at most 5 per rule"), "{}", r.stderr);
    assert_eq!(r.code, 2);
    split(&["/a/*/*", "/b/????"])
        .fails_with("path patterns /a/*/*, /b/???? have between them 6 wildcards");
    split(&["/1", "/2", "/3", "/4", "/5", "/6"])
        .fails_with("6 path patterns for one rule, but ALB allows at most 5 condition values");
    let long = format!("/{}", "a".repeat(128));
    split(&[&long]).fails_with("129 characters long but ALB allows at most 128");
    // No leading '/': refused for the reason that holds (request paths start with '/').
    let r = split(&["mysfits/*/like"]).fails_with("can never match");
    assert!(r.stderr.contains("RFC 9112"), "{}", r.stderr);
    assert!(!r.stderr.contains("ALB requires"), "{}", r.stderr);
    // The lab's trap: a trailing slash, and a doubled one.
    let r = split(&["/mysfits/*/like/"]).fails_with(
        "path pattern '/mysfits/*/like/' is refused: it ends with '/', \
         so it matches '/mysfits/1/like/' but not '/mysfits/1/like'",
    );
    assert!(
        r.stderr.contains("hint: use '/mysfits/*/like' instead"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("pass --force"), "{}", r.stderr);
    split(&["/mysfits//like"]).fails_with("contains '//'");
    no_stacks(&moto);
}

#[test]
fn an_explicit_profile_wins_and_an_unknown_one_is_an_error() {
    let moto = Moto::start();
    let home = moto.home.path();
    let marker = home.join("profile-used");
    std::fs::write(
        home.join("aws-config"),
        format!(
            "[profile other]\nregion = us-east-1\ncredential_process = sh -c 'touch {} && echo {{\\\"Version\\\":1,\\\"AccessKeyId\\\":\\\"other\\\",\\\"SecretAccessKey\\\":\\\"x\\\"}}'\n",
            marker.display()
        ),
    )
    .unwrap();
    // AWS_ACCESS_KEY_ID is set in the environment (clean_command): --profile still wins.
    let r = moto.run(&["status", "--profile", "other"]);
    assert!(
        marker.exists(),
        "the profile's credentials were not used:\n{}",
        r.stderr
    );
    let r = moto
        .run(&["status", "--profile", "nosuch"])
        .fails_with("profile 'nosuch' is not in");
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains(&home.join("aws-config").display().to_string()),
        "names the files it read:\n{}",
        r.stderr
    );
    // With no region anywhere, the unknown profile is still the error (not "no region").
    let r = Run::from(
        moto.mysfits()
            .env_remove("AWS_REGION")
            .args(["status", "--profile", "nosuch"])
            .output()
            .unwrap(),
    )
    .fails_with("profile 'nosuch' is not in");
    assert_eq!(r.code, 2, "{}", r.stderr);
    no_stacks(&moto);
}

/// A lab looked for in the wrong region: the error names the region and the account it
/// looked in, and hints the region before `up` (which would bill a second lab).
#[test]
fn a_lab_not_found_names_the_region_and_account_it_looked_in() {
    let moto = Moto::start();
    moto.run(&["up"]).ok();
    let hints = |r: &Run| -> Vec<String> {
        r.stderr
            .lines()
            .filter_map(|l| l.strip_prefix("hint: "))
            .map(String::from)
            .collect()
    };

    let r = moto
        .run(&["status", "--region", "eu-west-1"])
        .fails_with("lab 'mysfits' is not set up in eu-west-1, account 123456789012");
    assert_eq!(r.code, 1, "{}", r.stderr);
    let h = hints(&r);
    assert!(h.len() >= 2, "{}", r.stderr);
    assert!(
        h[0].contains("region eu-west-1 (from --region)") && h[0].contains("--region"),
        "the region first: {}",
        r.stderr
    );
    assert!(
        h.last()
            .unwrap()
            .contains("`mysfits up --region eu-west-1`"),
        "up last: {}",
        r.stderr
    );
    assert!(!h[0].contains("mysfits up"), "{}", r.stderr);

    // The region from the environment, another lab: both named, --lab kept.
    let r = Run::from(
        moto.mysfits()
            .env("AWS_REGION", "eu-west-1")
            .args(["status", "--lab", "dev"])
            .output()
            .unwrap(),
    )
    .fails_with("lab 'dev' is not set up in eu-west-1, account 123456789012");
    let h = hints(&r);
    assert!(h[0].contains("(from AWS_REGION)"), "{}", r.stderr);
    assert!(
        h.last()
            .unwrap()
            .contains("`mysfits up --region eu-west-1 --lab dev`"),
        "{}",
        r.stderr
    );

    // Commands that build on the stack say the same.
    moto.run(&["route", "/mysfits/1/like", "--region", "eu-west-1"])
        .fails_with("not set up in eu-west-1, account 123456789012");

    // cleanup finds nothing there: it says where it looked and that the lab may be elsewhere.
    let r = moto
        .run(&["cleanup", "--dry-run", "--region", "eu-west-1"])
        .ok();
    assert!(
        r.stderr
            .contains("Lab 'mysfits' owns nothing in eu-west-1, account 123456789012"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("--region"), "{}", r.stderr);
    // The lab in us-east-1 is untouched, and still seen there.
    moto.run(&["status"]).ok();
}

/// Exit 2 and exactly one `error:` line, which says `want`.
fn one_usage_error(args: &[&str], r: &Run, want: &str) {
    assert_eq!(r.code, 2, "{args:?}: {}", r.stderr);
    let errors: Vec<&str> = r
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{args:?}: {}", r.stderr);
    assert!(errors[0].contains(want), "{args:?}: {}", r.stderr);
}

/// Usage errors that clap catches, table-driven: each exits 2 with one `error:` line,
/// before any call.
#[test]
fn out_of_range_values_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    for (args, want) in [
        (&["split", "like-service", "--priority", "0"][..], "'0'"),
        (&["split", "like-service", "--priority", "50001"], "'50001'"),
        (&["logs", "like-service", "--since", "soon"], "not an age"),
        (&["deploy", "like-service", "--timeout", "-1"], "'-1'"),
        (
            &["split", "like-service", "--steps", "50,10"],
            "steps must ascend: 10 comes after 50",
        ),
        (
            &["split", "like-service", "--steps", "10,101"],
            "'101' is not a weight",
        ),
        (&["split", "like-service", "--canary", "0"], "'0'"),
        (&["split", "like-service", "--canary", "101"], "'101'"),
        (
            &["split", "like-service", "--bake", "soon"],
            "not a duration",
        ),
        (&["shift", "like-service", "101"], "'101'"),
        (
            &["shift", "like-service", "50", "--max-5xx", "200"],
            "not a percent",
        ),
    ] {
        let r = Run::from(clean_command(home.path()).args(args).output().unwrap());
        one_usage_error(args, &r, want);
    }
}

/// Rule conditions given on the command line: a host ALB would refuse, a header
/// without `=`, a method in lower case; each a usage error before any call.
#[test]
fn bad_hosts_headers_and_methods_are_usage_errors() {
    let home = tempfile::tempdir().unwrap();
    for (args, want) in [
        (
            &["split", "like-service", "--host", "bad_host.com"][..],
            "host 'bad_host.com' is not an ALB host-header value",
        ),
        (
            &["split", "like-service", "--host", "localhost"],
            "it needs at least one '.'",
        ),
        (
            &["route", "/x", "--header", "X-Env"],
            "header 'X-Env' is not NAME=VALUE",
        ),
        (&["route", "/x", "--method", "get"], "method 'get' is not"),
    ] {
        let r = Run::from(clean_command(home.path()).args(args).output().unwrap());
        one_usage_error(args, &r, want);
    }
}

/// Every command's usage errors, table-driven: exit 2, exactly one `error:` line saying
/// what is wrong, at least one `hint:` line, and nothing created (moto is never set up).
#[test]
fn usage_errors_of_every_command_exit_2_with_a_hint() {
    let moto = Moto::start();
    for (args, want) in [
        (
            &["deploy", "nosuch", "--image", "x:1"][..],
            "unknown service 'nosuch'",
        ),
        (&["deploy", "like-service"], "deploy needs --tag"),
        (&["run", "nosuch"], "unknown service 'nosuch'"),
        (
            &["split", "monolith-service"],
            "is the default route's service",
        ),
        (
            &["split", "--path", "/nothing/routes/here"],
            "no single manifest service is routed by /nothing/routes/here",
        ),
        (
            &["merge", "monolith-service"],
            "is the default route's service",
        ),
        (
            &["shift", "monolith-service", "50"],
            "is the default route's service",
        ),
        (&["route", "mysfits/1/like"], "is not a request path"),
        (&["logs", "nosuch"], "unknown service 'nosuch'"),
        (&["up", "--lab", "Bad_Name"], "Bad_Name"),
    ] {
        let r = moto.run(args);
        one_usage_error(args, &r, want);
        assert!(
            r.stderr.contains("\nhint: "),
            "{args:?} has no hint: {}",
            r.stderr
        );
    }
    // None of it reached AWS: there is still no stack.
    moto.run(&["status"]).fails_with("is not set up");
}

/// A service without `build:` (images built elsewhere, e.g. in CI) is deployed only with
/// `--image` or `--tag … --no-build`: without them, one `error:` line and one `hint:` line
/// say what to pass, before any call.
#[test]
fn deploying_a_service_without_build_says_what_to_pass() {
    let moto = Moto::start();
    std::fs::write(
        moto.home.path().join("mysfits.yaml"),
        "services:\n  - name: web\n    route: default\n",
    )
    .unwrap();
    for (args, tag, lab) in [
        (&["deploy", "web"][..], "TAG", ""),
        (&["deploy", "web", "--tag", "v2"][..], "v2", ""),
        (
            &["deploy", "web", "--tag", "v2", "--lab", "plain"][..],
            "v2",
            " --lab plain",
        ),
    ] {
        let r = moto
            .run(args)
            .fails_with("web has no `build:` in the manifest, so deploy cannot build its image");
        assert_eq!(r.code, 2, "{args:?}");
        assert_eq!(
            r.stderr.lines().skip(1).collect::<Vec<_>>(),
            [format!(
                "hint: pass an image built elsewhere: `mysfits deploy web --image URI{lab}`, or a tag already pushed to its repository: `mysfits deploy web --tag {tag} --no-build{lab}`"
            )],
            "{args:?}: {}",
            r.stderr
        );
    }
    no_stacks(&moto);
}

/// Compose files `init --from-compose` refuses, table-driven: one `error:` line, a
/// `hint:`, the exit code, and no manifest written.
#[test]
fn bad_compose_files_write_no_manifest() {
    let home = tempfile::tempdir().unwrap();
    for (compose, want, code) in [
        (
            Some("this is: not: yaml\n"),
            "compose.yml:1: not a compose file: mapping values are not allowed",
            1,
        ),
        (
            Some("services:\n  web: [nginx]\n"),
            "compose.yml:2: not a compose file: services.web: invalid type",
            1,
        ),
        (
            Some("services:\n  web:\n    ports: [\"80:80\"]\n"),
            "compose.yml: service 'web' has neither `image` nor `build`",
            1,
        ),
        (
            Some("services:\n  a:\n    image: a\n  b:\n    build: ./b\n"),
            "none of the services a, b publishes port 80",
            1,
        ),
        (None, "cannot read compose file compose.yml", 2),
    ] {
        let path = home.path().join("compose.yml");
        match compose {
            Some(text) => std::fs::write(&path, text).unwrap(),
            None => {
                let _ = std::fs::remove_file(&path);
            }
        }
        let args = ["init", "--from-compose", "compose.yml"];
        let r = Run::from(clean_command(home.path()).args(args).output().unwrap());
        assert_eq!(r.code, code, "{compose:?}: {}", r.stderr);
        let r = r.fails_with(want);
        assert!(r.stderr.contains("\nhint: "), "{compose:?}: {}", r.stderr);
        assert!(
            !home.path().join("mysfits.yaml").exists(),
            "{compose:?} wrote a manifest"
        );
    }
}
