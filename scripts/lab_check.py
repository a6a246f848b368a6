#!/usr/bin/env python3
"""Real requests through the lab's load balancer, for scripts/lab-local.sh.

    lab_check.py list URL                 GET /mysfits: exactly 12 mysfits, fetched with
                                          urllib as it is (any client resolves the URL)
    lab_check.py like URL ID GROUP        POST /mysfits/ID/like answered by target group
                                          GROUP, and the mysfit's likes went up by one

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
    else:
        sys.exit(f"lab_check: unknown check {what}")


if __name__ == "__main__":
    main()
