"""The seed workshop's modules 4-5 as `mysfits up` makes them, on moto (``launch.py``):
the Cognito user pool and its public client, the HTTP API (CORS for the page, JWT
authorizer on the pool, private integration through a VPC link to the listener, the
routes open and locked), the Firehose stream into the clicks bucket, and the page's
config.js naming them; `status --output json` has ``api_url``; a re-run of `up` changes
nothing; `cleanup` leaves none of them.

Run: .venv/bin/python -m pytest tests/moto/test_modern_lab.py -q
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from test_core_stack import LOOPBACK, REGION, Launcher, mysfits_binary

LAB = "modlab"


class Lab:
    def __init__(self, launcher: Launcher, home: str) -> None:
        self.launcher, self.home = launcher, home
        self.bin = str(mysfits_binary())
        config = Config(retries={"max_attempts": 1}, proxies={}, s3={"addressing_style": "path"})
        made = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                     region_name=REGION)
        self.client = lambda name: made.client(name, endpoint_url=launcher.endpoint, config=config)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
            "AWS_CONFIG_FILE": f"{self.home}/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": f"{self.home}/aws-credentials",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
            "AWS_ENDPOINT_URL": self.launcher.endpoint, "NO_PROXY": LOOPBACK,
        }
        return subprocess.run([self.bin, *args, "--lab", LAB], capture_output=True, text=True,
                              env=env, timeout=300)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    launcher = Launcher()
    with tempfile.TemporaryDirectory() as home:
        yield Lab(launcher, home)
    launcher.stop()


def outputs(lab: Lab) -> dict[str, str]:
    stack = lab.client("cloudformation").describe_stacks(StackName=LAB)["Stacks"][0]
    return {o["OutputKey"]: o["OutputValue"] for o in stack["Outputs"]}


def test_up_makes_sign_in_the_api_and_the_clickstream(lab: Lab) -> None:
    up = lab.run("up", "--clicks-buffer", "5s")
    assert up.returncode == 0, up.stderr
    out = outputs(lab)

    idp = lab.client("cognito-idp")
    pool = idp.describe_user_pool(UserPoolId=out["UserPoolId"])["UserPool"]
    assert pool["Name"] == f"{LAB}-users"
    assert pool["UsernameAttributes"] == ["email"]
    assert pool["AutoVerifiedAttributes"] == ["email"]
    policy = pool["Policies"]["PasswordPolicy"]
    assert (policy["MinimumLength"], policy["RequireUppercase"], policy["RequireLowercase"],
            policy["RequireNumbers"]) == (8, True, True, True)
    assert pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    client = idp.describe_user_pool_client(UserPoolId=out["UserPoolId"],
                                           ClientId=out["UserPoolClientId"])["UserPoolClient"]
    assert "ClientSecret" not in client
    assert "ALLOW_USER_PASSWORD_AUTH" in client["ExplicitAuthFlows"]

    apigw = lab.client("apigatewayv2")
    api = next(a for a in apigw.get_apis()["Items"] if a["Name"] == f"{LAB}-api")
    assert api["ProtocolType"] == "HTTP"
    assert out["ApiUrl"].rstrip("/") == api["ApiEndpoint"].rstrip("/")
    assert api["CorsConfiguration"]["AllowOrigins"] == [out["WebsiteUrl"]]
    routes = {r["RouteKey"]: r for r in apigw.get_routes(ApiId=api["ApiId"])["Items"]}
    assert sorted(routes) == ["GET /{proxy+}", "POST /clicks", "POST /mysfits/{id}/adopt",
                              "POST /mysfits/{id}/like"]
    for key, route in routes.items():
        locked = key.endswith(("/like", "/adopt"))
        assert route["AuthorizationType"] == ("JWT" if locked else "NONE"), key
    # moto has no GetAuthorizers or GetIntegrations (lists): read the routes' own.
    (authorizer_id,) = {r["AuthorizerId"] for r in routes.values() if "AuthorizerId" in r}
    authorizer = apigw.get_authorizer(ApiId=api["ApiId"], AuthorizerId=authorizer_id)
    assert authorizer["JwtConfiguration"]["Audience"] == [out["UserPoolClientId"]]
    assert authorizer["JwtConfiguration"]["Issuer"].endswith(out["UserPoolId"])
    (target,) = {r["Target"] for r in routes.values()}
    integration = apigw.get_integration(ApiId=api["ApiId"],
                                        IntegrationId=target.removeprefix("integrations/"))
    assert (integration["ConnectionType"], integration["IntegrationUri"]) == (
        "VPC_LINK", out["ListenerArn"])
    link = apigw.get_vpc_link(VpcLinkId=integration["ConnectionId"])
    assert link["Name"] == f"{LAB}-link"

    stream = lab.client("firehose").describe_delivery_stream(
        DeliveryStreamName=out["ClicksStream"])["DeliveryStreamDescription"]
    (dest,) = stream["Destinations"]
    s3 = dest["ExtendedS3DestinationDescription"]
    assert s3["BucketARN"] == f"arn:aws:s3:::{out['ClicksBucket']}"
    assert s3["BufferingHints"]["IntervalInSeconds"] == 5

    body = lab.client("s3").get_object(Bucket=out["WebsiteBucket"], Key="config.js")["Body"].read()
    config = json.loads(body.decode().removeprefix("window.MYSFITS_CONFIG = ").rstrip(";"))
    assert config == {"apiUrl": out["ApiUrl"].rstrip("/"), "cognito": {
        "region": REGION, "endpoint": lab.launcher.endpoint,
        "userPoolId": out["UserPoolId"], "clientId": out["UserPoolClientId"]}}

    status = lab.run("status", "--output", "json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["api_url"] == out["ApiUrl"]

    again = lab.run("up", "--clicks-buffer", "5s", "-v")
    assert again.returncode == 0, again.stderr
    tally = next(line for line in again.stderr.splitlines() if line.startswith("api calls:"))
    assert ", 0 mutating" in tally, tally

    clicks = lab.run("clicks", "--output", "json")
    assert clicks.returncode == 0, clicks.stderr
    assert json.loads(clicks.stdout)["records"] == 0


def test_cleanup_leaves_none_of_them(lab: Lab) -> None:
    out = outputs(lab)
    done = lab.run("cleanup", "--yes")
    assert done.returncode == 0, done.stderr
    assert not [p for p in lab.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
                if p["Name"] == f"{LAB}-users"]
    apigw = lab.client("apigatewayv2")
    assert not [a for a in apigw.get_apis()["Items"] if a["Name"] == f"{LAB}-api"]
    assert not [v for v in apigw.get_vpc_links()["Items"] if v["Name"] == f"{LAB}-link"]
    assert out["ClicksStream"] not in lab.client("firehose").list_delivery_streams()[
        "DeliveryStreamNames"]
    buckets = [b["Name"] for b in lab.client("s3").list_buckets()["Buckets"]]
    assert out["ClicksBucket"] not in buckets and out["WebsiteBucket"] not in buckets
