"""Tests for the API Gateway data plane with a JWT authorizer on moto's Cognito: a real
moto server (in this process, with the engine's load balancer and API hooks), a user
who signs up, is confirmed and signs in through boto3, an ALB listener forwarding to an
HTTP server on 127.0.0.1, and an HTTP API wired as the lab wires it (JWT authorizer,
VPC link, private integration to the listener). Requests are real HTTP at the API's
ApiEndpoint.

Run: .venv/bin/python -m pytest localaws/test_apigw.py -q
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from localaws import alb, apigw, apigw_auth, apigw_routes  # noqa: E402
from localaws.patches import Patching, cognito_confirmation_codes  # noqa: E402

REGION = "us-east-1"
PASSWORD = "Mysfits-2026"
POLICY = {"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": True, "RequireLowercase": True,
                             "RequireNumbers": True, "RequireSymbols": False}}


class _Echo(BaseHTTPRequestHandler):
    """The app behind the load balancer: answers with what it received."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _any(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        out = json.dumps({"method": self.command, "path": self.path, "body": body.decode(),
                          "authorization": self.headers.get("Authorization")}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    do_GET = do_POST = do_DELETE = _any


class _Targets:
    def __init__(self) -> None:
        self.map: dict[str, list[tuple[str, int, str]]] = {}

    def endpoints(self, target_group_arn: str) -> list[tuple[str, int, str]]:
        return list(self.map.get(target_group_arn, []))


@dataclass
class Pool:
    id: str
    client: str
    issuer: str


@dataclass
class Lab:
    cognito: Any
    apis: Any
    pool: Pool
    other_client: str
    other_pool: Pool
    listener: str
    vpc_link: str
    api_id: str
    url: str
    aws_port: int


def _clients(port: int) -> dict[str, Any]:
    return dict(region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing",
                endpoint_url=f"http://127.0.0.1:{port}")


def _pool(cognito: Any, name: str) -> Pool:
    pool = cognito.create_user_pool(PoolName=name, UsernameAttributes=["email"], Policies=POLICY,
                                    AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
    return Pool(pool, _client(cognito, pool, "web"), f"https://cognito-idp.{REGION}.amazonaws.com/{pool}")


def _client(cognito: Any, pool: str, name: str) -> str:
    return cognito.create_user_pool_client(
        UserPoolId=pool, ClientName=name, GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]


def _sign_in(cognito: Any, pool: str, client: str, email: str) -> dict[str, str]:
    cognito.sign_up(ClientId=client, Username=email, Password=PASSWORD)
    cognito.admin_confirm_sign_up(UserPoolId=pool, Username=email)
    return cognito.initiate_auth(ClientId=client, AuthFlow="USER_PASSWORD_AUTH",
                                 AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]


def _wire_api(apis: Any, name: str, pool: Pool, listener: str, vpc_link: str, stage: str = "$default",
              mapping: dict[str, str] | None = None) -> dict[str, Any]:
    """The lab's HTTP API: GET and POST /clicks open, like and adopt behind the JWT authorizer."""
    api = apis.create_api(Name=name, ProtocolType="HTTP")
    api_id = api["ApiId"]
    auth = apis.create_authorizer(ApiId=api_id, Name="cognito", AuthorizerType="JWT",
                                  IdentitySource=["$request.header.Authorization"],
                                  JwtConfiguration={"Issuer": pool.issuer, "Audience": [pool.client]})
    extra = {"RequestParameters": mapping} if mapping else {}
    integration = apis.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", ConnectionType="VPC_LINK",
        ConnectionId=vpc_link, IntegrationUri=listener, PayloadFormatVersion="1.0", **extra)["IntegrationId"]
    target = f"integrations/{integration}"
    for key in ("GET /{proxy+}", "POST /clicks"):
        apis.create_route(ApiId=api_id, RouteKey=key, Target=target)
    for key in ("POST /mysfits/{id}/like", "POST /mysfits/{id}/adopt"):
        apis.create_route(ApiId=api_id, RouteKey=key, Target=target, AuthorizationType="JWT",
                          AuthorizerId=auth["AuthorizerId"])
    apis.create_stage(ApiId=api_id, StageName=stage, AutoDeploy=True)
    return api


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    from moto.server import ThreadedMotoServer

    app = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    app.daemon_threads = True
    threading.Thread(target=app.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
    targets = _Targets()
    plane = alb.AlbDataPlane(targets)
    port: list[int] = []
    gateway = apigw.ApiGateway(plane, apigw_auth.KeySource(apigw.cognito_resolver(lambda: port[0])))
    patching = Patching(engine=True)
    alb.apply(patching, plane)
    apigw.apply(patching, gateway)
    cognito_confirmation_codes.apply(patching)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    port.append(server.get_host_and_port()[1])
    try:
        kw = _clients(port[0])
        ec2, elb = boto3.client("ec2", **kw), boto3.client("elbv2", **kw)
        cognito, apis = boto3.client("cognito-idp", **kw), boto3.client("apigatewayv2", **kw)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{i}.0/24",
                                     AvailabilityZone=f"{REGION}{az}")["Subnet"]["SubnetId"]
                   for i, az in ((1, "a"), (2, "b"))]
        lb = elb.create_load_balancer(Name="mysfits", Subnets=subnets)["LoadBalancers"][0]["LoadBalancerArn"]
        tg = elb.create_target_group(Name="app", Protocol="HTTP", Port=80, VpcId=vpc,
                                     TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        targets.map[tg] = [("127.0.0.1", app.server_address[1], "healthy")]
        listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[
            {"Type": "forward", "TargetGroupArn": tg}])["Listeners"][0]["ListenerArn"]
        link = apis.create_vpc_link(Name="mysfits", SubnetIds=subnets)["VpcLinkId"]
        pool, other_pool = _pool(cognito, "mysfits"), _pool(cognito, "elsewhere")
        other_client = _client(cognito, pool.id, "second")
        api = _wire_api(apis, "mysfits", pool, listener, link)
        yield Lab(cognito, apis, pool, other_client, other_pool, listener, link, api["ApiId"],
                  api["ApiEndpoint"], port[0])
    finally:
        gateway.stop_all()
        plane.stop_all()
        server.stop()
        patching.restore()
        app.shutdown()


