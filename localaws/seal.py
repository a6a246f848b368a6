"""The seal on a task's network: a task reaches the engine and nothing else.

A task runs under slirp4netns, which would carry any connection out to the Internet.
Before the task's first instruction runs, an OCI prestart hook (run by runc, in the
host's namespaces, with the container's pid on stdin) loads these netfilter rules into
the container's own network namespace:

- loopback, and ``10.0.2.2`` (slirp4netns's name for the host's 127.0.0.1, where the
  engine's AWS endpoint, registry and load balancers listen) are let through;
- every other TCP connection is refused at once with a reset (``Connection refused``),
  every other packet (UDP, so DNS to any server, ICMP) is rejected, so ``sendto`` fails
  at once (``Operation not permitted``); IPv6 likewise, loopback aside;
- with an HTTPS port, ``10.0.2.2:443`` is sent to the engine's TLS front for the
  standard AWS host names (``aws_names.py``), so an SDK that ignores
  ``AWS_ENDPOINT_URL`` reaches the engine too.

Nothing the task sends to another address leaves its namespace: the reject rule drops
it there and counts it (``refused``). The container cannot undo the rules: podman gives
it no CAP_NET_ADMIN. The hook fails closed: if the rules cannot be loaded, runc does
not start the container.

Standard library only: the hook runs as ``python3 seal.py HTTPS_PORT`` (no package),
and the engine check imports it before the venv exists.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable

# The host's loopback as a slirp4netns task sees it (podman.HOST_LOOPBACK).
ENGINE = "10.0.2.2"
# Set by the engine on the container that owns a task's network namespace; the hook
# runs only there (the task's other containers join that namespace).
ANNOTATION = "io.mysfits.seal"
# runc starts hooks with an empty environment.
_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def rules_v4(https_port: int) -> str:
    nat = ""
    if https_port:
        nat = ("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
               ":POSTROUTING ACCEPT [0:0]\n"
               f"-A OUTPUT -d {ENGINE}/32 -p tcp --dport 443 "
               f"-j DNAT --to-destination {ENGINE}:{https_port}\n"
               "COMMIT\n")
    return nat + (
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n"
        "-A OUTPUT -o lo -j ACCEPT\n"
        f"-A OUTPUT -d {ENGINE}/32 -j ACCEPT\n"
        "-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset\n"
        "-A OUTPUT -j REJECT --reject-with icmp-admin-prohibited\n"
        "COMMIT\n")


# The kernel's own link-local ICMPv6 (router and neighbour solicitations, MLD) goes only
# to slirp4netns, which forwards none of it; let through, it is neither refused nor
# counted.
RULES_V6 = (
    "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT DROP [0:0]\n"
    "-A OUTPUT -o lo -j ACCEPT\n"
    "-A OUTPUT -d ff02::/16 -p ipv6-icmp -j ACCEPT\n"
    "-A OUTPUT -d fe80::/10 -p ipv6-icmp -j ACCEPT\n"
    "-A OUTPUT -p tcp -j REJECT --reject-with tcp-reset\n"
    "-A OUTPUT -j REJECT --reject-with icmp6-adm-prohibited\n"
    "COMMIT\n")


class SealError(RuntimeError):
    pass


def _tool(name: str) -> str:
    found = shutil.which(name, path=_PATH)
    if found is None:
        raise SealError(f"{name} not found: the task network cannot be sealed "
                        "(apt-get install iptables)")
    return found


def _in_netns(pid: int, argv: list[str], stdin: str | None = None) -> str:
    done = subprocess.run([_tool("nsenter"), "--target", str(pid), "--net", *argv],
                          input=stdin, capture_output=True, text=True, timeout=30,
                          env={"PATH": _PATH})
    if done.returncode != 0:
        raise SealError(f"{os.path.basename(argv[0])} in the task's network namespace: "
                        f"{(done.stderr or done.stdout).strip()}")
    return done.stdout


def _has_ipv6() -> bool:
    return os.path.exists("/proc/net/if_inet6")


def seal(pid: int, https_port: int = 0) -> None:
    """Load the rules into the network namespace of process ``pid``."""
    _in_netns(pid, [_tool("iptables-restore")], rules_v4(https_port))
    if _has_ipv6():
        _in_netns(pid, [_tool("ip6tables-restore")], RULES_V6)


def loaded(pid: int) -> bool:
    """Whether the namespace of ``pid`` holds the seal (its OUTPUT policy is DROP)."""
    out = _in_netns(pid, [_tool("iptables"), "-S", "OUTPUT"])
    return "-P OUTPUT DROP" in out.splitlines()


def refused(pid: int) -> int:
    """Packets the seal has refused so far in the namespace of ``pid`` (both families)."""
    total = 0
    tools = ["iptables"] + (["ip6tables"] if _has_ipv6() else [])
    for tool in tools:
        out = _in_netns(pid, [_tool(tool), "-L", "OUTPUT", "-v", "-x", "-n"])
        for line in out.splitlines():
            words = line.split()
            if len(words) > 2 and words[2] == "REJECT":
                total += int(words[0])
    return total


# How often a running task's refusals are read for its log (one iptables call per family).
WATCH_S = 3.0


def notice(count: int, total: int) -> str:
    return (f"[localaws] the task network refused {count} packet(s) to addresses other than "
            f"the engine ({total} so far): a task reaches only the engine at {ENGINE} (its "
            "AWS endpoint, AWS's own host names over HTTPS, the load balancers); see "
            "docs/local-engine.md")


def watch(pid: int, say: Callable[[str], None], done: threading.Event,
          every: float | None = None) -> threading.Thread:
    """Tells the task's log (``say``) whenever the seal has refused more packets, until
    ``done`` is set or the namespace is gone."""

    def run() -> None:
        seen = 0
        while not done.wait(every or WATCH_S):
            try:
                total = refused(pid)
            except (SealError, OSError, subprocess.TimeoutExpired):
                return  # the task has stopped
            if total > seen:
                say(notice(total - seen, total))
            seen = total

    thread = threading.Thread(target=run, name=f"seal-{pid}", daemon=True)
    thread.start()
    return thread


def hooks_dir(https_port: int) -> str:
    """A podman ``--hooks-dir`` holding only the seal hook (written once per content)."""
    config = {
        "version": "1.0.0",
        "hook": {"path": sys.executable,
                 "args": [sys.executable, "-I", os.path.abspath(__file__), str(https_port)],
                 "env": [f"PATH={_PATH}"], "timeout": 30},
        "when": {"annotations": {f"^{ANNOTATION.replace('.', '[.]')}$": "^1$"}},
        "stages": ["prestart"],
    }
    text = json.dumps(config, indent=1)
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = os.path.join(tempfile.gettempdir(), f"mysfits-seal-{os.getuid()}", digest)
    target = os.path.join(path, "seal.json")
    if not os.path.exists(target):
        os.makedirs(path, exist_ok=True)
        partial = f"{target}.{os.getpid()}"
        with open(partial, "w") as out:
            out.write(text)
        os.replace(partial, target)
    return path


def _hook(argv: list[str]) -> int:
    """The prestart hook: ``seal.py HTTPS_PORT`` with the OCI state on stdin."""
    try:
        state = json.load(sys.stdin)
        seal(int(state["pid"]), int(argv[1]) if len(argv) > 1 else 0)
    except (SealError, ValueError, KeyError, OSError, subprocess.TimeoutExpired) as exc:
        print(f"mysfits seal: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_hook(sys.argv))
