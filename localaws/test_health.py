"""The health checker against real HTTP servers on 127.0.0.1 (no moto needed)."""

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace

from localaws.health import Health, matches


def test_matcher_syntax():
    assert matches(200, "200")
    assert matches(302, "200,302")
    assert matches(399, "200-399") and not matches(400, "200-399")
    assert not matches(500, "200-299")


def serve(status: int) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def group(arn: str, delay: int = 1) -> SimpleNamespace:
    return SimpleNamespace(
        arn=arn, health_check_path="/", health_check_timeout_seconds=1,
        health_check_interval_seconds=0.2, healthy_threshold_count="2",
        unhealthy_threshold_count="2", matcher={"HttpCode": "200-299"},
        attributes={"deregistration_delay.timeout_seconds": delay},
        register=lambda targets: None, deregister=lambda targets: None)


def wait_for(health: Health, arn: str, state: str, seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if [e[2] for e in health.endpoints(arn)] == [state]:
            return True
        time.sleep(0.05)
    return False


def test_initial_then_healthy_or_unhealthy_then_draining_then_gone():
    good, bad = serve(200), serve(500)
    groups = {"tg/good": group("tg/good"), "tg/bad": group("tg/bad")}
    health = Health(lambda account, region: None)
    health._group = lambda arn: groups.get(arn)  # no moto: groups come from the dict
    health.start()
    try:
        health.register(groups["tg/good"], "10.0.0.1", 80, good.server_address[1])
        health.register(groups["tg/bad"], "10.0.0.2", 80, bad.server_address[1])
        assert health.endpoints("tg/good")[0][2] == "initial"
        assert wait_for(health, "tg/good", "healthy")
        assert wait_for(health, "tg/bad", "unhealthy")
        health.deregister(groups["tg/good"], "10.0.0.1", 80)
        assert health.endpoints("tg/good")[0][2] == "draining"
        assert wait_for(health, "tg/good", "draining", 0.1)
        deadline = time.monotonic() + 3
        while health.endpoints("tg/good") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert health.endpoints("tg/good") == []  # gone after the deregistration delay
    finally:
        health.stop()
        good.shutdown()
        bad.shutdown()
