//! Every template the tool can render passes cfn-lint with no errors and no warnings.

use crate::common;

use std::process::Command;

use common::{clean_command, python, repo_root, Run};

fn cfn_lint(manifest: Option<&str>) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = clean_command(home.path());
    cmd.arg("template");
    if let Some(m) = manifest {
        cmd.args(["--manifest", &repo_root().join(m).display().to_string()]);
    }
    let rendered = Run::from(cmd.output().unwrap()).ok().stdout;
    assert!(rendered.contains("AWS::ECS::Cluster"));
    let path = home.path().join("core.yaml");
    std::fs::write(&path, &rendered).unwrap();
    assert_lints_clean(&path, &format!("{manifest:?}"));
}

/// cfn-lint finds nothing in the template at `path` (`what` names it in the failure).
pub fn assert_lints_clean(path: &std::path::Path, what: &str) {
    // cfn-lint sits beside the Python that has moto (the venv .ci/run makes).
    let lint = python().with_file_name("cfn-lint");
    let lint = if lint.exists() {
        lint
    } else {
        "cfn-lint".into()
    };
    let out = Command::new(&lint)
        .arg(path)
        .output()
        .expect("run cfn-lint (see .ci/run)");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "cfn-lint found problems in the template for {what}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn built_in_lab_template_passes_cfn_lint() {
    cfn_lint(None);
}

#[test]
fn threads_api_template_passes_cfn_lint() {
    cfn_lint(Some("examples/threads-api/mysfits.yaml"));
}

#[test]
fn a_broken_template_fails_cfn_lint() {
    // The check above can fail: a resource with a bad property is reported.
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("bad.yaml");
    std::fs::write(&path, "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      NoSuchProperty: 1\n").unwrap();
    let lint = python().with_file_name("cfn-lint");
    let lint = if lint.exists() {
        lint
    } else {
        "cfn-lint".into()
    };
    let out = Command::new(&lint).arg(&path).output().unwrap();
    assert!(!out.status.success());
}

/// checkov, from the venv of its own that scripts/venv.sh makes (its pins conflict with
/// moto's), else from PATH.
fn checkov_bin() -> std::path::PathBuf {
    let venv = repo_root().join(".venv/checkov/bin/checkov");
    if venv.exists() {
        venv
    } else {
        "checkov".into()
    }
}

/// checkov's summary of one template file. `--skip-download`: nothing is fetched from
/// Prisma Cloud (the machine talks to loopback only); the built-in checks need nothing.
fn checkov_scan(path: &std::path::Path) -> serde_json::Value {
    let out = Command::new(checkov_bin())
        .args([
            "--framework",
            "cloudformation",
            "--skip-download",
            "--quiet",
        ])
        .args(["--output", "json", "--file"])
        .arg(path)
        .output()
        .expect("run checkov (scripts/venv.sh makes .venv/checkov)");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON ({e}):\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// 0 failed checks, and every skip is one the template declares next to its resource
/// (`Metadata: checkov: skip:` with a comment), none dropped or unexplained.
fn checkov(manifest: Option<&str>) {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = clean_command(home.path());
    cmd.arg("template");
    if let Some(m) = manifest {
        cmd.args(["--manifest", &repo_root().join(m).display().to_string()]);
    }
    let rendered = Run::from(cmd.output().unwrap()).ok().stdout;
    let path = home.path().join("core.yaml");
    std::fs::write(&path, &rendered).unwrap();
    let report = checkov_scan(&path);
    let failed: Vec<String> = report["results"]["failed_checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| format!("{} {}: {}", c["check_id"], c["resource"], c["check_name"]))
        .collect();
    assert!(
        failed.is_empty(),
        "checkov failed checks in the template for {manifest:?}: fix them, or skip each in \
         the template next to its resource with a comment saying why:\n{}",
        failed.join("\n")
    );
    assert_eq!(report["summary"]["parsing_errors"], 0);
    assert!(report["summary"]["passed"].as_u64().unwrap() > 30);
    let skips = rendered.matches("- id: CKV_").count();
    let comments = rendered.matches("comment: ").count();
    assert_eq!(skips, comments, "every skip says why");
    assert_eq!(
        report["summary"]["skipped"].as_u64().unwrap() as usize,
        skips
    );
}

#[test]
fn built_in_lab_template_passes_checkov() {
    checkov(None);
}

#[test]
fn threads_api_template_passes_checkov() {
    checkov(Some("examples/threads-api/mysfits.yaml"));
}

#[test]
fn an_insecure_template_fails_checkov() {
    // The scan above can fail: an unencrypted queue is reported.
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("bad.yaml");
    std::fs::write(
        &path,
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      SqsManagedSseEnabled: false\n",
    )
    .unwrap();
    let report = checkov_scan(&path);
    assert!(
        report["summary"]["failed"].as_u64().unwrap() > 0,
        "{report}"
    );
}
