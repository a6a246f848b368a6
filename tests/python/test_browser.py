"""scripts/browser_check.py against a local stand-in of the lab: site/ with a config.js
served on 127.0.0.1, the monolith (Flask, on moto) as its API, in Debian's headless
Chromium. Fails, not skips, when Chromium is missing."""
import functools
import shutil
import subprocess
import sys
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import MONOLITH_DIR, ROOT, TABLE_NAME, free_port, likes, load_app_module, serve_in_thread

SCRIPT = ROOT / "scripts" / "browser_check.py"
MARK = "standin-monolith"
SHOTS = ["1-list.png", "2-filter.png", "3-profile.png", "4-liked.png"]


def with_mark(wsgi_app):
    """Marks every answer as the local load balancer does (x-mysfits-target-group)."""
    def app(environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, headers + [("x-mysfits-target-group", MARK)], exc_info)
        return wsgi_app(environ, start)
    return app


@pytest.fixture(scope="module")
def api(table):
    app = load_app_module(MONOLITH_DIR, "browser_monolith").create_app(TABLE_NAME)
    with serve_in_thread(with_mark(app.wsgi_app)) as host:
        yield f"http://{host}"


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_site(directory, api_url):
    """site/ plus the config.js `mysfits up` writes, as the bucket holds them."""
    shutil.copytree(ROOT / "site", directory)
    (directory / "config.js").write_text(
        f'window.MYSFITS_CONFIG = {{"apiUrl": "{api_url}"}};\n')
    server = ThreadingHTTPServer(("127.0.0.1", 0),
                                 functools.partial(Quiet, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture()
def site(tmp_path, api):
    server = serve_site(tmp_path / "site", api)
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def browser_check(site_url, mark, artifacts):
    return subprocess.run([sys.executable, str(SCRIPT), site_url, mark, str(artifacts)],
                          capture_output=True, text=True, timeout=180)


def test_chromium_is_installed():
    # The check is part of the suite: a machine without the browser fails here first.
    assert shutil.which("chromium") and shutil.which("chromedriver"), \
        "install Debian's chromium and chromium-driver: scripts/system-deps.sh"


def test_click_through_passes_and_likes_once(site, table, tmp_path):
    total_before = sum(likes(table, m["MysfitId"]) for m in table.scan()["Items"])
    proc = browser_check(site, MARK, tmp_path / "shots")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for line in ("ok  1 list: 12 mysfits", "ok  2 filter: Good/Evil: Good shows the 4",
                 "ok  4 like:", f"(served by {MARK})", "ok  5 console"):
        assert line in proc.stdout, proc.stdout
    for shot in SHOTS:
        assert (tmp_path / "shots" / shot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not (tmp_path / "shots" / "failed.png").exists()
    # Exactly one like was stored, in all the table.
    assert sum(likes(table, m["MysfitId"]) for m in table.scan()["Items"]) == total_before + 1


def test_wrong_target_group_fails_at_the_like(site, tmp_path):
    proc = browser_check(site, "mysfits-like-service", tmp_path / "shots")
    assert proc.returncode == 1
    assert ("step 4 like failed: the like was answered by target group standin-monolith, "
            "expected mysfits-like-service") in proc.stderr
    assert (tmp_path / "shots" / "failed.png").exists()


def test_unreachable_api_fails_at_the_list(tmp_path):
    server = serve_site(tmp_path / "site", f"http://127.0.0.1:{free_port()}")
    try:
        proc = browser_check(f"http://127.0.0.1:{server.server_port}/", "-", tmp_path / "shots")
    finally:
        server.shutdown()
    assert proc.returncode == 1
    assert "step 1 list failed" in proc.stderr and "no answer" in proc.stderr, proc.stderr


def test_refuses_a_site_that_is_not_loopback(tmp_path):
    proc = browser_check("http://example.com/", "-", tmp_path / "shots")
    assert proc.returncode != 0 and "not a loopback URL" in proc.stderr
