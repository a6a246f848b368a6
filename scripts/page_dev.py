#!/usr/bin/env python3
"""The lab's page with sign-in, on the local engine, without building `mysfits`: for
working on site/ and for the browser check of the sign-in flow.

    page_dev.py                 serve it; prints the URLs; Ctrl-C (or stdin closing) stops it
                                (site/ is published once, at start: restart it to see edits)
    page_dev.py --check DIR     serve it, run scripts/browser_check.py --sign-in against it
                                (screenshots into DIR), check the clicks it sent, stop

What runs, all on 127.0.0.1:

- the engine (``python -m localaws``), its log (stderr, where the confirmation codes go)
  in a file;
- one CloudFormation stack on it, shaped as the lab's: the Mysfits table, the website
  bucket, a Cognito user pool (e-mail as user name, the lab's password policy, e-mail
  verified by code) and its public client, an HTTP API with CORS for the website's
  origin, a JWT authorizer on the pool, ``GET /{proxy+}`` and ``POST /clicks`` open,
  ``POST /mysfits/{id}/like`` and ``/adopt`` behind the authorizer;
- the monolith (``examples/monolith-service/app.py``) on the engine's DynamoDB, and a
  stand-in for the clicks backend that keeps each ``POST /clicks`` body.

The lab puts its load balancer between the API and the monolith (a VPC link). The
engine's load balancer forwards only to targets it runs itself (ECS tasks), not to a
process registered by hand, so here the API's integrations go straight to the two
loopback servers (``HTTP_PROXY`` to a URL); routes, authorizer and CORS are the engine's
as in the lab. config.js is written as `mysfits up` writes it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import mimetypes
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
REGION = "us-east-1"
TABLE = "mysfits-page-dev"
MONOLITH = ROOT / "examples" / "monolith-service"
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never a proxy


class Clicks(ThreadingHTTPServer):
    """POST /clicks: keeps the JSON body, answers 200."""

    daemon_threads = True

    def __init__(self) -> None:
        self.bodies: list[dict] = []
        super().__init__(("127.0.0.1", 0), _ClickHandler)


class _ClickHandler(BaseHTTPRequestHandler):
    server: Clicks

    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 (http.server's name)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            click = json.loads(body)
        except ValueError:
            click = None
        ok = self.path == "/clicks" and isinstance(click, dict) and isinstance(click.get("mysfitId"), str)
        if ok:
            self.server.bodies.append(click)
        answer = json.dumps({"recorded": ok}).encode()
        self.send_response(200 if ok else 400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)


def template(monolith_url: str, clicks_url: str) -> dict:
    def integration(uri: str) -> dict:
        return {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": "Api"}, "IntegrationType": "HTTP_PROXY", "IntegrationMethod": "ANY",
            "IntegrationUri": uri, "PayloadFormatVersion": "1.0"}}

    def route(key: str, target: str, locked: bool) -> dict:
        props = {"ApiId": {"Ref": "Api"}, "RouteKey": key,
                 "Target": {"Fn::Join": ["/", ["integrations", {"Ref": target}]]},
                 "AuthorizationType": "JWT" if locked else "NONE"}
        if locked:
            props["AuthorizerId"] = {"Ref": "Authorizer"}
        return {"Type": "AWS::ApiGatewayV2::Route", "Properties": props}

    index = lambda attr: {  # noqa: E731
        "IndexName": f"{attr}Index", "Projection": {"ProjectionType": "ALL"},
        "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"},
                      {"AttributeName": "MysfitId", "KeyType": "RANGE"}]}
    resources = {
        "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
            "TableName": TABLE, "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"}
                                     for a in ("MysfitId", "LawChaos", "GoodEvil")],
            "KeySchema": [{"AttributeName": "MysfitId", "KeyType": "HASH"}],
            "GlobalSecondaryIndexes": [index("LawChaos"), index("GoodEvil")]}},
        "Site": {"Type": "AWS::S3::Bucket", "Properties": {
            "WebsiteConfiguration": {"IndexDocument": "index.html"}}},
        "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
            "UserPoolName": "mysfits-page-dev", "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": ["email"],
            "Policies": {"PasswordPolicy": {
                "MinimumLength": 8, "RequireLowercase": True, "RequireUppercase": True,
                "RequireNumbers": True, "RequireSymbols": False}},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            # moto reads where SignUp's code goes from this (else it says SMS).
            "AccountRecoverySetting": {"RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]},
            "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"}}},
        "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            "UserPoolId": {"Ref": "UserPool"}, "ClientName": "mysfits-page-dev-web",
            "GenerateSecret": False, "PreventUserExistenceErrors": "ENABLED",
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH",
                                  "ALLOW_USER_SRP_AUTH"]}},
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
            "Name": "mysfits-page-dev", "ProtocolType": "HTTP",
            "CorsConfiguration": {"AllowOrigins": [{"Fn::GetAtt": ["Site", "WebsiteURL"]}],
                                  "AllowMethods": ["GET", "POST"],
                                  "AllowHeaders": ["authorization", "content-type"]}}},
        "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": True}},
        "Monolith": integration(monolith_url),
        "ClickStream": integration(clicks_url),
        "Authorizer": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": "Api"}, "Name": "cognito", "AuthorizerType": "JWT",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Audience": [{"Ref": "UserPoolClient"}],
                                 "Issuer": {"Fn::GetAtt": ["UserPool", "ProviderURL"]}}}},
        "RouteGet": route("GET /{proxy+}", "Monolith", False),
        "RouteClicks": route("POST /clicks", "ClickStream", False),
        "RouteLike": route("POST /mysfits/{id}/like", "Monolith", True),
        "RouteAdopt": route("POST /mysfits/{id}/adopt", "Monolith", True),
    }
    outputs = {"ApiUrl": {"Fn::GetAtt": ["Api", "ApiEndpoint"]},
               "WebsiteUrl": {"Fn::GetAtt": ["Site", "WebsiteURL"]},
               "Bucket": {"Ref": "Site"}, "UserPoolId": {"Ref": "UserPool"},
               "ClientId": {"Ref": "UserPoolClient"}}
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources,
            "Outputs": {k: {"Value": v} for k, v in outputs.items()}}


def config_js(api_url: str, endpoint: str, pool_id: str, client_id: str) -> str:
    """As `mysfits up` publishes it."""
    config = {"apiUrl": api_url.rstrip("/"), "cognito": {
        "region": REGION, "endpoint": endpoint, "userPoolId": pool_id, "clientId": client_id}}
    return f"window.MYSFITS_CONFIG = {json.dumps(config)};\n"


@dataclass
class Lab:
    site_url: str
    api_url: str
    endpoint: str
    engine_log: Path
    clicks: Clicks
    pool_id: str
    client_id: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, timeout: float, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args} exited {proc.returncode}: {log.read_text()[-2000:]}")
        with contextlib.suppress(OSError):
            with LOCAL.open(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer in {timeout}s: {log.read_text()[-2000:]}")


def _stop(proc: subprocess.Popen) -> None:
    if proc.stdin:
        proc.stdin.close()  # the engine stops when its stdin closes
    else:
        proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def lab(state_dir: Path) -> Iterator[Lab]:
    """Everything above, up and published; stopped on leaving."""
    state_dir.mkdir(parents=True, exist_ok=True)
    engine_log = state_dir / "engine.log"
    clicks = Clicks()
    threading.Thread(target=clicks.serve_forever, daemon=True).start()
    procs: list[subprocess.Popen] = []
    try:
        with open(engine_log, "wb") as log:
            engine = subprocess.Popen(
                [sys.executable, "-m", "localaws", "--port", "0", "--state-dir", str(state_dir / "engine")],
                cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True)
        procs.append(engine)
        assert engine.stdout is not None
        lines = [engine.stdout.readline().strip() for _ in range(3)]
        if not all("=" in line for line in lines):
            raise RuntimeError(f"the engine did not start: {engine_log.read_text()[-2000:]}")
        ports = dict(line.split("=", 1) for line in lines)
        endpoint = f"http://127.0.0.1:{int(ports['MOTO_PORT'])}"
        aws = {"region_name": REGION, "endpoint_url": endpoint, "aws_access_key_id": "testing",
               "aws_secret_access_key": "testing", "config": Config(retries={"max_attempts": 1}, proxies={})}

        port = _free_port()
        env = {**os.environ, "DDB_TABLE_NAME": TABLE, "HOST": "127.0.0.1", "PORT": str(port),
               "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
               "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION,
               "PYTHONUNBUFFERED": "1"}
        monolith_log = state_dir / "monolith.log"
        with open(monolith_log, "wb") as log:
            monolith = subprocess.Popen([sys.executable, "app.py"], cwd=MONOLITH, env=env,
                                        stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        procs.insert(0, monolith)  # stopped before the engine it talks to
        monolith_url = f"http://127.0.0.1:{port}"
        _wait_http(monolith_url + "/", 30, monolith, monolith_log)

        cfn = boto3.client("cloudformation", **aws)
        stack = cfn.create_stack(StackName="mysfits-page-dev", TemplateBody=json.dumps(
            template(monolith_url, f"http://127.0.0.1:{clicks.server_address[1]}/clicks")))["StackId"]
        cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 1})
        out = {o["OutputKey"]: o["OutputValue"]
               for o in cfn.describe_stacks(StackName=stack)["Stacks"][0]["Outputs"]}

        table = boto3.resource("dynamodb", **aws).Table(TABLE)
        with table.batch_writer() as batch:
            for item in json.loads((ROOT / "examples" / "data" / "mysfits.json").read_text()):
                batch.put_item(Item=item)

        s3 = boto3.client("s3", **aws)
        for path in sorted((ROOT / "site").rglob("*")):
            if path.is_file() and path.name != "README.md":
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                s3.put_object(Bucket=out["Bucket"], Key=path.relative_to(ROOT / "site").as_posix(),
                              Body=path.read_bytes(), ContentType=kind)
        s3.put_object(Bucket=out["Bucket"], Key="config.js", ContentType="application/javascript",
                      Body=config_js(out["ApiUrl"], endpoint, out["UserPoolId"], out["ClientId"]).encode())
        yield Lab(site_url=out["WebsiteUrl"] + "/", api_url=out["ApiUrl"], endpoint=endpoint,
                  engine_log=engine_log, clicks=clicks, pool_id=out["UserPoolId"],
                  client_id=out["ClientId"])
    finally:
        for proc in procs:
            _stop(proc)
        clicks.shutdown()
        clicks.server_close()


def check(site: Lab, artifacts: Path) -> int:
    """browser_check.py --sign-in, then: the clicks the stand-in got are the profiles the
    check says it opened."""
    proc = subprocess.run([sys.executable, str(ROOT / "scripts" / "browser_check.py"), "--sign-in",
                           str(site.engine_log), site.site_url, "-", str(artifacts)],
                          capture_output=True, text=True, timeout=300)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        return proc.returncode
    opened = re.search(r"^\s*clicks: (.+)$", proc.stdout, re.M)
    got = [c["mysfitId"] for c in site.clicks.bodies]
    if not opened or opened.group(1).split() != got:
        print(f"page_dev: the clicks backend got {got}; the check opened "
              f"{opened.group(1).split() if opened else 'nothing it printed'}", file=sys.stderr)
        return 1
    print(f"   the clicks backend got exactly those {len(got)} clicks")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", metavar="DIR", type=Path,
                        help="run the browser check (screenshots into DIR) and stop")
    args = parser.parse_args()
    # SIGTERM stops it as Ctrl-C does: through the finally blocks that stop what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with tempfile.TemporaryDirectory(prefix="page-dev.") as state, lab(Path(state)) as site:
        if args.check:
            return check(site, args.check)
        print(f"website   {site.site_url}\nAPI       {site.api_url}\nCognito   {site.endpoint} "
              f"(pool {site.pool_id}, client {site.client_id})\nengine log {site.engine_log} "
              "(the confirmation codes)\nCtrl-C stops it.", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            if sys.stdin.isatty():
                threading.Event().wait()
            else:
                sys.stdin.read()  # until whoever started it closes our stdin
        return 0


if __name__ == "__main__":
    sys.exit(main())
