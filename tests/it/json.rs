//! Every command honours `--output json`: one JSON document on stdout (progress and
//! diagnostics on stderr), with the keys the README documents.

use crate::common;

use common::Moto;
use serde_json::Value;

fn json(moto: &Moto, args: &[&str]) -> Value {
    let mut full = args.to_vec();
    full.extend(["--output", "json", "--yes"]);
    let run = moto.run(&full).ok();
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "`mysfits {}` did not print one JSON document ({e}):\n{}",
            args.join(" "),
            run.stdout
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_prints_one_json_document() {
    let moto = Moto::start();
    let init = json(&moto, &["init"]);
    assert!(init["written"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f == "mysfits.yaml"));
    let up = json(&moto, &["up"]);
    assert_eq!(up["lab"], "mysfits");
    assert_eq!(up["region"], "us-east-1");
    assert!(up["outputs"]["AlbUrl"].is_string());
    let monolith = json(&moto, &["deploy", "monolith-service", "--image", "mono:1"]);
    assert_eq!(monolith["rollout"], "completed");

    let deploy = json(&moto, &["deploy", "like-service", "--image", "like:1"]);
    assert_eq!(deploy["service"], "like-service");
    assert_eq!(deploy["image"], "like:1");
    assert_eq!(deploy["revision"], "mysfits-like-service:1");
    assert_eq!(deploy["rollout"], "no_service");

    let split = json(&moto, &["split", "like-service"]);
    assert_eq!(split["patterns"][0], "/mysfits/*/like");
    assert_eq!(split["priority"], 1);
    assert_eq!(split["target_group"], "mysfits-like-service");

    let route = json(&moto, &["route", "/mysfits/1/like"]);
    assert_eq!(route["service"], "like-service");
    let offline = json(&moto, &["route", "/mysfits/1/like", "--offline"]);
    assert_eq!(offline["source"], "manifest");

    let status = json(&moto, &["status"]);
    assert_eq!(status["stack"]["status"], "CREATE_COMPLETE");
    let logs = json(&moto, &["logs", "like-service"]);
    assert!(logs.as_array().unwrap().is_empty());

    let dry = json(&moto, &["merge", "like-service", "--dry-run"]);
    assert_eq!(dry["merged"], false);
    assert_eq!(dry["plan"].as_array().unwrap().len(), 3);
    let merge = json(&moto, &["merge", "like-service"]);
    assert_eq!(merge["merged"], true);

    let plan = json(&moto, &["cleanup", "--dry-run"]);
    assert_eq!(plan["deleted"], false);
    assert!(!plan["plan"].as_array().unwrap().is_empty());
    let cleanup = json(&moto, &["cleanup"]);
    assert_eq!(cleanup["deleted"], true);

    for (args, key) in [
        (&["template"][..], "template"),
        (&["completions", "bash"], "script"),
        (&["man"], "man"),
    ] {
        let doc = json(&moto, args);
        assert!(doc[key].as_str().is_some_and(|t| !t.is_empty()), "{args:?}");
    }
}
