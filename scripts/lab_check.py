#!/usr/bin/env python3
"""Real requests through the lab's load balancer, for scripts/lab-local.sh.

    lab_check.py list URL                 GET /mysfits: exactly 12 mysfits, fetched with
                                          urllib as it is (any client resolves the URL)
    lab_check.py like URL ID GROUP        POST /mysfits/ID/like answered by target group
                                          GROUP, and the mysfit's likes went up by one
    lab_check.py api URL ID               the API in front: GET /mysfits passes (12), POST
                                          /mysfits/ID/like and /adopt without a token: 401
    lab_check.py clicks FILE ID...        FILE is `mysfits clicks --output json`: a record
                                          of each ID, enriched; exit 2 if one is not there yet
    lab_check.py leftovers LAB            no user pool, API, VPC link or delivery stream of
                                          the lab is left (boto3, AWS_ENDPOINT_URL)

Prints what it saw; exits 1 when the lab does not answer as it should. The URL is the
stack's AlbUrl (a *.localhost name: loopback, RFC 6761), so it connects to 127.0.0.1.
"""

import http.client
import json
import socket
import sys
import urllib.error
import urllib.parse
import urllib.request


def request(url: str, method: str, path: str) -> tuple[int, dict, object]:
    parts = urllib.parse.urlsplit(url)
    if not parts.hostname or not (parts.hostname == "localhost" or parts.hostname.endswith(".localhost")
                                  or parts.hostname == "127.0.0.1"):
        sys.exit(f"lab_check: {url} is not a loopback URL; this check only talks to 127.0.0.1")
    conn = http.client.HTTPConnection("127.0.0.1", parts.port or 80, timeout=30)
    conn.request(method, path, headers={"Host": parts.netloc, "Content-Length": "0"})
    response = conn.getresponse()
    body = response.read()
    try:
        data = json.loads(body)
    except ValueError:
        data = body.decode(errors="replace")
    return response.status, {k.lower(): v for k, v in response.getheaders()}, data


def urlopen(url: str) -> tuple[int, object]:
    """The URL exactly as `mysfits status` prints it, through Python's standard library:
    the name must resolve here (libnss-myhostname), and only to loopback."""
    host = urllib.parse.urlsplit(url).hostname or ""
    try:
        addresses = {a[4][0] for a in socket.getaddrinfo(host, None)}
    except socket.gaierror as exc:
        fail(f"{host} does not resolve on this machine ({exc.strerror}); "
             "scripts/system-deps.sh installs libnss-myhostname")
    if not addresses <= {"127.0.0.1", "::1"}:
        sys.exit(f"lab_check: {host} resolves to {sorted(addresses)}; this check only talks to loopback")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=30) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode(errors="replace")


def likes(item: dict) -> int:
    return int(item.get("likes", item.get("Likes", 0)))


def fail(message: str) -> None:
    print(f"   FAILED: {message}")
    sys.exit(1)


