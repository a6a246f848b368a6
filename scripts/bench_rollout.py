#!/usr/bin/env python3
"""How long a deploy takes on the local engine, phase by phase, until the new revision
serves 100 % of the requests through the load balancer.

    scripts/bench-rollout.sh            # sets podman up, then runs this

It starts its own engine, sets up a lab with the echo app (tests/fixtures/echo-app),
deploys v1, then measures `mysfits deploy web --tag v2` while it sends a request through
the load balancer every 50 ms and polls target health every 200 ms. Prints one table.
Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug",
                   "mysfits")


def main() -> None:
    home = tempfile.mkdtemp(prefix="bench-rollout.")
    engine = subprocess.Popen([sys.executable, "-m", "localaws", "--state-dir",
                               os.path.join(home, "engine")], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=open(os.path.join(home, "engine.log"), "w"),
                              text=True)
    assert engine.stdout is not None
    lines = dict(engine.stdout.readline().strip().split("=", 1) for _ in range(3))
    endpoint = f"http://127.0.0.1:{lines['MOTO_PORT']}"
    env = {"PATH": os.environ["PATH"], "HOME": home, "AWS_ENDPOINT_URL": endpoint,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "CI": "true",
           "MYSFITS_BUILDER": "podman"}
    for key in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "BUILDAH_ISOLATION"):
        env[key] = os.environ[key]
    app = os.path.join(home, "echo-app")
    shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "echo-app"), app)
    with open(os.path.join(home, "mysfits.yaml"), "w") as f:
        f.write(f"services:\n  - name: web\n    build: {app}\n    route: default\n"
                "    environment: {SERVICE: web}\n")
    base = "BASE_IMAGE=" + os.environ.get("MYSFITS_BASE_IMAGE", "localhost/mysfits-base:bookworm")

    def mysfits(*args: str, **kw) -> subprocess.CompletedProcess:
        return subprocess.run([BIN, *args], cwd=home, env=env, capture_output=True, text=True,
                              check=True, **kw)

    try:
        mysfits("up")
        with open(os.path.join(app, "app.env"), "w") as f:
            f.write("MODE=ok\nVERSION=1\n")
        mysfits("deploy", "web", "--tag", "v1", "--build-arg", base)
        url = json.loads(mysfits("status", "--output", "json").stdout)["outputs"]["AlbUrl"]
        host = url.split("//", 1)[1]
        port = int(host.rsplit(":", 1)[1])
        with open(os.path.join(app, "app.env"), "w") as f:
            f.write("MODE=ok\nVERSION=2\n")
        measure(mysfits, base, env, host, port)
    finally:
        engine.stdin.close()  # type: ignore[union-attr]
        engine.wait(120)
        shutil.rmtree(home, ignore_errors=True)


def measure(mysfits, base: str, env: dict, host: str, port: int) -> None:
    import boto3

    elbv2 = boto3.client("elbv2", endpoint_url=env["AWS_ENDPOINT_URL"], region_name="us-east-1",
                         aws_access_key_id="testing", aws_secret_access_key="testing")
    group = elbv2.describe_target_groups(Names=["mysfits-default"])["TargetGroups"][0]["TargetGroupArn"]
    old = {t["Target"]["Id"] for t in elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]}
    marks: dict[str, float] = {}
    answers: list[tuple[float, str]] = []
    done = threading.Event()
    t0 = time.monotonic()

    def mark(name: str) -> None:
        marks.setdefault(name, time.monotonic() - t0)

    def load() -> None:
        while not done.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/", headers={"Host": host})
                body = json.loads(conn.getresponse().read() or b"{}")
                answers.append((time.monotonic() - t0, str(body.get("version"))))
            except (OSError, ValueError):
                answers.append((time.monotonic() - t0, "error"))
            time.sleep(0.05)

    def health() -> None:
        while not done.is_set():
            states = {t["Target"]["Id"]: t["TargetHealth"]["State"] for t in
                      elbv2.describe_target_health(TargetGroupArn=group)["TargetHealthDescriptions"]}
            new = {k: v for k, v in states.items() if k not in old}
            if new:
                mark("task started, target registered")
            if "healthy" in new.values():
                mark("first healthy check passed (new target healthy)")
            if any(states.get(k) == "draining" for k in old):
                mark("old target draining (no new requests)")
            if new and not (set(states) & old):
                mark("old target drained (gone), old task stopping")
            time.sleep(0.2)

    threads = [threading.Thread(target=load, daemon=True), threading.Thread(target=health, daemon=True)]
    for t in threads:
        t.start()
    proc = subprocess.Popen([BIN, "deploy", "web", "--tag", "v2", "--build-arg", base],
                            cwd=env["HOME"], env=env, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    for line in proc.stderr:
        if "logging in to ECR" in line:
            mark("build done")
        if "built and pushed" in line:
            mark("push done")
        if "updated to" in line:
            mark("service updated (new revision registered)")
    proc.wait()
    mark("deploy command returned (rollout COMPLETED)")
    time.sleep(1)
    done.set()
    for t in threads:
        t.join(6)
    last_old = max((t for t, v in answers if v != "2"), default=0.0)
    served = [v for t, v in answers if t > last_old]
    marks["100 % of requests served by v2 from"] = last_old
    errors = sum(1 for _, v in answers if v == "error")
    print(f"{'phase':58} {'at (s)':>8}")
    for name, at in sorted(marks.items(), key=lambda kv: kv[1]):
        print(f"{name:58} {at:8.1f}")
    print(f"requests during the deploy: {len(answers)}, errors: {errors}, "
          f"after the cut-over all v2: {all(v == '2' for v in served)}")


if __name__ == "__main__":
    main()
