"""Can this machine run the engine's tasks? One tiny task, started exactly as the engine
starts one (``podman.start``: ``--init``, runc, slirp4netns, the seal on its network,
the same containers.conf), plus the name resolution the engine's URLs need. Seconds,
not minutes into a deploy.

The task checks the seal (seal.py): its connection to 10.0.2.50, an address inside
slirp4netns's own network that nothing answers, must be refused at once. Sealed, the
rules refuse it in the task's namespace; unsealed, it would end after ARP gives up
(about 3 s, "No route to host"). Either way no packet leaves this machine.

    python3 -m localaws.preflight     # exit 0, or one `error:` line and a `hint:` line

Standard library only: it runs before the venv exists (scripts/engine-check.sh).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import sys
import tarfile
import time

from . import podman

IMAGE = "localhost/mysfits-preflight:1"
BUSYBOX = "/bin/busybox"

# What podman says when a package is missing, and the package that provides it.
KNOWN = [
    ("mysfits seal", "iptables"),
    ("container-init binary not found", "catatonit"),
    ("catatonit", "catatonit"),
    ("slirp4netns", "slirp4netns"),
    ("runc", "runc"),
    ("conmon", "conmon"),
]


class Failed(Exception):
    def __init__(self, what: str, hint: str) -> None:
        super().__init__(what)
        self.hint = hint


def _apt(package: str) -> str:
    return f"apt-get install --no-install-recommends {package} (or scripts/system-deps.sh as root)"


def _image() -> None:
    """A one-file image: Debian's static busybox, imported, no registry or pull."""
    if podman.exists(IMAGE):
        return
    if not os.path.exists(BUSYBOX):
        raise Failed("the engine check needs a static busybox, and it is missing",
                     _apt("busybox-static"))
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w") as tar:
        tar.add(os.path.realpath(BUSYBOX), arcname="bin/busybox")
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"mysfits-preflight-{os.getpid()}.tar")
    with open(path, "wb") as out:
        out.write(data.getvalue())
    try:
        podman.run(["import", "--quiet", path, IMAGE], timeout=60)
    finally:
        os.unlink(path)


# Exit 0 when the probe is refused at once, 7 (with nc's words) when it is not.
PROBE = ("out=$(/bin/busybox nc -w 3 10.0.2.50 9 </dev/null 2>&1); "
         "case \"$out\" in *refused*) exit 0;; *) echo \"$out\"; exit 7;; esac")
NOT_SEALED = 7


def _task() -> None:
    name = f"mysfits-preflight-{os.getpid()}"
    spec = podman.Spec(name=name, image=IMAGE, environment={}, ports=[80], publish_same=False,
                       hosts={"preflight.elb.localhost": podman.HOST_LOOPBACK},
                       labels={}, command=["/bin/busybox", "sh", "-c", PROBE])
    try:
        podman.start(spec, "preflight")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            state, code = podman.states("preflight").get(name, ("gone", None))
            if code is not None or state in ("exited", "stopped"):
                if code == NOT_SEALED:
                    said = podman.run(["logs", name], check=False).strip()
                    raise Failed(f"a test task's network is not sealed: a connection to "
                                 f"10.0.2.50 was not refused at once ({said})",
                                 "iptables-restore must work in a container's network "
                                 "namespace: see localaws/seal.py")
                if code not in (0, None):
                    raise Failed(f"a test task exited with code {code}",
                                 f"podman logs {name} shows why")
                return
            time.sleep(0.1)
        raise Failed("a test task did not finish within 30 s", "podman ps --all")
    except podman.PodmanError as exc:
        text = str(exc)
        for needle, package in KNOWN:
            if needle in text:
                raise Failed(f"podman cannot start a task: {text}", _apt(package)) from exc
        raise Failed(f"podman cannot start a task: {text}",
                     "see docs/local-engine.md (what the engine needs)") from exc
    finally:
        podman.remove(name)


def _resolve() -> None:
    # The engine's URLs are <name>.elb.localhost:<port>; any client must resolve them.
    host = "preflight-0.elb.localhost"
    try:
        addresses = {a[4][0] for a in socket.getaddrinfo(host, 80, proto=socket.IPPROTO_TCP)}
    except socket.gaierror as exc:
        raise Failed(f"this machine does not resolve {host} ({exc.strerror})",
                     _apt("libnss-myhostname") + "; /etc/nsswitch.conf's hosts line must "
                     "name myhostname") from exc
    if "127.0.0.1" not in addresses:
        raise Failed(f"{host} resolves to {', '.join(sorted(addresses))}, not 127.0.0.1",
                     "/etc/hosts or /etc/nsswitch.conf maps *.localhost elsewhere")


def main() -> int:
    if shutil.which(podman._podman()[0]) is None:
        print("error: podman is not installed", file=sys.stderr)
        print(f"hint: {_apt('podman runc conmon slirp4netns catatonit')}", file=sys.stderr)
        return 1
    try:
        _resolve()
        _image()
        _task()
    except Failed as exc:
        print(f"error: {exc}", file=sys.stderr)
        print(f"hint: {exc.hint}", file=sys.stderr)
        return 1
    except podman.PodmanError as exc:
        print(f"error: podman does not work here: {exc}", file=sys.stderr)
        print("hint: podman info shows what it lacks", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
