//! The lab's page in its S3 website bucket, against a real moto: `up` publishes every file
//! of `site/` and a `config.js` naming the load balancer, read back through S3; a re-run
//! puts nothing; `cleanup` empties the bucket (past one page of listing) so the stack can
//! delete it, and never touches a bucket it did not create.

use crate::common;

use aws_sdk_s3::primitives::ByteStream;
use common::{repo_root, Moto};

fn s3(sdk: &aws_types::SdkConfig) -> aws_sdk_s3::Client {
    aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(true)
            .build(),
    )
}

/// Every file under `site/`, as (key, bytes).
fn site_files() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &std::path::Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let key = format!("{prefix}{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &format!("{key}/"), out);
            } else if key != "README.md" {
                // The page's notes are not published.
                out.push((key, std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(&repo_root().join("site"), "", &mut out);
    out.sort();
    out
}

fn expected_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap() {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        other => panic!("site/{key}: add the type of .{other} to this test"),
    }
}

async fn keys(s3: &aws_sdk_s3::Client, bucket: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut pages = s3.list_objects_v2().bucket(bucket).into_paginator().send();
    while let Some(page) = pages.next().await {
        keys.extend(
            page.unwrap()
                .contents()
                .iter()
                .map(|o| o.key().unwrap().to_string()),
        );
    }
    keys.sort();
    keys
}

async fn get(s3: &aws_sdk_s3::Client, bucket: &str, key: &str) -> (String, Vec<u8>) {
    let out = s3
        .get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    let content_type = out.content_type().unwrap_or_default().to_string();
    let body = out.body.collect().await.unwrap().into_bytes().to_vec();
    (content_type, body)
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn up_publishes_the_page_with_its_config_and_a_rerun_puts_nothing() {
    let moto = Moto::start();
    let up = moto.run(&["up", "-v", "--output", "json"]).ok();
    let doc = json(&up.stdout);
    let outputs = &doc["outputs"];
    let bucket = outputs["WebsiteBucket"].as_str().unwrap();
    let alb_url = outputs["AlbUrl"].as_str().unwrap();
    assert_eq!(doc["site_url"], outputs["WebsiteUrl"]);
    let site_url = doc["site_url"].as_str().unwrap();
    assert!(site_url.starts_with("http://"), "{site_url}");
    assert!(
        up.stderr
            .lines()
            .any(|l| l.contains("website") && l.contains(site_url)),
        "the website row ends with the URL:\n{}",
        up.stderr
    );
    let mutating = up
        .stderr
        .lines()
        .filter(|l| l.trim().starts_with("aws S3.PutObject"))
        .count();
    let files = site_files();
    assert_eq!(
        mutating,
        files.len() + 1,
        "one put per file:\n{}",
        up.stderr
    );

    // Every file, byte for byte, with the type a browser needs; config.js names the ALB.
    let sdk = moto.sdk().await;
    let s3 = s3(&sdk);
    let mut want: Vec<String> = files.iter().map(|(k, _)| k.clone()).collect();
    want.push("config.js".into());
    want.sort();
    assert_eq!(keys(&s3, bucket).await, want);
    for (key, bytes) in &files {
        let (content_type, body) = get(&s3, bucket, key).await;
        assert_eq!(content_type, expected_type(key), "{key}");
        assert!(
            body == *bytes,
            "{key}: the bucket's bytes differ from site/{key}"
        );
    }
    // config.js names the API in front and the sign-in the page calls itself.
    let (content_type, body) = get(&s3, bucket, "config.js").await;
    assert_eq!(content_type, "text/javascript; charset=utf-8");
    let config = String::from_utf8(body).unwrap();
    let config: serde_json::Value = serde_json::from_str(
        config
            .strip_prefix("window.MYSFITS_CONFIG = ")
            .and_then(|c| c.strip_suffix(';'))
            .unwrap_or_else(|| panic!("config.js: {config}")),
    )
    .unwrap();
    assert_eq!(
        config,
        serde_json::json!({
            "apiUrl": outputs["ApiUrl"].as_str().unwrap().trim_end_matches('/'),
            "cognito": {
                "region": "us-east-1",
                "endpoint": moto.endpoint(),
                "userPoolId": outputs["UserPoolId"],
                "clientId": outputs["UserPoolClientId"],
            },
        })
    );
    assert_ne!(config["apiUrl"], alb_url, "the page goes through the API");

    // Text output and status name the page too.
    let text = moto.run(&["status"]).ok().stdout;
    assert!(text.contains(&format!("Website: {site_url}")), "{text}");
    let status = json(&moto.run(&["status", "--output", "json"]).ok().stdout);
    assert_eq!(status["site_url"], site_url);

    // Nothing changed: not one mutating call.
    let again = moto.run(&["up", "-v"]).ok();
    assert_eq!(again.api_calls().1, 0, "{}", again.stderr);
    assert!(again.stdout.contains(site_url), "{}", again.stdout);
    assert!(again.stderr.contains("up to date"), "{}", again.stderr);

    // A file changed by hand, one deleted, one that is no part of the page: exactly those
    // are put back or removed.
    s3.put_object()
        .bucket(bucket)
        .key("app.js")
        .body(ByteStream::from_static(b"// edited by hand"))
        .send()
        .await
        .unwrap();
    s3.delete_object()
        .bucket(bucket)
        .key("config.js")
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(bucket)
        .key("old-page.html")
        .body(ByteStream::from_static(b"<p>old</p>"))
        .send()
        .await
        .unwrap();
    let repair = moto.run(&["up", "-v"]).ok();
    let calls: Vec<&str> = repair
        .stderr
        .lines()
        .filter_map(|l| l.trim().strip_prefix("aws "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|op| op.starts_with("S3.") && !op.starts_with("S3.List"))
        .collect();
    assert_eq!(
        calls,
        ["S3.PutObject", "S3.PutObject", "S3.DeleteObjects"],
        "{}",
        repair.stderr
    );
    assert_eq!(keys(&s3, bucket).await, want);
    let (_, body) = get(&s3, bucket, "app.js").await;
    assert!(body == std::fs::read(repo_root().join("site/app.js")).unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_empties_its_bucket_and_spares_one_it_did_not_create() {
    let moto = Moto::start();
    let doc = json(&moto.run(&["up", "--output", "json"]).ok().stdout);
    let bucket = doc["outputs"]["WebsiteBucket"]
        .as_str()
        .unwrap()
        .to_string();
    let sdk = moto.sdk().await;
    let s3 = s3(&sdk);

    // More than one page of listing (1000 keys) and of DeleteObjects (1000 keys a call).
    let puts = (0..1100).map(|i| {
        let s3 = s3.clone();
        let bucket = bucket.clone();
        async move {
            s3.put_object()
                .bucket(bucket)
                .key(format!("extra/{i:04}.txt"))
                .body(ByteStream::from_static(b"x"))
                .send()
                .await
                .unwrap();
        }
    });
    use futures::StreamExt;
    futures::stream::iter(puts)
        .buffer_unordered(20)
        .collect::<Vec<()>>()
        .await;
    let total = keys(&s3, &bucket).await.len();
    assert_eq!(total, 1100 + site_files().len() + 1);

    // A look-alike made by hand: untagged, named like the lab's, holding a file.
    let foreign = "mysfits-websitebucket-byhand";
    s3.create_bucket().bucket(foreign).send().await.unwrap();
    s3.put_object()
        .bucket(foreign)
        .key("index.html")
        .body(ByteStream::from_static(b"<p>mine</p>"))
        .send()
        .await
        .unwrap();

    let plan = moto.run(&["cleanup", "--dry-run"]).ok();
    assert!(
        plan.stdout.contains("files of the page and the clicks"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains(&format!("{bucket} ({total} files)")),
        "{}",
        plan.stdout
    );
    assert!(!plan.stdout.contains(foreign), "{}", plan.stdout);
    assert_eq!(
        keys(&s3, &bucket).await.len(),
        total,
        "a dry run deletes nothing"
    );

    let cleanup = moto.run(&["cleanup", "--yes"]).ok();
    assert!(
        cleanup
            .stderr
            .contains(&format!("emptied ({total} deleted)")),
        "{}",
        cleanup.stderr
    );
    let gone = s3
        .list_objects_v2()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        aws_sdk_s3::error::ProvideErrorMetadata::code(&gone),
        Some("NoSuchBucket"),
        "the stack deleted its bucket"
    );
    assert_eq!(keys(&s3, foreign).await, ["index.html"], "untouched");
}
