"""The monolith's routes, through Flask's test client, against DynamoDB on moto."""
import subprocess
import sys
from collections import Counter

import pytest

from conftest import MONOLITH_DIR, MYSFITS, ROOT, TABLE_NAME, likes, load_app_module

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
        # Relative to the lab's page, which serves them: the page fetches nothing else.
        for uri in (m["ThumbImageUri"], m["ProfileImageUri"]):
            assert uri.startswith("images/") and uri.endswith(".svg"), uri
            assert (ROOT / "site" / uri).is_file(), f"site/{uri} is missing"


def test_health_check(client):
    resp = client.get("/")
    assert resp.status_code == 200
    assert "healthy" in resp.get_json()["message"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_list_all(client):
    resp = client.get("/mysfits")
    assert resp.status_code == 200
    got = resp.get_json()["mysfits"]
    assert sorted(m["mysfitId"] for m in got) == sorted(m["MysfitId"] for m in MYSFITS)
    # The workshop's types: age a number, adopted a boolean, likes a string of digits.
    hasla = next(m for m in got if m["name"] == "Hasla")
    assert hasla["age"] == 2000000000 and hasla["adopted"] is False
    assert hasla["likes"] == "0"
    assert hasla["thumbImageUri"] == "images/haetae.svg"


@pytest.mark.parametrize("attribute", ["GoodEvil", "LawChaos"])
def test_filter_queries_each_index(client, attribute):
    expected = Counter(m[attribute] for m in MYSFITS)
    for value, count in expected.items():
        resp = client.get(f"/mysfits?filter={attribute}&value={value}")
        assert resp.status_code == 200
        got = resp.get_json()["mysfits"]
        assert len(got) == count
        assert {m[attribute.lower()] for m in got} == {value}


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
    assert body["name"] == "Evangeline" and body["species"] == "Chimera"
    assert body["description"] == EVANGELINE["Description"]
    assert body["profileImageUri"] == EVANGELINE["ProfileImageUri"]


@pytest.mark.parametrize("method,path", [
    ("get", ""), ("post", "/like"), ("post", "/adopt"), ("post", "/fulfill-like")])
def test_unknown_id_is_404_json(client, table, method, path):
    resp = getattr(client, method)(f"/mysfits/{UNKNOWN}{path}")
    assert resp.status_code == 404
    assert UNKNOWN in resp.get_json()["error"]
    assert resp.get_json()["mysfitId"] == UNKNOWN
    # The conditional update must not have created a stray item.
    assert "Item" not in table.get_item(Key={"MysfitId": UNKNOWN})


def test_like_logs_and_adds_one(client, table, capsys):
    mid = EVANGELINE["MysfitId"]
    before = likes(table, mid)
    resp = client.post(f"/mysfits/{mid}/like")
    assert resp.status_code == 200
    assert resp.get_json() == {"Update": "Success"}
    assert likes(table, mid) == before + 1
    assert client.get(f"/mysfits/{mid}").get_json()["likes"] == str(before + 1)
    assert capsys.readouterr().out.splitlines().count("Like processed.") == 1


def test_fulfill_like_adds_one_without_processing(client, table, capsys):
    mid = EVANGELINE["MysfitId"]
    before = likes(table, mid)
    resp = client.post(f"/mysfits/{mid}/fulfill-like")
    assert resp.status_code == 200 and resp.get_json() == {"Update": "Success"}
    assert likes(table, mid) == before + 1
    assert "Like processed." not in capsys.readouterr().out


def test_adopt(client, table):
    pauly = next(m for m in MYSFITS if m["Name"] == "Pauly")["MysfitId"]
    resp = client.post(f"/mysfits/{pauly}/adopt")
    assert resp.status_code == 200 and resp.get_json() == {"Update": "Success"}
    assert table.get_item(Key={"MysfitId": pauly})["Item"]["Adopted"] is True
    assert client.get(f"/mysfits/{pauly}").get_json()["adopted"] is True


def test_an_item_without_optional_attributes_keeps_every_key(client, table):
    # A mysfit added by hand with only the keys the indexes need still answers in shape.
    table.put_item(Item={"MysfitId": "bare", "Name": "Bare", "GoodEvil": "Good",
                         "LawChaos": "Lawful"})
    try:
        body = client.get("/mysfits/bare").get_json()
    finally:
        table.delete_item(Key={"MysfitId": "bare"})
    assert body["likes"] == "0" and body["age"] == 0 and body["adopted"] is False
    assert body["description"] == "" and body["name"] == "Bare"


def test_a_failure_is_a_json_500(table):
    app = load_app_module(MONOLITH_DIR, "monolith_no_table").create_app("no-such-table")
    resp = app.test_client().get("/mysfits")
    assert resp.status_code == 500
    assert "ResourceNotFoundException" in resp.get_json()["error"]
    assert resp.headers["Access-Control-Allow-Origin"] == "*"


def test_wrong_method_is_json(client):
    resp = client.get(f"/mysfits/{EVANGELINE['MysfitId']}/like")
    assert resp.status_code == 405 and "error" in resp.get_json()


def test_missing_table_name_exits_with_message():
    env = {"PATH": "/usr/bin:/bin"}  # no DDB_TABLE_NAME
    proc = subprocess.run([sys.executable, "app.py"], cwd=MONOLITH_DIR, env=env,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "DDB_TABLE_NAME is not set" in proc.stderr
