"""CloudFormation for Cognito and HTTP APIs on the launcher's moto
(``localaws/patches/cfn_cognito.py``, ``cfn_apigatewayv2.py``).

One stack holds what the lab's sign-in and API need: a user pool and its public client,
an HTTP API with a ``$default`` stage, a VPC link, a private integration to an ALB
listener (a minimal VPC, ALB and listener in the same template), a JWT authorizer whose
issuer is the pool, and routes open and behind the authorizer. Against ``launch.py``
(moto on 127.0.0.1): CREATE_COMPLETE, every resource as cognito-idp and apigatewayv2
describe it, the outputs (Ref and GetAtt), sign-up / confirm / sign-in on the stack's
pool, an update in place (same ids), and DeleteStack leaving nothing. Then the same
stack on the real engine (``python -m localaws``): the stack's API answers GETs and 401
to ``POST …/like`` without a token, passes it with the pool's token, and stops answering
once the stack is deleted.

Run: .venv/bin/python -m pytest tests/moto/test_cognito_apigw_stack.py -q
"""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from test_core_stack import LAB, LOOPBACK, REGION, ROOT, Launcher, delete_stack, outputs_of, wait_stack

PASSWORD = "Mysfits-2026"
OPEN_ROUTES = ("GET /{proxy+}", "POST /clicks")
LOCKED_ROUTES = ("POST /mysfits/{id}/like", "POST /mysfits/{id}/adopt")


def _route_id(route_key: str) -> str:
    return "Route" + "".join(ch for ch in route_key.title() if ch.isalnum())


