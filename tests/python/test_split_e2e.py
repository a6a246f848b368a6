"""The lab's split, for real: monolith and like-service as separate processes.

Before the split a like goes to the monolith, which processes and persists it.
After it, a like goes to the like-service, which processes it and has the
monolith persist it through /fulfill-like, as the ALB rule /mysfits/*/like would.
"""
import time

import pytest
import requests

from conftest import LIKE_DIR, MONOLITH_DIR, MYSFITS, TABLE_NAME, Service, likes

GARY = next(m for m in MYSFITS if m["Name"] == "Gary")["MysfitId"]


@pytest.fixture(scope="module")
def services(table, tmp_path_factory):
    logs = tmp_path_factory.mktemp("logs")
    started = []
    try:
        # AWS_* (moto endpoint, dummy keys) reach the children through os.environ.
        monolith = Service(MONOLITH_DIR, {"DDB_TABLE_NAME": TABLE_NAME},
                           logs / "monolith.log")
        started.append(monolith)
        monolith.wait_ready()
        like = Service(LIKE_DIR, {"MONOLITH_URL": f"127.0.0.1:{monolith.port}"},
                       logs / "like.log")
        started.append(like)
        like.wait_ready()
        yield monolith, like
    finally:
        for service in started:
            service.stop()


def wait_for_log(service, text, timeout=5):
    # A child writes its log line around the time it answers; allow it a moment.
    deadline = time.monotonic() + timeout
    while text not in service.log() and time.monotonic() < deadline:
        time.sleep(0.05)
    return service.log()


def test_split(services, table):
    monolith, like = services

    # Before the split: the monolith does the whole like.
    before = likes(table, GARY)
    resp = requests.post(f"{monolith.url}/mysfits/{GARY}/like", timeout=10)
    assert resp.status_code == 200
    assert likes(table, GARY) == before + 1
    assert wait_for_log(monolith, "Like processed.").count("Like processed.") == 1

    # After the split: the like-service processes, the monolith only persists.
    before = likes(table, GARY)
    resp = requests.post(f"{like.url}/mysfits/{GARY}/like", timeout=10)
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"Update": "Success"}
    assert likes(table, GARY) == before + 1

    assert "Like processed." in wait_for_log(like, "Like processed.")
    monolith_log = wait_for_log(monolith, f"POST /mysfits/{GARY}/fulfill-like")
    assert f"POST /mysfits/{GARY}/fulfill-like" in monolith_log
    # Still the single line from before the split: fulfill-like did no processing.
    assert monolith_log.count("Like processed.") == 1


def test_split_unknown_id_is_404(services, table):
    _, like = services
    resp = requests.post(f"{like.url}/mysfits/not-a-mysfit/like", timeout=10)
    assert resp.status_code == 404
    assert "not-a-mysfit" in resp.json()["error"]
    assert "Item" not in table.get_item(Key={"MysfitId": "not-a-mysfit"})