def call(url: str, method: str, path: str, token: str | None = None, body: bytes = b"",
         bearer: bool = True) -> tuple[int, dict[str, str], bytes]:
    """Over HTTP to 127.0.0.1 with the API's host name in Host, as a browser sends it."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
    headers = {"Host": parts.netloc}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}" if bearer else token
    try:
        conn.request(method, path, body=body or None, headers=headers)
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


# ---------------------------------------------------------------- tokens made here


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _sign(claims: dict[str, Any], key: rsa.RSAPrivateKey, kid: str = "dummy") -> str:
    head = _b64(json.dumps({"typ": "JWT", "kid": kid, "alg": "RS256"}).encode())
    body = _b64(json.dumps(claims).encode())
    signature = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{_b64(signature)}"


def _moto_key() -> rsa.RSAPrivateKey:
    """moto's one Cognito signing key (every pool's), from the JWK it ships."""
    from moto.utilities.utils import load_resource

    jwk = load_resource("cognitoidp/resources/jwks-private.json")

    def n(name: str) -> int:
        return int.from_bytes(base64.urlsafe_b64decode(jwk[name] + "=" * (-len(jwk[name]) % 4)), "big")

    e, modulus, d = n("e"), n("n"), n("d")  # the JWK holds n, e and d only
    p, q = rsa.rsa_recover_prime_factors(modulus, e, d)
    return rsa.RSAPrivateNumbers(p, q, d, rsa.rsa_crt_dmp1(d, p), rsa.rsa_crt_dmq1(d, q), rsa.rsa_crt_iqmp(p, q),
                                 rsa.RSAPublicNumbers(e, modulus)).private_key()


# ---------------------------------------------------------------- Cognito on moto


def test_cognito_sign_up_confirm_sign_in_and_its_keys(lab: Lab, capfd: pytest.CaptureFixture[str]) -> None:
    cognito = lab.cognito
    with pytest.raises(cognito.exceptions.InvalidPasswordException):
        cognito.sign_up(ClientId=lab.pool.client, Username="weak@example.com", Password="short")
    capfd.readouterr()
    sent = cognito.sign_up(ClientId=lab.pool.client, Username="new@example.com", Password=PASSWORD)
    assert sent["UserConfirmed"] is False and "CodeDeliveryDetails" in sent
    # The code AWS would e-mail, in the engine's log.
    line = next(li for li in capfd.readouterr().err.splitlines() if "confirmation code of new@example.com" in li)
    code = line.split(" is ")[1].split()[0]
    assert line.startswith(f"[localaws] cognito: the confirmation code of new@example.com in {lab.pool.id} is ")
    with pytest.raises(cognito.exceptions.UsernameExistsException):
        cognito.sign_up(ClientId=lab.pool.client, Username="new@example.com", Password=PASSWORD)
    with pytest.raises(cognito.exceptions.UserNotConfirmedException):
        cognito.initiate_auth(ClientId=lab.pool.client, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "new@example.com", "PASSWORD": PASSWORD})
    wrong = f"{(int(code) + 1) % 10 ** 6:06d}"
    with pytest.raises(cognito.exceptions.CodeMismatchException, match="Invalid verification code provided"):
        cognito.confirm_sign_up(ClientId=lab.pool.client, Username="new@example.com", ConfirmationCode=wrong)
    cognito.confirm_sign_up(ClientId=lab.pool.client, Username="new@example.com", ConfirmationCode=code)
    tokens = cognito.initiate_auth(ClientId=lab.pool.client, AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": "new@example.com", "PASSWORD": PASSWORD})
    id_claims = _claims(tokens["AuthenticationResult"]["IdToken"])
    access_claims = _claims(tokens["AuthenticationResult"]["AccessToken"])
    assert (id_claims["iss"], id_claims["aud"], id_claims["token_use"], id_claims["email"]) == (
        lab.pool.issuer, lab.pool.client, "id", "new@example.com")
    assert (access_claims["client_id"], access_claims["token_use"]) == (lab.pool.client, "access")
    # The issuer's documents on the engine's own port, at the issuer's path.
    conn = http.client.HTTPConnection("127.0.0.1", lab.aws_port, timeout=10)
    conn.request("GET", f"/{lab.pool.id}/.well-known/openid-configuration")
    discovery = json.loads(conn.getresponse().read())
    assert discovery["issuer"] == lab.pool.issuer
    conn.request("GET", urlsplit(discovery["jwks_uri"]).path)
    keys = json.loads(conn.getresponse().read())["keys"]
    conn.close()
    assert [(k["kid"], k["alg"], k["kty"]) for k in keys] == [("dummy", "RS256", "RSA")]


# ---------------------------------------------------------------- the API


def test_the_api_is_served_at_its_endpoint_and_tagged(lab: Lab) -> None:
    api = lab.apis.get_api(ApiId=lab.api_id)
    port = int(api["Tags"][apigw.PORT_TAG])
    assert api["ApiEndpoint"] == f"http://{lab.api_id}.execute-api.localhost:{port}"
    # As it is, in urllib: the C library resolves *.localhost to loopback (test_urls.py).
    host = urlsplit(api["ApiEndpoint"]).hostname or ""
    assert {a[4][0] for a in socket.getaddrinfo(host, None)} <= {"127.0.0.1", "::1"}
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(api["ApiEndpoint"] + "/mysfits", timeout=10) as response:
        assert (response.status, json.loads(response.read())["path"]) == (200, "/mysfits")


def test_an_issuers_keys_come_only_from_this_machine() -> None:
    resolve = apigw.cognito_resolver(lambda: 4566)
    assert resolve("https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_x/.well-known/jwks.json") == (
        "http://127.0.0.1:4566/eu-west-1_x/.well-known/jwks.json")
    assert resolve("http://127.0.0.1:8080/.well-known/openid-configuration") == (
        "http://127.0.0.1:8080/.well-known/openid-configuration")
    assert resolve("https://issuer.example.com/.well-known/openid-configuration") is None
    assert resolve("https://cognito-idp.us-east-1.amazonaws.com.example.com/p") is None
    keys = apigw_auth.KeySource(resolve)
    assert keys.key("https://issuer.example.com", "dummy") is None  # nothing fetched: no key


def test_the_401_table(lab: Lab, capsys: pytest.CaptureFixture[str]) -> None:
    good = _sign_in(lab.cognito, lab.pool.id, lab.pool.client, "table@example.com")["IdToken"]
    claims = _claims(good)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cases = {
        "bad signature (re-signed with another key)": _sign(claims, stranger),
        "wrong audience (a second client of the pool)": _sign_in(lab.cognito, lab.pool.id, lab.other_client,
                                                                 "second@example.com")["IdToken"],
        "expired (signed with moto's key)": _sign({**claims, "exp": int(time.time()) - 60}, _moto_key()),
        "missing token": None,
        "token from another pool": _sign_in(lab.cognito, lab.other_pool.id, lab.other_pool.client,
                                            "other@example.com")["IdToken"],
        "not a JWT": "not-a-token",
    }
    table = []
    for case, token in cases.items():
        status, headers, body = call(lab.url, "POST", "/mysfits/4e53920c/like", token)
        table.append((case, status, json.loads(body), headers.get("www-authenticate")))
    valid = call(lab.url, "POST", "/mysfits/4e53920c/like", good)[0]
    with capsys.disabled():  # printed whether pytest captures or not: the lead quotes it
        print("\n401 table (POST /mysfits/{id}/like on the engine's HTTP API):")
        for case, status, _, why in table:
            print(f"  {case:<48} {status}  {why or ''}")
        print(f"  {'valid ID token (control)':<48} {valid}")
    assert [(case, status, body) for case, status, body, _ in table] == [
        (case, 401, {"message": "Unauthorized"}) for case in cases]
    reasons = {case: why for case, _, _, why in table}
    assert reasons["missing token"] is None
    assert "valid audience" in reasons["wrong audience (a second client of the pool)"]
    assert "expired" in reasons["expired (signed with moto's key)"]
    assert "signature" in reasons["bad signature (re-signed with another key)"]
    # moto signs every pool's tokens with one key: the issuer is what tells them apart.
    assert "issuer" in reasons["token from another pool"]
    assert valid == 200


def test_a_valid_token_passes_the_post_route_with_or_without_bearer(lab: Lab) -> None:
    tokens = _sign_in(lab.cognito, lab.pool.id, lab.pool.client, "liker@example.com")
    for token, bearer in ((tokens["IdToken"], True), (tokens["IdToken"], False), (tokens["AccessToken"], True)):
        status, _, body = call(lab.url, "POST", "/mysfits/4e53920c/adopt?x=1", token, b'{"a":1}', bearer)
        seen = json.loads(body)
        assert status == 200, body
        assert (seen["method"], seen["path"], seen["body"]) == ("POST", "/mysfits/4e53920c/adopt?x=1", '{"a":1}')
        assert seen["authorization"] is not None  # passed on to the app, as AWS does



def test_route_scopes_and_the_token_times_are_checked(lab: Lab) -> None:
    api_id = lab.apis.create_api(Name="scoped", ProtocolType="HTTP")["ApiId"]
    auth = lab.apis.create_authorizer(ApiId=api_id, Name="c", AuthorizerType="JWT",
                                      IdentitySource=["$request.header.Authorization"],
                                      JwtConfiguration={"Issuer": lab.pool.issuer, "Audience": [lab.pool.client]})
    integration = lab.apis.create_integration(
        ApiId=api_id, IntegrationType="HTTP_PROXY", IntegrationMethod="ANY", ConnectionType="VPC_LINK",
        ConnectionId=lab.vpc_link, IntegrationUri=lab.listener, PayloadFormatVersion="1.0")["IntegrationId"]
    lab.apis.create_route(ApiId=api_id, RouteKey="ANY /{proxy+}", Target=f"integrations/{integration}",
                          AuthorizationType="JWT", AuthorizerId=auth["AuthorizerId"],
                          AuthorizationScopes=["aws.cognito.signin.user.admin"])
    lab.apis.create_stage(ApiId=api_id, StageName="$default")
    url = lab.apis.get_api(ApiId=api_id)["ApiEndpoint"]
    try:
        tokens = _sign_in(lab.cognito, lab.pool.id, lab.pool.client, "scoped@example.com")
        assert call(url, "GET", "/a", tokens["AccessToken"])[0] == 200  # its scope is the route's
        status, headers, _ = call(url, "GET", "/a", tokens["IdToken"])  # an ID token has no scope
        assert status == 401 and "valid scope" in headers["www-authenticate"]
        claims, key = _claims(tokens["AccessToken"]), _moto_key()
        assert call(url, "GET", "/a", _sign(claims, key))[0] == 200  # moto's key, re-signed: still good
        for late in ("nbf", "iat"):
            assert call(url, "GET", "/a", _sign({**claims, late: int(time.time()) + 600}, key))[0] == 401, late
    finally:
        lab.apis.delete_api(ApiId=api_id)

def test_get_passes_without_a_token_and_unknown_routes_are_not_found(lab: Lab) -> None:
    status, _, body = call(lab.url, "GET", "/mysfits?filter=GoodEvil&value=Good")
    assert (status, json.loads(body)["path"]) == (200, "/mysfits?filter=GoodEvil&value=Good")
    assert call(lab.url, "POST", "/clicks", body=b'{"mysfitId":"1"}')[0] == 200
    for method, path in (("DELETE", "/mysfits/1"), ("POST", "/mysfits/1"), ("GET", "/"),
                         ("POST", "/mysfits/1/like/more")):
        status, headers, body = call(lab.url, method, path)
        assert (status, json.loads(body), headers["content-type"]) == (
            404, {"message": "Not Found"}, "application/json"), (method, path)


def test_a_named_stage_is_in_the_path_and_sent_on_unless_mapped(lab: Lab) -> None:
    plain = _wire_api(lab.apis, "staged", lab.pool, lab.listener, lab.vpc_link, stage="prod")
    mapped = _wire_api(lab.apis, "mapped", lab.pool, lab.listener, lab.vpc_link, stage="prod",
                       mapping={"overwrite:path": "$request.path"})
    try:
        assert call(plain["ApiEndpoint"], "GET", "/mysfits")[0] == 404  # no $default stage
        assert json.loads(call(plain["ApiEndpoint"], "GET", "/prod/mysfits")[2])["path"] == "/prod/mysfits"
        assert json.loads(call(mapped["ApiEndpoint"], "GET", "/prod/mysfits?a=b")[2])["path"] == "/mysfits?a=b"
        assert call(mapped["ApiEndpoint"], "POST", "/prod/mysfits/1/like")[0] == 401
    finally:
        for api in (plain, mapped):
            lab.apis.delete_api(ApiId=api["ApiId"])
    with pytest.raises(ConnectionRefusedError):
        call(plain["ApiEndpoint"], "GET", "/prod/mysfits")


# ---------------------------------------------------------------- routing, as the guide has it


def test_route_selection_follows_the_routing_guide() -> None:
    # The guide's example ("Routing API requests"), with its answers.
    keys = ["GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "ANY /{proxy+}", "$default"]
    assert apigw_routes.select_route("GET", "/pets/dog/1", keys) == "GET /pets/dog/1"
    assert apigw_routes.select_route("GET", "/pets/dog/2", keys) == "GET /pets/dog/{id}"
    assert apigw_routes.select_route("GET", "/pets/cat/1", keys) == "GET /pets/{proxy+}"
    assert apigw_routes.select_route("POST", "/pets/dog/1", keys) == "ANY /{proxy+}"
    assert apigw_routes.select_route("GET", "/", keys) == "$default"
    assert apigw_routes.select_route("GET", "/", keys[:-1]) is None
    assert apigw_routes.select_route("PUT", "/pets", ["ANY /pets", "PUT /pets"]) == "PUT /pets"
    assert apigw_routes.select_stage("/prod/pets", ["prod", "$default"]) == ("prod", "/pets")
    assert apigw_routes.select_stage("/test/pets", ["prod", "$default"]) == ("$default", "/test/pets")
    assert apigw_routes.select_stage("/test/pets", ["prod"]) is None


def test_cors_preflights_are_answered_and_every_answer_carries_the_headers(lab: Lab) -> None:
    site = "http://mysfits-site.s3-website.localhost:8000"
    api = _wire_api(lab.apis, "cors", lab.pool, lab.listener, lab.vpc_link)
    lab.apis.update_api(ApiId=api["ApiId"], CorsConfiguration={
        "AllowOrigins": [site], "AllowMethods": ["GET", "POST"], "AllowHeaders": ["authorization", "content-type"],
        "MaxAge": 300})
    try:
        parts = urlsplit(api["ApiEndpoint"])
        conn = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=10)
        # A preflight of a JWT route: answered by API Gateway itself, without a token.
        conn.request("OPTIONS", "/mysfits/1/like", headers={
            "Origin": site, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization"})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 204
        assert (resp.getheader("Access-Control-Allow-Origin"), resp.getheader("Access-Control-Allow-Methods"),
                resp.getheader("Access-Control-Allow-Headers"), resp.getheader("Access-Control-Max-Age")) == (
            site, "GET,POST", "authorization,content-type", "300")
        for method, path, status in (("POST", "/mysfits/1/like", 401), ("GET", "/mysfits", 200)):
            conn.request(method, path, headers={"Origin": site})
            resp = conn.getresponse()
            resp.read()
            assert (resp.status, resp.getheader("Access-Control-Allow-Origin")) == (status, site)
        conn.request("GET", "/mysfits", headers={"Origin": "http://elsewhere.example"})
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 200 and resp.getheader("Access-Control-Allow-Origin") is None
        conn.close()
    finally:
        lab.apis.delete_api(ApiId=api["ApiId"])
