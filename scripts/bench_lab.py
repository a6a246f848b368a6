#!/usr/bin/env python3
"""The whole lab from nothing on the local engine, at AWS's pace (``python -m localaws
--pace aws``: docs/local-engine.md, "The pace model"), phase by phase:

    scripts/bench-lab.sh [--pace aws|off] [--pace-scale F]
    MYSFITS_BIN=/path/to/mysfits scripts/bench-lab.sh    # another build (before/after)

up → deploy monolith-service --tag nolike → deploy like-service --tag v1 → split
like-service --path '/mysfits/*/like' → cleanup --yes, each a separate `mysfits` process,
timed. Alongside, GET /mysfits through the load balancer from the moment its URL is known
(the time to the monolith's first byte, counted from the start of `up`), and from the
start of `split`, POST /mysfits/<id>/like until the like-service's target group answers
it (the x-mysfits-target-group header). The images are built once before the clock
starts, so the timed deploys measure the lab, not this machine's first build (they still
build, from podman's cache, and push). The last line is one JSON object:
{"up_to_monolith_s": …, "split_to_like_s": …, "cleanup_s": …, "total_s": …}. The figures
are the wall clock's: only at --pace-scale 1 are they AWS's (a smaller scale shortens the
modelled waits, not this machine's builds and pushes, so they cannot be scaled back; the
JSON then says the scale). Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
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
BIN = os.environ.get("MYSFITS_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "debug", "mysfits")
MYSFIT = "4e53920c-505a-4a90-a694-b9300791f0ae"
LIKE_GROUP = "mysfits-like-service"


def first_answer(host: str, port: int, method: str, path: str, ok, stop: threading.Event,
                 every: float = 0.25) -> float | None:
    """Polls until `ok(status, headers)`; the monotonic time of that answer, or None."""
    while not stop.is_set():
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request(method, path, headers={"Host": host, "Content-Length": "0"})
            resp = conn.getresponse()
            resp.read()
            if ok(resp.status, {k.lower(): v for k, v in resp.getheaders()}):
                return time.monotonic()
        except OSError:
            pass  # not active yet: refused, reset or timed out
        stop.wait(every)
    return None


class Poller(threading.Thread):
    def __init__(self, host: str, port: int, method: str, path: str, ok) -> None:
        super().__init__(daemon=True)
        self.args, self.stop, self.at = (host, port, method, path, ok), threading.Event(), None

    def run(self) -> None:
        self.at = first_answer(*self.args, self.stop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pace", choices=("aws", "off"), default="aws")
    parser.add_argument("--pace-scale", type=float, default=1.0)
    args = parser.parse_args()
    scale = args.pace_scale if args.pace == "aws" else 1.0
    base = os.environ["MYSFITS_BASE_IMAGE"]
    home = tempfile.mkdtemp(prefix="bench-lab.")
    cmd = [sys.executable, "-m", "localaws", "--state-dir", os.path.join(home, "engine"),
           "--pace", args.pace]
    if args.pace == "aws":
        cmd += ["--pace-scale", str(args.pace_scale)]
    engine = subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=open(os.path.join(home, "engine.log"), "w"), text=True)
    assert engine.stdout is not None
    ports = dict(engine.stdout.readline().strip().split("=", 1) for _ in range(3))
    env = {"PATH": os.environ["PATH"], "HOME": home, "CI": "true",
           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{ports['MOTO_PORT']}",
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
           "MYSFITS_BUILDER": "podman"}
    for key in ("CONTAINERS_CONF", "CONTAINERS_STORAGE_CONF", "BUILDAH_ISOLATION"):
        env[key] = os.environ[key]

    def mysfits(*argv: str) -> float:
        began = time.monotonic()
        done = subprocess.run([BIN, *argv], cwd=ROOT, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            sys.stderr.write(done.stderr[-3000:])
            raise SystemExit(f"bench-lab: mysfits {' '.join(argv)} failed (exit {done.returncode})")
        return time.monotonic() - began

    try:
        # Warm podman's cache: the same builds the deploys make, before the clock.
        for service in ("monolith-service", "like-service"):
            subprocess.run(["podman", "build", "--quiet", "--build-arg", f"BASE_IMAGE={base}",
                            "-t", f"bench-warm/{service}", f"examples/{service}"],
                           cwd=ROOT, env={**os.environ}, check=True, capture_output=True)
        phases: list[tuple[str, float]] = []
        started = time.monotonic()
        phases.append(("up", mysfits("up")))
        status = subprocess.run([BIN, "status", "--output", "json"], cwd=ROOT, env=env,
                                capture_output=True, text=True, check=True)
        url = json.loads(status.stdout)["outputs"]["AlbUrl"]
        host = url.split("//", 1)[1].rstrip("/")
        port = int(host.rsplit(":", 1)[1])
        monolith = Poller(host, port, "GET", "/mysfits", lambda s, h: s == 200)
        monolith.start()
        build = ("--build-arg", f"BASE_IMAGE={base}")
        phases.append(("deploy monolith-service",
                       mysfits("deploy", "monolith-service", "--tag", "nolike", *build)))
        monolith.join(600)
        phases.append(("deploy like-service", mysfits("deploy", "like-service", "--tag", "v1", *build)))
        split_began = time.monotonic()
        like = Poller(host, port, "POST", f"/mysfits/{MYSFIT}/like",
                      lambda s, h: s == 200 and h.get("x-mysfits-target-group") == LIKE_GROUP)
        like.start()
        phases.append(("split like-service", mysfits("split", "like-service", "--path", "/mysfits/*/like")))
        like.join(600)
        phases.append(("cleanup", mysfits("cleanup", "--yes")))
        total = time.monotonic() - started
    finally:
        engine.stdin.close()  # type: ignore[union-attr]
        engine.wait(180)
        shutil.rmtree(home, ignore_errors=True)

    aws = lambda s: s  # noqa: E731 (the wall clock's seconds, whatever the scale)
    print(f"{BIN}, engine --pace {args.pace}" + (f" --pace-scale {scale}" if scale != 1 else ""))
    print(f"{'phase':26} {'s':>8}")
    for name, secs in phases:
        print(f"{name:26} {aws(secs):>8.1f}")
    print(f"{'total':26} {aws(total):>8.1f}")
    up_to_monolith = aws(monolith.at - started) if monolith.at else None
    split_to_like = aws(like.at - split_began) if like.at else None
    print(f"first byte from the monolith: {up_to_monolith:.1f} s after `up` began" if up_to_monolith
          else "the monolith never answered 200")
    print(f"first like answered by the like-service: {split_to_like:.1f} s after `split` began"
          if split_to_like else "the like-service never answered")
    result = {"up_to_monolith_s": round(up_to_monolith, 1) if up_to_monolith else None,
              "split_to_like_s": round(split_to_like, 1) if split_to_like else None,
              "cleanup_s": round(aws(phases[-1][1]), 1), "total_s": round(aws(total), 1)}
    if scale != 1:
        result["pace_scale"] = scale
    print(json.dumps(result))


if __name__ == "__main__":
    main()
