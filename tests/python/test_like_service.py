"""The like-service alone: start-up checks, and its answers when the monolith is
missing, slow, or real (the monolith served from a thread against moto)."""
import os
import socket
import subprocess
import sys

import pytest
from flask import Flask

from conftest import LIKE_DIR, MYSFITS, free_port, likes, load_app_module, serve_in_thread

COLE = next(m for m in MYSFITS if m["Name"] == "Cole")["MysfitId"]


@pytest.fixture(scope="module")
def like_app():
    return load_app_module(LIKE_DIR, "like_service_app")


def run_like_service(monolith_url):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if monolith_url is not None:
        env["MONOLITH_URL"] = monolith_url
    return subprocess.run([sys.executable, "app.py"], cwd=LIKE_DIR, env=env,
                          capture_output=True, text=True, timeout=30)


def test_missing_monolith_url_exits_with_message():
    proc = run_like_service(None)
    assert proc.returncode != 0
    assert "MONOLITH_URL is not set" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_monolith_url_with_scheme_is_refused():
    proc = run_like_service("http://example.internal")
    assert proc.returncode != 0
    assert "without scheme" in proc.stderr


def test_health(like_app):
    resp = like_app.create_app("127.0.0.1:1").test_client().get("/")
    assert resp.status_code == 200 and "healthy" in resp.get_json()["message"]


def test_monolith_unreachable_is_502(like_app, capsys):
    closed = f"127.0.0.1:{free_port()}"  # nothing listens there
    resp = like_app.create_app(closed, timeout=2).test_client().post(f"/mysfits/{COLE}/like")
    assert resp.status_code == 502
    error = resp.get_json()["error"]
    assert "monolith" in error and f"{closed}/mysfits/{COLE}/fulfill-like" in error
    # The processing happened; only the persistence failed.
    assert "Like processed." in capsys.readouterr().out


def test_monolith_timeout_is_504(like_app):
    # A socket that listens but never accepts: connect succeeds, no answer comes.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        url = f"127.0.0.1:{silent.getsockname()[1]}"
        resp = like_app.create_app(url, timeout=0.5).test_client().post(f"/mysfits/{COLE}/like")
    assert resp.status_code == 504
    assert "did not answer" in resp.get_json()["error"]


def test_like_goes_through_fulfill_like(like_app, monolith_in_thread, table):
    before = likes(table, COLE)
    resp = like_app.create_app(monolith_in_thread).test_client().post(f"/mysfits/{COLE}/like")
    assert resp.status_code == 200
    assert resp.get_json() == {"Update": "Success"}
    assert likes(table, COLE) == before + 1


def test_unknown_id_is_404_from_monolith(like_app, monolith_in_thread):
    client = like_app.create_app(monolith_in_thread).test_client()
    resp = client.post("/mysfits/no-such-mysfit/like")
    assert resp.status_code == 404
    assert "no-such-mysfit" in resp.get_json()["error"]


def test_monolith_without_fulfill_like_is_502_not_a_lost_like(like_app):
    # The workshop's monolith ships fulfill-like commented out: its 404 is about the
    # route, not the mysfit, and must not look like success or like "no such mysfit".
    old_monolith = Flask("no_fulfill_like")
    with serve_in_thread(old_monolith) as host:
        resp = like_app.create_app(host).test_client().post(f"/mysfits/{COLE}/like")
    assert resp.status_code == 502
    assert "no route POST /mysfits/<id>/fulfill-like" in resp.get_json()["error"]
