"""The workshop's API contract (fixtures/workshop_api/), route by route, against both
apps: the monolith through Flask's test client, the like-service through its own with
the monolith behind it over HTTP, all on DynamoDB in moto."""
import json
from urllib.parse import parse_qs, urlsplit

import pytest

from conftest import LIKE_DIR, MONOLITH_DIR, MYSFITS, ROOT, TABLE_NAME, load_app_module

FIXTURES = ROOT / "tests" / "python" / "fixtures" / "workshop_api"
MYSFIT = json.loads((FIXTURES / "mysfit.json").read_text())
ROUTES = {p.stem: json.loads(p.read_text()) for p in sorted(FIXTURES.glob("*.json"))
          if p.name != "mysfit.json"}
TYPES = {"string": str, "integer": int, "boolean": bool}
GARY = next(m for m in MYSFITS if m["Name"] == "Gary")["MysfitId"]


def shape_errors(value, shape, where="body"):
    """Where `value` differs from `shape` (fixtures/workshop_api/README.md), as text."""
    if shape == "#mysfit":
        shape = MYSFIT
    if isinstance(shape, str):
        # bool is an int in Python; JSON keeps them apart, and so does this check.
        ok = isinstance(value, TYPES[shape]) and (shape == "boolean" or type(value) is not bool)
        return [] if ok else [f"{where}: expected {shape}, got {json.dumps(value)[:80]}"]
    if isinstance(shape, list):
        if not isinstance(value, list):
            return [f"{where}: expected an array, got {json.dumps(value)[:80]}"]
        if not value:
            return [f"{where}: empty array, so nothing in it was checked"]
        return [e for i, v in enumerate(value) for e in shape_errors(v, shape[0], f"{where}[{i}]")]
    if not isinstance(value, dict):
        return [f"{where}: expected an object, got {json.dumps(value)[:80]}"]
    errors = [f"{where}: missing key {k!r}" for k in shape if k not in value]
    errors += [f"{where}: extra key {k!r}" for k in value if k not in shape]
    return errors + [e for k in shape if k in value
                     for e in shape_errors(value[k], shape[k], f"{where}.{k}")]


def test_shape_check_catches_what_it_should():
    good = {k: {"string": "x", "integer": 1, "boolean": True}[t] for k, t in MYSFIT.items()}
    assert shape_errors({"mysfits": [good]}, {"mysfits": ["#mysfit"]}) == []
    assert shape_errors({**good, "likes": 3}, "#mysfit") == ["body.likes: expected string, got 3"]
    assert shape_errors({**good, "age": True}, "#mysfit") == ["body.age: expected integer, got true"]
    pascal = {k[0].upper() + k[1:]: v for k, v in good.items()}
    assert "body: missing key 'mysfitId'" in shape_errors(pascal, "#mysfit")
    assert shape_errors({"mysfits": []}, {"mysfits": ["#mysfit"]}) != []


@pytest.fixture(scope="module")
def monolith(table):
    return load_app_module(MONOLITH_DIR, "contract_monolith").create_app(TABLE_NAME).test_client()


@pytest.fixture(scope="module")
def like_service(monolith_in_thread):
    app = load_app_module(LIKE_DIR, "contract_like_service").create_app(monolith_in_thread)
    return app.test_client()


CASES = [(name, app) for name, route in ROUTES.items() for app in route["served_by"]]


def test_every_route_of_the_lab_has_a_fixture():
    requests = {ROUTES[n]["request"].split("?")[0] for n in ROUTES}
    assert requests == {"GET /", "GET /mysfits", "GET /mysfits/{id}",
                        "POST /mysfits/{id}/like", "POST /mysfits/{id}/adopt",
                        "POST /mysfits/{id}/fulfill-like"}


@pytest.mark.parametrize("name,app", CASES, ids=[f"{a}:{n}" for n, a in CASES])
def test_route_answers_as_the_workshop(name, app, request):
    route = ROUTES[name]
    client = request.getfixturevalue(app.replace("-", "_"))
    method, target = route["request"].split(" ", 1)
    target = target.replace("{id}", GARY)
    resp = getattr(client, method.lower())(target)

    assert resp.status_code == route["status"], resp.get_data(as_text=True)
    assert resp.headers["Content-Type"] == "application/json"
    # The page is served from the bucket's origin, so every answer must allow it.
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    body = resp.get_json()
    assert shape_errors(body, route["shape"]) == []
    if "equals" in route:
        assert body == route["equals"]
    if name.startswith("filter_"):
        # The filter really filtered: the fixture's value, and only it.
        query = parse_qs(urlsplit(target).query)
        key, value = query["filter"][0].lower(), query["value"][0]
        assert {m[key] for m in body["mysfits"]} == {value}
    if name == "list":
        assert len(body["mysfits"]) == 12
    if "mysfits" in body or "likes" in body:
        for m in body.get("mysfits", [body]):
            assert m["likes"].isdigit(), m["likes"]
