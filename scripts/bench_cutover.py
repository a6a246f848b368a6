#!/usr/bin/env python3
"""The gradual cut-over on the local engine: how fast a broken canary is rolled back, and
which AWS calls each step of a walk makes.

    scripts/bench-cutover.sh            # sets podman up, then runs this

It starts its own engine and sets up a lab with the echo app (tests/fixtures/echo-app):
web on the default route, like on /mysfits/*/like. Steady traffic goes to
/mysfits/1/like through the load balancer (one request every 20 ms) the whole time.

1. Rollback latency, RUNS times: like's image answers 500 on every path but its health
   check (MODE=errors); `mysfits split like --steps 10,50,100 --bake 20s` sets 10 %,
   and the watch must put all traffic back on web. Breach = the first 5xx a client got
   (none can before: at 0 % like gets no request); restored = the first read of the
   rule (DescribeRules every 50 ms) with weights 0/100. Each run after the first resumes the walk from 0 %.
2. Calls per step: like fixed (MODE=ok, deploy v2), the same walk with `--bake 5s -v`;
   each `aws <Service.Operation>` line `-v` prints is counted in the step it belongs to
   (a step begins with the call that sets its weights). Then the walk once more: the
   weights are in place, so it must make no mutating call.

Prints two tables. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# MYSFITS_BIN: another build to measure (e.g. main's, for a before/after).
BIN = os.environ.get("MYSFITS_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "mysfits")
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
PATH = "/mysfits/1/like"
PATTERN = "/mysfits/*/like"
STEPS = [10, 50, 100]
# A call as `-v` prints it: "aws Elastic Load Balancing v2.ModifyRule 11 ms[, …]".
CALL = re.compile(r"aws (.+?\.[A-Za-z]+) \d+ ms")
# What mysfits counts as read-only (src/aws/calls.rs); everything else mutates.
READ_ONLY = ("Describe", "List", "Get", "Scan", "Query", "BatchGet", "Validate")


class Lab:
    def __init__(self, home: str, endpoint: str) -> None:
        import boto3

        self.home = home
        self.env = {"PATH": os.environ["PATH"], "HOME": home, "AWS_ENDPOINT_URL": endpoint,
                    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                    "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true", "CI": "true",
                    "MYSFITS_BUILDER": "podman"}
        for key in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "BUILDAH_ISOLATION"):
            self.env[key] = os.environ[key]
        self.app = os.path.join(home, "echo-app")
        shutil.copytree(os.path.join(ROOT, "tests", "fixtures", "echo-app"), self.app)
        with open(os.path.join(home, "mysfits.yaml"), "w") as f:
            f.write(f"services:\n  - name: web\n    build: {self.app}\n    route: default\n"
                    "    environment: {SERVICE: web}\n"
                    f"  - name: like\n    build: {self.app}\n    route: '{PATTERN}'\n"
                    "    environment: {SERVICE: like}\n")
        self.base = "BASE_IMAGE=" + os.environ.get("MYSFITS_BASE_IMAGE", "localhost/mysfits-base:bookworm")
        kw = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="testing",
                  aws_secret_access_key="testing")
        self.elb = boto3.client("elbv2", **kw)
        self.cfn = boto3.client("cloudformation", **kw)

    def mysfits(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([BIN, *args], cwd=self.home, env=self.env, capture_output=True,
                              text=True, check=True)

    def deploy(self, service: str, tag: str, mode: str, version: str) -> None:
        with open(os.path.join(self.app, "app.env"), "w") as f:
            f.write(f"MODE={mode}\nVERSION={version}\n")
        self.mysfits("deploy", service, "--tag", tag, "--build-arg", self.base)

    def listener(self) -> str:
        outputs = self.cfn.describe_stacks(StackName="mysfits")["Stacks"][0]["Outputs"]
        return next(o["OutputValue"] for o in outputs if o["OutputKey"] == "ListenerArn")

    def like_share(self, listener: str) -> int | None:
        """like's weight in % on the split rule (100 for a plain forward to it), None
        while there is no rule."""
        for rule in self.elb.describe_rules(ListenerArn=listener)["Rules"]:
            values = [v for c in rule.get("Conditions", []) for v in
                      (c.get("Values") or (c.get("PathPatternConfig") or {}).get("Values") or [])]
            if PATTERN not in values:
                continue
            action = rule["Actions"][0]
            groups = (action.get("ForwardConfig") or {}).get("TargetGroups")
            if not groups:
                return 100 if "/mysfits-like/" in action.get("TargetGroupArn", "") else 0
            total = sum(g.get("Weight", 1) for g in groups) or 1
            like = sum(g.get("Weight", 1) for g in groups if "/mysfits-like/" in g["TargetGroupArn"])
            return round(100 * like / total)
        return None


class Traffic(threading.Thread):
    """GET PATH through the load balancer every `every` s (20 ms); (monotonic time, status)."""

    def __init__(self, host: str, port: int, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.every = host, port, every
        self.answers: list[tuple[float, int]] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", PATH, headers={"Host": self.host})
                status = conn.getresponse().status
                conn.close()
            except OSError:
                status = 0
            self.answers.append((time.monotonic(), status))
            time.sleep(self.every)


def watched(lab: Lab, listener: str, args: list[str]) -> tuple[int, list[tuple[float, str]], list[tuple[float, int | None]]]:
    """Runs mysfits; its stderr lines with when they came, and the like share read every
    50 ms with when it changed."""
    proc = subprocess.Popen([BIN, *args], cwd=lab.home, env=lab.env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    lines: list[tuple[float, str]] = []

    def read() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            lines.append((time.monotonic(), line.rstrip("\n")))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    shares: list[tuple[float, int | None]] = []
    while True:
        share = lab.like_share(listener)
        if not shares or shares[-1][1] != share:
            shares.append((time.monotonic(), share))
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    reader.join(5)
    return proc.returncode, lines, shares


def rollback_runs(lab: Lab, listener: str, traffic: Traffic) -> list[dict[str, float]]:
    rows = []
    for run in range(1, RUNS + 1):
        # At 0 % nobody gets like's 500s: the first one after this is the breach's start.
        began = time.monotonic()
        code, lines, shares = watched(lab, listener, ["split", "like", "--steps", "10,50,100",
                                                      "--bake", "20s", "-v"])
        set10 = next((t for t, s in shares if s == 10), None)
        restored = next((t for t, s in shares if set10 is not None and t > set10 and s == 0), None)
        if code != 1 or set10 is None or restored is None:
            print(f"run {run}: exit {code}, shares {[s for _, s in shares]}", file=sys.stderr)
            print("\n".join(line for _, line in lines[-15:]), file=sys.stderr)
            raise SystemExit("the broken canary was not rolled back")
        first_5xx = next(t for t, status in list(traffic.answers) if t >= began and status >= 500)
        modify = [t for t, line in lines if (m := CALL.match(line.strip())) and
                  m.group(1).endswith(".ModifyRule")]
        rollback_call = next((t for t in modify if t > first_5xx), restored)
        errors = sum(1 for t, status in list(traffic.answers) if began <= t <= restored and status >= 500)
        why = next((line for _, line in lines if "rolled back" in line), "")
        rows.append({"run": run, "detect": rollback_call - first_5xx, "latency": restored - first_5xx,
                     "errors": errors, "why": why.strip()})
    return rows


def steps_of(lines: list[tuple[float, str]]) -> list[tuple[str, Counter[str]]]:
    """The -v call lines split into steps; a step starts at the call that sets weights."""
    steps: list[tuple[str, Counter[str]]] = [("before the first step", Counter())]
    for _, line in lines:
        found = CALL.match(line.strip())
        if found is None:
            continue
        op = found.group(1)
        if op.endswith((".ModifyRule", ".CreateRule")):
            steps.append((f"step {len(steps)}", Counter()))
        steps[-1][1][op] += 1
    return steps


def mutating(ops: Counter[str]) -> int:
    return sum(n for op, n in ops.items() if not op.split(".")[-1].startswith(READ_ONLY))


@contextlib.contextmanager
def engine_lab() -> Iterator[tuple[Lab, str, int]]:
    """A fresh engine and lab (up, web deployed); (lab, load balancer host, port). The
    engine stops, removing its containers, when the block ends."""
    home = tempfile.mkdtemp(prefix="bench-cutover.")
    engine = subprocess.Popen([sys.executable, "-m", "localaws", "--state-dir",
                               os.path.join(home, "engine")], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, stderr=open(os.path.join(home, "engine.log"), "w"),
                              text=True)
    assert engine.stdout is not None
    ports = dict(engine.stdout.readline().strip().split("=", 1) for _ in range(3))
    lab = Lab(home, f"http://127.0.0.1:{ports['MOTO_PORT']}")
    try:
        lab.mysfits("up")
        lab.deploy("web", "v1", "ok", "1")
        url = json.loads(lab.mysfits("status", "--output", "json").stdout)["outputs"]["AlbUrl"]
        host = url.split("//", 1)[1].rstrip("/")
        yield lab, host, int(host.rsplit(":", 1)[1])
    finally:
        engine.stdin.close()  # type: ignore[union-attr]
        engine.wait(120)
        shutil.rmtree(home, ignore_errors=True)


def main() -> None:
    with engine_lab() as (lab, host, port):
        lab.deploy("like", "v1", "errors", "1")
        traffic = Traffic(host, port)
        traffic.start()
        listener = lab.listener()
        rows = rollback_runs(lab, listener, traffic)

        lab.deploy("like", "v2", "ok", "2")
        walk = ["split", "like", "--steps", ",".join(map(str, STEPS)), "--bake", "5s", "-v"]
        code, lines, shares = watched(lab, listener, walk)
        if code != 0:
            print("\n".join(line for _, line in lines[-15:]), file=sys.stderr)
            raise SystemExit(f"the healthy walk failed (exit {code})")
        again = lab.mysfits(*walk)
        traffic.done.set()
        traffic.join(6)

    print("Rollback of a canary answering 500 at 10 % (bake 20 s, a request every 20 ms):")
    print(f"{'run':>3}  {'5xx -> rollback call (s)':>24}  {'5xx -> weights 0/100 read (s)':>29}  {'5xx answered':>12}")
    for r in rows:
        print(f"{r['run']:>3}  {r['detect']:>24.1f}  {r['latency']:>29.1f}  {r['errors']:>12}")
    lat = [r["latency"] for r in rows]
    print(f"latency min {min(lat):.1f} s, median {statistics.median(lat):.1f} s, max {max(lat):.1f} s")
    print(f"the tool said: {rows[-1]['why']}")
    print()
    print(f"AWS calls per step of `mysfits {' '.join(walk)}` (resumed from 0 %):")
    print(f"{'step':24} {'like %':>6} {'calls':>5} {'mutating':>8}  operations")
    for i, (name, ops) in enumerate(steps_of(lines)):
        share = str(STEPS[i - 1]) if 1 <= i <= len(STEPS) else ""
        detail = ", ".join(f"{op.split('.')[-1]} x{n}" for op, n in sorted(ops.items()))
        print(f"{name:24} {share:>6} {sum(ops.values()):>5} {mutating(ops):>8}  {detail}")
    total_line = next((ln for ln in again.stderr.splitlines() if ln.startswith("api calls:")), "?")
    print(f"the same walk again (weights in place): {total_line}")


if __name__ == "__main__":
    main()
