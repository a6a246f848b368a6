"""The monolith's routes, through Flask's test client, against DynamoDB on moto."""
import subprocess
import sys
from collections import Counter

import pytest

from conftest import MONOLITH_DIR, MYSFITS, TABLE_NAME, likes, load_app_module

EVANGELINE = next(m for m in MYSFITS if m["Name"] == "Evangeline")
UNKNOWN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def client(table):
    app = load_app_module(MONOLITH_DIR, "monolith_app").create_app(TABLE_NAME)
    return app.test_client()


def test_data_file_has_twelve_well_formed_mysfits():
    assert len(MYSFITS) == 12
    assert len({m["MysfitId"] for m in MYSFITS}) == 12
    keys = {"MysfitId", "Name", "Species", "Description", "Age", "GoodEvil", "LawChaos",
            "ThumbImageUri", "ProfileImageUri", "Likes", "Adopted"}
    for m in MYSFITS:
        assert set(m) == keys
        assert m["GoodEvil"] in {"Good", "Neutral", "Evil"}
        assert m["LawChaos"] in {"Lawful", "Neutral", "Chaotic"}
        assert type(m["Age"]) is int and m["Likes"] == 0 and m["Adopted"] is False
        assert m["ThumbImageUri"].startswith("https://")
        assert m["ProfileImageUri"].startswith("https://")


def test_health_check(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert "healthy" in resp.get_json()["message"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_list_all(client):
    resp = client.get("/mysfits")
    assert resp.status_code == 200
    got = resp.get_json()["mysfits"]
    assert sorted(m["MysfitId"] for m in got) == sorted(m["MysfitId"] for m in MYSFITS)
    # Numbers come back as JSON numbers, booleans as booleans.
    hasla = next(m for m in got if m["Name"] == "Hasla")
    assert hasla["Age"] == 2000000000 and hasla["Adopted"] is False


@pytest.mark.parametrize("attribute", ["GoodEvil", "LawChaos"])
def test_filter_queries_each_index(client, attribute):
    expected = Counter(m[attribute] for m in MYSFITS)
    for value, count in expected.items():
        resp = client.get(f"/mysfits?filter={attribute}&value={value}")
        assert resp.status_code == 200
        got = resp.get_json()["mysfits"]
        assert len(got) == count
        assert {m[attribute] for m in got} == {value}


def test_filter_on_a_value_nobody_has_is_empty(client):
    resp = client.get("/mysfits?filter=GoodEvil&value=Chaotic")
    assert resp.status_code == 200 and resp.get_json() == {"mysfits": []}


@pytest.mark.parametrize("query", ["filter=Species&value=Troll", "filter=GoodEvil"])
def test_bad_filter_is_400_json(client, query):
    resp = client.get(f"/mysfits?{query}")
    assert resp.status_code == 400
    assert "error" in resp.get_json()


def test_get_one(client):
    resp = client.get(f"/mysfits/{EVANGELINE['MysfitId']}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["Name"] == "Evangeline" and body["Species"] == "Chimera"


@pytest.mark.parametrize("method,path", [
    ("get", ""), ("post", "/like"), ("post", "/adopt"), ("post", "/fulfill-like")])
def test_unknown_id_is_404_json(client, table, method, path):
    resp = getattr(client, method)(f"/mysfits/{UNKNOWN}{path}")
    assert resp.status_code == 404
    assert UNKNOWN in resp.get_json()["error"]
    # The conditional update must not have created a stray item.
    assert "Item" not in table.get_item(Key={"MysfitId": UNKNOWN})


def test_like_logs_and_adds_one(client, table, capsys):
    mid = EVANGELINE["MysfitId"]
    before = likes(table, mid)
    resp = client.post(f"/mysfits/{mid}/like")
    assert resp.status_code == 200
    assert resp.get_json()["Likes"] == before + 1
    assert likes(table, mid) == before + 1
    assert capsys.readouterr().out.splitlines().count("Like processed.") == 1


def test_fulfill_like_adds_one_without_processing(client, table, capsys):
    mid = EVANGELINE["MysfitId"]
    before = likes(table, mid)
    resp = client.post(f"/mysfits/{mid}/fulfill-like")
    assert resp.status_code == 200
    assert likes(table, mid) == before + 1
    assert "Like processed." not in capsys.readouterr().out


def test_adopt(client, table):
    pauly = next(m for m in MYSFITS if m["Name"] == "Pauly")["MysfitId"]
    resp = client.post(f"/mysfits/{pauly}/adopt")
    assert resp.status_code == 200 and resp.get_json()["Adopted"] is True
    assert table.get_item(Key={"MysfitId": pauly})["Item"]["Adopted"] is True
    assert client.get(f"/mysfits/{pauly}").get_json()["Adopted"] is True


def test_wrong_method_is_json(client):
    resp = client.get(f"/mysfits/{EVANGELINE['MysfitId']}/like")
    assert resp.status_code == 405 and "error" in resp.get_json()


def test_missing_table_name_exits_with_message():
    env = {"PATH": "/usr/bin:/bin"}  # no DDB_TABLE_NAME
    proc = subprocess.run([sys.executable, "app.py"], cwd=MONOLITH_DIR, env=env,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "DDB_TABLE_NAME is not set" in proc.stderr