def main() -> None:
    what, url = sys.argv[1], sys.argv[2].rstrip("/")
    if what == "list":
        status, data = urlopen(f"{url}/mysfits")
        mysfits = data.get("mysfits") if isinstance(data, dict) else None
        print(f"   GET {url}/mysfits -> {status}, {len(mysfits or [])} mysfits")
        if status != 200 or not isinstance(mysfits, list) or len(mysfits) != 12:
            fail(f"expected 200 with 12 mysfits, got {status}: {str(data)[:200]}")
        first = mysfits[0]
        print(f"   first: {first.get('name', first.get('Name'))} "
              f"({first.get('mysfitId', first.get('MysfitId'))})")
    elif what == "like":
        mysfit, group = sys.argv[3], sys.argv[4]
        _, _, before = request(url, "GET", f"/mysfits/{mysfit}")
        status, headers, _ = request(url, "POST", f"/mysfits/{mysfit}/like")
        served = headers.get("x-mysfits-target-group", "?")
        _, _, after = request(url, "GET", f"/mysfits/{mysfit}")
        print(f"   POST {url}/mysfits/{mysfit}/like -> {status}, served by target group "
              f"{served}; likes {likes(before)} -> {likes(after)}")
        if status != 200:
            fail(f"the like answered {status}")
        if served != group:
            fail(f"expected target group {group}, got {served}")
        if likes(after) != likes(before) + 1:
            fail("the like count did not go up by exactly one")
    elif what == "api":
        mysfit = sys.argv[3]
        status, data = urlopen(f"{url}/mysfits")
        mysfits = data.get("mysfits") if isinstance(data, dict) else None
        print(f"   GET {url}/mysfits -> {status}, {len(mysfits or [])} mysfits (no token needed)")
        if status != 200 or not isinstance(mysfits, list) or len(mysfits) != 12:
            fail(f"expected 200 with 12 mysfits through the API, got {status}: {str(data)[:200]}")
        for action in ("like", "adopt"):
            status, _, data = request(url, "POST", f"/mysfits/{mysfit}/{action}")
            print(f"   POST {url}/mysfits/{mysfit}/{action} without a token -> {status} {data}")
            if status != 401 or data != {"message": "Unauthorized"}:
                fail(f"expected 401 {{'message': 'Unauthorized'}}, got {status} {data}")
    elif what == "clicks":
        with open(sys.argv[2]) as f:
            report = json.load(f)
        wanted = sys.argv[3:]
        seen = {c["mysfitId"]: c for c in report.get("latest", [])}
        missing = [m for m in wanted if m not in seen]
        if missing:
            print(f"   {report.get('records')} record(s) so far; waiting for {len(missing)}")
            sys.exit(2)
        from datetime import datetime

        def when(text: str) -> datetime:
            return datetime.fromisoformat(text.replace("Z", "+00:00"))

        for m in wanted:
            c = seen[m]
            if not all(c.get(k) for k in ("name", "species", "goodevil", "lawchaos")):
                fail(f"the record of {m} is not enriched: {c}")
            # S3's last-modified time has whole seconds: the latency is to within one.
            latency = (when(c["deliveredAt"]) - when(c["clickedAt"])).total_seconds()
            print(f"   click {m}: {c['name']}, {c['species']}, {c['goodevil']}, {c['lawchaos']};"
                  f" clicked {c['clickedAt']}, in the bucket {c['deliveredAt']} ({latency:+.1f} s)")
    elif what == "leftovers":
        leftovers(sys.argv[2])
    else:
        sys.exit(f"lab_check: unknown check {what}")


def leftovers(lab: str) -> None:
    """What cleanup's own sweep reads through the tagging index, asked of each service
    by name too: the engine's index does not cover Cognito or API Gateway."""
    import os

    import boto3

    # The variables the tool reads: AWS_ENDPOINT_URL, AWS_REGION (which boto3 leaves to
    # AWS_DEFAULT_REGION), the keys.
    session = boto3.Session(region_name=os.environ.get("AWS_REGION"))
    left = []
    idp = session.client("cognito-idp")
    left += [f"user pool {p['Id']}" for p in idp.list_user_pools(MaxResults=60)["UserPools"]
             if p["Name"] == f"{lab}-users"]
    apigw = session.client("apigatewayv2")
    left += [f"API {a['ApiId']}" for a in apigw.get_apis()["Items"] if a["Name"] == f"{lab}-api"]
    left += [f"VPC link {v['VpcLinkId']}" for v in apigw.get_vpc_links()["Items"]
             if v["Name"] == f"{lab}-link"]
    streams = session.client("firehose").list_delivery_streams()["DeliveryStreamNames"]
    left += [f"delivery stream {s}" for s in streams if s == f"{lab}-clicks"]
    if left:
        fail(f"still present after cleanup: {', '.join(left)}")
    print(f"   no user pool, API, VPC link or delivery stream of lab {lab} is left")


if __name__ == "__main__":
    main()
