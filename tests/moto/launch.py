#!/usr/bin/env python3
"""Start a patched moto server on loopback for the mysfits integration tests.

    python tests/moto/launch.py --port 0

* Listens on 127.0.0.1 only; ``--port 0`` picks a free port.
* Applies the patches of ``localaws/patches/`` (moto doing what AWS documents; each
  module's docstring describes its patch, including the variables below). The engine
  owns them; this launcher runs them without the engine's data plane.
* Prints exactly one line to stdout, ``MOTO_PORT=<port>``, once the server answers
  HTTP, then nothing else on stdout (diagnostics go to stderr, and only with
  ``--verbose`` or on failure).
* Runs until it gets SIGTERM/SIGINT or, when its stdin is a pipe (a test harness:
  keep the pipe open), until that pipe reaches end of file or its parent process
  exits; then stops the server and exits 0. With stdin at /dev/null (detached by
  hand) only a signal stops it.
* ``MOTO_ECS_SERVICE_RUNNING`` defaults to 1 here (moto's own default is 0, which
  leaves ECS services at runningCount 0 forever); the caller's value wins.
* ``MYSFITS_MOTO_ROLLOUT_DESCRIBES`` (``localaws/patches/ecs_deployments.py``): how many
  DescribeServices calls after an UpdateService still see the rollout IN_PROGRESS.
* ``MYSFITS_MOTO_PUBLIC_IP`` (``localaws/patches/ecs_task_enis.py``): the loopback address that
  stands in for a Fargate task's public IP; anything but loopback stops the launcher.
* ``--no-patches`` runs plain moto (to re-measure its gaps); tests must not use it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

# The engine owns the patches and the helpers (localaws/); this launcher runs them on
# plain moto.
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from localaws.harness import HOST, stdin_is_watchable, wait_until_answering, watch_stdin  # noqa: E402


def _log(verbose: bool, message: str) -> None:
    if verbose:
        print(f"[moto launcher] {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1; 0 = any free port")
    parser.add_argument("--verbose", action="store_true", help="log requests and patches to stderr")
    parser.add_argument("--startup-timeout", type=float, default=30.0)
    parser.add_argument(
        "--no-patches",
        action="store_true",
        help="plain moto, to re-measure its gaps when moto changes (tests must not use this)",
    )
    args = parser.parse_args(argv)

    # Stop requests may come while moto is still importing: catch them from the start.
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    parent = os.getppid()
    harnessed = stdin_is_watchable()

    os.environ.setdefault("MOTO_ECS_SERVICE_RUNNING", "1")
    # Dummy credentials and a region for anything in-process that builds a boto3
    # client; never real ones, and every endpoint here is loopback.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto").setLevel(logging.ERROR)

    from localaws import patches  # after the environment is set

    if args.no_patches:
        _log(args.verbose, "patches NOT applied (--no-patches)")
    else:
        for line in patches.apply().applied:
            _log(args.verbose, f"patch: {line}")

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=args.port, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    if host != HOST:
        raise SystemExit(f"moto bound to {host}, not {HOST}")
    wait_until_answering(port, args.startup_timeout)

    if harnessed:
        watch_stdin(stop)
    else:
        _log(args.verbose, "stdin is not a pipe or terminal; stop me with SIGTERM")

    sys.stdout.write(f"MOTO_PORT={port}\n")
    sys.stdout.flush()
    # Nothing else may reach stdout: anything moto prints goes to stderr.
    sys.stdout = sys.stderr

    # Started with a pipe on stdin (a test harness): if whoever started us goes away
    # (killed harness, or a `python` wrapper that got the SIGTERM instead of us), stop
    # as well. With stdin at /dev/null (deliberately detached), only a signal stops us.
    while not stop.wait(0.2):
        if harnessed and os.getppid() != parent:
            _log(args.verbose, "parent process exited")
            break
    _log(args.verbose, "stopping")
    stopper = threading.Thread(target=server.stop, daemon=True)
    stopper.start()
    stopper.join(5)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # Skip interpreter shutdown: the stdin watcher is a daemon thread blocked in read(),
    # and finalizing under it aborts with "could not acquire lock for <stdin>".
    os._exit(code)
