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
    // cfn-lint sits beside the Python that has moto (the venv .ci/run makes).
    let lint = python().with_file_name("cfn-lint");
    let lint = if lint.exists() {
        lint
    } else {
        "cfn-lint".into()
    };
    let out = Command::new(&lint)
        .arg(&path)
        .output()
        .expect("run cfn-lint (see .ci/run)");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "cfn-lint found problems in the template for {manifest:?}:\n{}{}",
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
