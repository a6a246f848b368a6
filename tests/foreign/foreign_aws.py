"""boto3 clients for the "production" setup: one endpoint, us-east-1, dummy credentials,
and no profile or config file read, so that nothing but that endpoint is ever called."""

from __future__ import annotations

import os
from typing import Any

import boto3
from botocore.config import Config

REGION = "us-east-1"
# Plain names a shop's platform team would use; never mysfits' (crates/lab/src/names.rs:
# mysfits:lab, mysfits:service), so that nothing here looks like mysfits made it.
TAGS = [{"Key": "team", "Value": "shop"}, {"Key": "env", "Value": "production"}]


class Aws:
    def __init__(self, endpoint: str) -> None:
        # Neither a profile nor the caller's AWS_* settings may steer these clients.
        for key in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(key, None)
        os.environ.setdefault("AWS_CONFIG_FILE", os.devnull)
        os.environ.setdefault("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
        self.session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                             region_name=REGION)
        self.endpoint = endpoint
        self._clients: dict[str, Any] = {}

    def __getattr__(self, service: str) -> Any:
        """``aws.elbv2``, ``aws.ec2``, …: one client per service, made when first used."""
        if service.startswith("_"):
            raise AttributeError(service)
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service, endpoint_url=self.endpoint,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}))
        return self._clients[service]