def template(auth_flows: list[str], cors_origins: list[str], link_name: str) -> dict[str, Any]:
    """The stack; the arguments are what the update changes."""
    resources: dict[str, Any] = {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "SubnetA": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.1.0/24", "AvailabilityZone": f"{REGION}a"}},
        "SubnetB": {"Type": "AWS::EC2::Subnet", "Properties": {
            "VpcId": {"Ref": "Vpc"}, "CidrBlock": "10.0.2.0/24", "AvailabilityZone": f"{REGION}b"}},
        "LinkSecurityGroup": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "the VPC link", "VpcId": {"Ref": "Vpc"}}},
        "Alb": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer", "Properties": {
            "Scheme": "internal", "Subnets": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}]}},
        "Listener": {"Type": "AWS::ElasticLoadBalancingV2::Listener", "Properties": {
            "LoadBalancerArn": {"Ref": "Alb"}, "Port": 80, "Protocol": "HTTP",
            "DefaultActions": [{"Type": "fixed-response", "FixedResponseConfig": {
                "StatusCode": "200", "ContentType": "text/plain", "MessageBody": "ok"}}]}},
        "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
            "UserPoolName": f"{LAB}-users",
            "UsernameAttributes": ["email"],
            "AutoVerifiedAttributes": ["email"],
            "Policies": {"PasswordPolicy": {
                "MinimumLength": 8, "RequireLowercase": True, "RequireUppercase": True,
                "RequireNumbers": True, "RequireSymbols": False}},
            "AccountRecoverySetting": {"RecoveryMechanisms": [
                {"Name": "verified_email", "Priority": 1}]},
            "AdminCreateUserConfig": {"AllowAdminCreateUserOnly": False},
            "VerificationMessageTemplate": {"DefaultEmailOption": "CONFIRM_WITH_CODE"},
            "UserPoolTags": {"mysfits:lab": LAB}}},
        "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {
            "UserPoolId": {"Ref": "UserPool"}, "ClientName": f"{LAB}-web",
            "GenerateSecret": False, "ExplicitAuthFlows": auth_flows,
            "PreventUserExistenceErrors": "ENABLED",
            "AccessTokenValidity": 60, "IdTokenValidity": 60, "RefreshTokenValidity": 30,
            "TokenValidityUnits": {"AccessToken": "minutes", "IdToken": "minutes",
                                   "RefreshToken": "days"}}},
        "Api": {"Type": "AWS::ApiGatewayV2::Api", "Properties": {
            "Name": f"{LAB}-api", "ProtocolType": "HTTP",
            "CorsConfiguration": {"AllowOrigins": cors_origins, "AllowMethods": ["GET", "POST"],
                                  "AllowHeaders": ["authorization", "content-type"]},
            "Tags": {"mysfits:lab": LAB}}},
        "Stage": {"Type": "AWS::ApiGatewayV2::Stage", "Properties": {
            "ApiId": {"Ref": "Api"}, "StageName": "$default", "AutoDeploy": True}},
        "VpcLink": {"Type": "AWS::ApiGatewayV2::VpcLink", "Properties": {
            "Name": link_name, "SubnetIds": [{"Ref": "SubnetA"}, {"Ref": "SubnetB"}],
            "SecurityGroupIds": [{"Ref": "LinkSecurityGroup"}], "Tags": {"mysfits:lab": LAB}}},
        "Integration": {"Type": "AWS::ApiGatewayV2::Integration", "Properties": {
            "ApiId": {"Ref": "Api"}, "IntegrationType": "HTTP_PROXY",
            "ConnectionType": "VPC_LINK", "ConnectionId": {"Ref": "VpcLink"},
            "IntegrationMethod": "ANY", "IntegrationUri": {"Ref": "Listener"},
            "PayloadFormatVersion": "1.0"}},
        "Authorizer": {"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": {
            "ApiId": {"Ref": "Api"}, "Name": "cognito", "AuthorizerType": "JWT",
            "IdentitySource": ["$request.header.Authorization"],
            "JwtConfiguration": {"Audience": [{"Ref": "UserPoolClient"}],
                                 "Issuer": {"Fn::GetAtt": ["UserPool", "ProviderURL"]}}}},
    }
    target = {"Fn::Join": ["/", ["integrations", {"Ref": "Integration"}]]}
    for route_key in OPEN_ROUTES:
        resources[_route_id(route_key)] = {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": "Api"}, "RouteKey": route_key, "Target": target,
            "AuthorizationType": "NONE"}}
    for route_key in LOCKED_ROUTES:
        resources[_route_id(route_key)] = {"Type": "AWS::ApiGatewayV2::Route", "Properties": {
            "ApiId": {"Ref": "Api"}, "RouteKey": route_key, "Target": target,
            "AuthorizationType": "JWT", "AuthorizerId": {"Ref": "Authorizer"}}}
    outputs = {
        "UserPoolId": {"Ref": "UserPool"},
        "UserPoolArn": {"Fn::GetAtt": ["UserPool", "Arn"]},
        "ProviderName": {"Fn::GetAtt": ["UserPool", "ProviderName"]},
        "ProviderURL": {"Fn::GetAtt": ["UserPool", "ProviderURL"]},
        "ClientId": {"Ref": "UserPoolClient"},
        "ClientName": {"Fn::GetAtt": ["UserPoolClient", "Name"]},
        "ApiId": {"Ref": "Api"},
        "ApiIdAtt": {"Fn::GetAtt": ["Api", "ApiId"]},
        "ApiEndpoint": {"Fn::GetAtt": ["Api", "ApiEndpoint"]},
        "Stage": {"Ref": "Stage"},
        "VpcLinkId": {"Ref": "VpcLink"},
        "IntegrationId": {"Ref": "Integration"},
        "AuthorizerId": {"Ref": "Authorizer"},
        "ListenerArn": {"Ref": "Listener"},
        **{f"{_route_id(k)}Id": {"Ref": _route_id(k)} for k in OPEN_ROUTES + LOCKED_ROUTES},
    }
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources,
            "Outputs": {k: {"Value": v} for k, v in outputs.items()}}


FLOWS = ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"]


@pytest.fixture(scope="module")
def moto() -> Iterator[Launcher]:
    launcher = Launcher()
    yield launcher
    launcher.stop()


