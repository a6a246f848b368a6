"""A local AWS with a data plane, on 127.0.0.1: moto for the APIs, podman for the tasks,
a real registry for ECR, and load balancers that route by their live rules.

    python -m localaws [--port 0] [--state-dir DIR] [--verbose] [--pace off|aws [--pace-scale F]]

Prints, once everything answers, exactly these lines to stdout and nothing else:

    MOTO_PORT=<port>          the AWS endpoint: http://127.0.0.1:<port>
    REGISTRY_PORT=<port>      where ECR repositories live: 127.0.0.1:<port>/<name>
    ENGINE_ID=<id>            the label value mysfits.engine=<id> of its containers

The `mysfits` binary talks to it only through the AWS APIs (AWS_ENDPOINT_URL), exactly
as to AWS. What differs from AWS is written in docs/local-engine.md: a load
balancer's DNS name is ``<name>-<id>.elb.localhost:<port>`` (``*.localhost`` is
loopback: RFC 6761; that port serves its lowest listener, and every listener has a port
of its own, tagged ``localaws:port``), a bucket's website is
``http://<bucket>.s3-website.localhost:<port>`` (one port for every bucket), an HTTP
API's endpoint is ``http://<api id>.execute-api.localhost:<port>`` (a port per API,
tagged ``localaws:port``; JWT authorizers check tokens against the engine's Cognito), ECR
repository URIs are ``127.0.0.1:<registry port>/<name>``, a task's public IP is
127.0.0.1, and a task's network reaches the engine and nothing else (seal.py), AWS's
own host names included (aws_names.py).

``--pace aws`` makes the control plane take the time AWS takes (stacks, load balancers,
task starts, metrics; figures in pace.py, scaled by ``--pace-scale``); off by default.

Stops on SIGTERM/SIGINT, or when its stdin (a pipe) closes; then it stops every
container it started, removes them, takes its names off the images it pulled or built (untag), and stops the registry.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading

from . import harness

HOST = "127.0.0.1"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def _log(verbose: bool, message: str) -> None:
    if verbose:
        print(f"[localaws] {message}", file=sys.stderr, flush=True)


def _start_registry(state_dir: str) -> tuple[subprocess.Popen, int]:
    script = os.path.join(ROOT, "localaws", "start-registry.sh")
    proc = subprocess.Popen(["bash", script, os.path.join(state_dir, "registry")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline().strip()
    if not line.startswith("REGISTRY_PORT="):
        raise SystemExit(f"localaws: the registry did not start ({line!r})")
    return proc, int(line.split("=", 1)[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--state-dir", help="registry storage and logs (default: a temp dir)")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--pace", choices=("off", "aws"), default="off",
                        help="aws: the control plane takes the time AWS takes (pace.py)")
    parser.add_argument("--pace-scale", type=float, default=1.0, metavar="F",
                        help="with --pace aws: multiply every figure by F (e.g. 0.1)")
    args = parser.parse_args()
    if args.pace_scale <= 0:
        parser.error("--pace-scale must be more than 0")
    from . import pace

    pace.configure(args.pace, args.pace_scale)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    # The engine drives task counts and rollouts; moto's fixed count must not.
    os.environ["MOTO_ECS_SERVICE_RUNNING"] = "0"
    os.environ["MYSFITS_MOTO_PUBLIC_IP"] = HOST
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    if not args.verbose:
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        logging.getLogger("moto").setLevel(logging.ERROR)

    own_dir = args.state_dir is None
    state_dir = args.state_dir or tempfile.mkdtemp(prefix="localaws.")
    os.makedirs(state_dir, exist_ok=True)
    registry_proc, registry_port = _start_registry(state_dir)
    registry_host = f"{HOST}:{registry_port}"
    engine_id = secrets.token_hex(6)

    from moto.ecs.models import ecs_backends
    from moto.elbv2.models import elbv2_backends
    from moto.logs.models import logs_backends
    from moto.s3.models import s3_backends

    from . import (alb, apigw, apigw_auth, aws_names, ecs, health, metrics, moto_hooks, podman,
                   registry, website)
    from .patches import lock

    checker = health.Health(lambda account, region: elbv2_backends[account][region])
    plane = alb.AlbDataPlane(checker, log=lambda m: _log(args.verbose, m), verbose=args.verbose,
                             metrics=metrics.AlbMetrics(), warn=lambda m: _log(True, m))
    sites = website.WebsiteServer(s3_backends, lock)
    # A JWT authorizer fetches a Cognito issuer's keys from this engine's own API port,
    # known once the server below has started.
    aws_port: list[int] = []
    keys = apigw_auth.KeySource(apigw.cognito_resolver(lambda: aws_port[0] if aws_port else None))
    gateway = apigw.ApiGateway(plane, keys, log=lambda m: _log(args.verbose, m), verbose=args.verbose)
    patching = moto_hooks.apply(registry.Registry(registry_host), checker, plane, sites, gateway)
    for line in patching.applied:
        _log(args.verbose, f"patch: {line}")

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address=HOST, port=args.port, verbose=False)
    server.start()
    _, port = server.get_host_and_port()
    aws_port.append(port)
    harness.wait_until_answering(port, 30)

    # A task's network is sealed (seal.py): it reaches the engine at 10.0.2.2 and
    # nothing else. Its 10.0.2.2:443 is this TLS front, for SDKs that ignore
    # AWS_ENDPOINT_URL and call AWS's own host names (aws_names.py).
    front = aws_names.AwsFront(os.path.join(state_dir, "tls"), HOST)
    front.start()
    podman.TASKS = podman.TaskNetwork(https_port=front.port,
                                      mounts=[(front.ca_path, aws_names.CA_IN_TASK)])

    def env_for_tasks(region: str) -> dict[str, str]:
        # What ECS gives a task: its role's credentials and region; here also the
        # endpoint, because "AWS" is this engine, reached from the container's network.
        return {"AWS_ENDPOINT_URL": f"http://{podman.HOST_LOOPBACK}:{port}",
                "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                "AWS_REGION": region, "AWS_DEFAULT_REGION": region, **aws_names.task_env()}

    def hosts_for_tasks(account: str, region: str) -> dict[str, str]:
        balancers = elbv2_backends[account][region].load_balancers.values()
        buckets = list(s3_backends[account]["aws"].buckets)
        names = [*aws_names.hostnames(region)] + aws_names.bucket_hostnames(region, buckets)
        hosts = {name: podman.HOST_LOOPBACK for name in names}
        hosts.update({lb.dns_name.split(":")[0]: podman.HOST_LOOPBACK for lb in list(balancers)})
        # An HTTP API's endpoint, for a task that calls another service through it.
        apis = apigw.ApiGateway.backend(account, region).apis.values()
        hosts.update({api.api_endpoint.split("//")[1].split(":")[0]: podman.HOST_LOOPBACK
                      for api in list(apis) if api.api_endpoint.startswith("http://")})
        return hosts

    engine = ecs.Ecs(engine_id, lock, checker, ecs_backends, elbv2_backends, logs_backends,
                     env_for_tasks, hosts_for_tasks, registry_host,
                     log=lambda m: print(f"[localaws] {m}", file=sys.stderr, flush=True))
    checker.start()
    engine.start()
    sites.start()

    if harness.stdin_is_watchable():
        harness.watch_stdin(stop)

    sys.stdout.write(f"MOTO_PORT={port}\nREGISTRY_PORT={registry_port}\nENGINE_ID={engine_id}\n")
    sys.stdout.flush()
    sys.stdout = sys.stderr
    parent = os.getppid()
    while not stop.wait(0.2):
        if os.getppid() != parent:
            break
    _log(args.verbose, "stopping")
    removed = engine.shutdown()
    checker.stop()
    gateway.stop_all()
    plane.stop_all()
    sites.stop()
    front.stop()
    _remove_images(registry_host)
    threading.Thread(target=server.stop, daemon=True).start()
    registry_proc.terminate()
    registry_proc.wait(10)
    if own_dir:
        subprocess.run(["rm", "-rf", state_dir], check=False)
    _log(args.verbose, f"stopped; {removed} containers removed")
    return 0


def _remove_images(registry_host: str) -> None:
    """Takes this engine's names off the images (its registry's port makes them its own).
    Untag, not rmi: an identical build of another engine running beside this one may be
    reusing the same image from podman's layer cache at this very moment, and removing
    it under that build fails it with "image not known"."""
    from . import podman

    out = podman.run(["images", "--format", "{{.Repository}}:{{.Tag}}"], check=False)
    for image in out.split():
        if image.startswith(registry_host + "/") and not image.endswith(":<none>"):
            podman.untag(image)


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    os._exit(code)
