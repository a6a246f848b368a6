"""How a server started by another process (the engine, or the tests' moto launcher)
lives: it is ready once moto answers HTTP, and it goes when its harness does (the pipe
on its stdin reaches end of file)."""

from __future__ import annotations

import os
import stat
import sys
import threading
import time
import urllib.request

HOST = "127.0.0.1"


def wait_until_answering(port: int, timeout: float) -> None:
    """Poll the moto API until it answers HTTP (proxy settings are ignored)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    url = f"http://{HOST}:{port}/moto-api/data.json"
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            with opener.open(url, timeout=2) as response:
                if response.status == 200:
                    return
        except Exception as exc:  # noqa: BLE001 - retried until the deadline
            last = exc
        time.sleep(0.05)
    raise RuntimeError(f"moto server on {HOST}:{port} did not answer: {last!r}")


def stdin_is_watchable() -> bool:
    """A pipe, socket or terminal can signal end of file; /dev/null or a file cannot."""
    try:
        mode = os.fstat(sys.stdin.fileno()).st_mode
    except (OSError, ValueError, AttributeError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or sys.stdin.isatty()


def watch_stdin(stop: threading.Event) -> None:
    """Sets ``stop`` when stdin (the harness's pipe) reaches end of file."""
    def watch() -> None:
        try:
            while sys.stdin.buffer.read1(65536):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    threading.Thread(target=watch, name="stdin-watch", daemon=True).start()