def _clients(endpoint: str) -> dict[str, Any]:
    config = Config(retries={"max_attempts": 1}, proxies={})
    return {name: boto3.client(name, endpoint_url=endpoint, region_name=REGION, config=config,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            for name in ("cloudformation", "cognito-idp", "apigatewayv2", "elbv2")}


def _claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _leftovers(c: dict[str, Any]) -> list[str]:
    cognito, apis = c["cognito-idp"], c["apigatewayv2"]
    return ([f"user pool {p['Id']}" for p in cognito.list_user_pools(MaxResults=60)["UserPools"]]
            + [f"api {a['ApiId']}" for a in apis.get_apis()["Items"]]
            + [f"vpc link {v['VpcLinkId']}" for v in apis.get_vpc_links()["Items"]]
            + [f"load balancer {lb['LoadBalancerName']}"
               for lb in c["elbv2"].describe_load_balancers()["LoadBalancers"]])


def test_stack_makes_wires_updates_and_deletes_sign_in_and_api(moto: Launcher) -> None:
    c = _clients(moto.endpoint)
    cfn, cognito, apis = c["cloudformation"], c["cognito-idp"], c["apigatewayv2"]
    stack_id = cfn.create_stack(StackName=LAB, TemplateBody=json.dumps(
        template(FLOWS[:2], ["http://localhost"], f"{LAB}-link")))["StackId"]
    assert wait_stack(cfn, stack_id) == "CREATE_COMPLETE"
    out = outputs_of(c, stack_id)

    # The user pool and its client, as the template says, and the pool's Ref and GetAtts.
    pool = cognito.describe_user_pool(UserPoolId=out["UserPoolId"])["UserPool"]
    assert pool["Name"] == f"{LAB}-users" and pool["Arn"] == out["UserPoolArn"]
    assert pool["UsernameAttributes"] == ["email"] and pool["AutoVerifiedAttributes"] == ["email"]
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert pool["AccountRecoverySetting"]["RecoveryMechanisms"][0]["Name"] == "verified_email"
    assert pool["UserPoolTags"] == {"mysfits:lab": LAB}
    assert out["ProviderName"] == f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}"
    assert out["ProviderURL"] == f"https://{out['ProviderName']}"
    clients = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]
    assert [cl["ClientId"] for cl in clients] == [out["ClientId"]]
    client = cognito.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=out["ClientId"])["UserPoolClient"]
    assert client["ClientName"] == out["ClientName"] == f"{LAB}-web"
    assert "ClientSecret" not in client and client["ExplicitAuthFlows"] == FLOWS[:2]
    assert client["PreventUserExistenceErrors"] == "ENABLED" and client["IdTokenValidity"] == 60

    # The API, its stage, the VPC link, and the routes wired to the integration and authorizer.
    api = apis.get_api(ApiId=out["ApiId"])
    assert out["ApiIdAtt"] == api["ApiId"] and out["ApiEndpoint"] == api["ApiEndpoint"]
    assert api["Name"] == f"{LAB}-api" and api["ProtocolType"] == "HTTP"
    assert api["CorsConfiguration"]["AllowOrigins"] == ["http://localhost"]
    assert api["Tags"] == {"mysfits:lab": LAB}
    stages = apis.get_stages(ApiId=api["ApiId"])["Items"]
    assert [(s["StageName"], s["AutoDeploy"]) for s in stages] == [("$default", True)] == [(out["Stage"], True)]
    link = apis.get_vpc_link(VpcLinkId=out["VpcLinkId"])
    assert link["Name"] == f"{LAB}-link" and len(link["SubnetIds"]) == 2 and len(link["SecurityGroupIds"]) == 1
    integration = apis.get_integration(ApiId=api["ApiId"], IntegrationId=out["IntegrationId"])
    assert (integration["IntegrationType"], integration["ConnectionType"], integration["ConnectionId"],
            integration["IntegrationMethod"], integration["IntegrationUri"],
            integration["PayloadFormatVersion"]) == (
        "HTTP_PROXY", "VPC_LINK", out["VpcLinkId"], "ANY", out["ListenerArn"], "1.0")
    assert out["ListenerArn"].startswith("arn:aws:elasticloadbalancing:")
    authorizer = apis.get_authorizer(ApiId=api["ApiId"], AuthorizerId=out["AuthorizerId"])
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"] == {"Audience": [out["ClientId"]], "Issuer": out["ProviderURL"]}
    routes = {r["RouteKey"]: r for r in apis.get_routes(ApiId=api["ApiId"])["Items"]}
    assert sorted(routes) == sorted(OPEN_ROUTES + LOCKED_ROUTES)
    for route_key, route in routes.items():
        assert route["RouteId"] == out[f"{_route_id(route_key)}Id"]
        assert route["Target"] == f"integrations/{out['IntegrationId']}"
        locked = route_key in LOCKED_ROUTES
        assert route["AuthorizationType"] == ("JWT" if locked else "NONE")
        assert route.get("AuthorizerId") == (out["AuthorizerId"] if locked else None)

    # Sign-up, confirmation and sign-in on the stack's pool; the tokens name its issuer.
    email = "visitor@example.com"
    cognito.sign_up(ClientId=out["ClientId"], Username=email, Password=PASSWORD)
    cognito.admin_confirm_sign_up(UserPoolId=pool["Id"], Username=email)
    tokens = cognito.initiate_auth(ClientId=out["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                                   AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]
    claims = _claims(tokens["IdToken"])
    assert claims["iss"] == out["ProviderURL"] and claims["aud"] == out["ClientId"]

    # An update in place: the client's flows, the API's CORS, the link's name; same ids.
    cfn.update_stack(StackName=LAB, TemplateBody=json.dumps(
        template(FLOWS, ["http://127.0.0.1"], f"{LAB}-link2")))
    assert wait_stack(cfn, stack_id) == "UPDATE_COMPLETE"
    assert outputs_of(c, stack_id) == out
    client = cognito.describe_user_pool_client(UserPoolId=pool["Id"], ClientId=out["ClientId"])["UserPoolClient"]
    assert client["ExplicitAuthFlows"] == FLOWS
    assert apis.get_api(ApiId=api["ApiId"])["CorsConfiguration"]["AllowOrigins"] == ["http://127.0.0.1"]
    assert apis.get_vpc_link(VpcLinkId=out["VpcLinkId"])["Name"] == f"{LAB}-link2"
    assert cognito.admin_get_user(UserPoolId=pool["Id"], Username=email)["UserStatus"] == "CONFIRMED"

    assert delete_stack(c, stack_id) == "DELETE_COMPLETE"
    assert _leftovers(c) == []



class Engine(Launcher):
    """``python -m localaws`` as a subprocess, stopped as the launcher is (stdin closed)."""

    def __init__(self, state_dir: str) -> None:  # not the launcher's: the engine prints 3 lines
        self.proc = subprocess.Popen([sys.executable, "-m", "localaws", "--port", "0",
                                      "--state-dir", state_dir],
                                     cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        lines = dict(self.proc.stdout.readline().strip().split("=", 1) for _ in range(3))
        self.endpoint = f"http://{LOOPBACK}:{int(lines['MOTO_PORT'])}"


def _call(endpoint: str, method: str, path: str, token: str | None = None) -> tuple[int, str]:
    """One request to the API's own loopback port, its host name in the Host header."""
    host = endpoint.split("//", 1)[1]
    connection = http.client.HTTPConnection(LOOPBACK, int(host.rsplit(":", 1)[1]), timeout=10)
    try:
        headers = {"Host": host, **({"Authorization": token} if token else {})}
        connection.request(method, path, body=b"" if method == "POST" else None, headers=headers)
        answer = connection.getresponse()
        return answer.status, answer.read().decode()
    finally:
        connection.close()


def test_the_stacks_api_on_the_engine_locks_likes_and_passes_gets() -> None:
    with tempfile.TemporaryDirectory(prefix="mysfits-22b.") as state:
        engine = Engine(state)
        try:
            c = _clients(engine.endpoint)
            cfn, cognito = c["cloudformation"], c["cognito-idp"]
            stack_id = cfn.create_stack(StackName=LAB, TemplateBody=json.dumps(
                template(FLOWS[:2], ["http://localhost"], f"{LAB}-link")))["StackId"]
            assert wait_stack(cfn, stack_id) == "CREATE_COMPLETE"
            out = outputs_of(c, stack_id)
            endpoint = out["ApiEndpoint"]
            assert endpoint == f"http://{out['ApiId']}.execute-api.localhost:{endpoint.rsplit(':', 1)[1]}"

            email = "visitor@example.com"
            cognito.sign_up(ClientId=out["ClientId"], Username=email, Password=PASSWORD)
            cognito.admin_confirm_sign_up(UserPoolId=out["UserPoolId"], Username=email)
            token = cognito.initiate_auth(
                ClientId=out["ClientId"], AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD})["AuthenticationResult"]["IdToken"]

            # The listener's fixed response ("ok") is what passes through the VPC link.
            assert _call(endpoint, "GET", "/mysfits") == (200, "ok")
            status, body = _call(endpoint, "POST", "/mysfits/1/like")
            assert (status, json.loads(body)) == (401, {"message": "Unauthorized"})
            assert _call(endpoint, "POST", "/mysfits/1/like", f"Bearer {token}") == (200, "ok")
            assert _call(endpoint, "POST", "/mysfits/1/adopt", "Bearer not-a-token")[0] == 401

            assert delete_stack(c, stack_id) == "DELETE_COMPLETE"
            assert _leftovers(c) == []
            with pytest.raises(OSError):
                _call(endpoint, "GET", "/mysfits")
        finally:
            assert engine.stop() == 0
