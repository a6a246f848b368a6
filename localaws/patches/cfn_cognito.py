"""CloudFormation ``AWS::Cognito::UserPool`` and ``AWS::Cognito::UserPoolClient``.

AWS, the CloudFormation template reference:

* ``AWS::Cognito::UserPool``
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpool.html):
  creates a pool as cognito-idp:CreateUserPool does, its properties named as that call's
  parameters except ``UserPoolName`` (``PoolName``). "Ref returns the ID of the Amazon
  Cognito user pool, such as us-east-2_zgaEXAMPLE"; GetAtt ``Arn``, ``ProviderName``
  ("cognito-idp.us-east-2.amazonaws.com/us-east-2_123456789"), ``ProviderURL``
  ("https://cognito-idp.us-east-2.amazonaws.com/us-east-2_123456789"), ``UserPoolId``.
  Updated in place (UpdateUserPool), except ``UserPoolName``, ``UsernameAttributes``,
  ``AliasAttributes``, ``UsernameConfiguration`` and ``Schema``: replacement.
* ``AWS::Cognito::UserPoolClient``
  (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolclient.html):
  CreateUserPoolClient, properties named as its parameters. "Ref returns the ID of the
  Amazon Cognito user pool client, such as 1h57kf5cpq17m0eml12EXAMPLE"; GetAtt
  ``ClientId``, ``ClientSecret`` (only with ``GenerateSecret``), ``Name``. Updated in
  place (UpdateUserPoolClient), except ``UserPoolId`` and ``GenerateSecret``: replacement.

Deleting either calls DeleteUserPool / DeleteUserPoolClient; one already gone counts as
deleted, and a pool waits for its clients of the same stack (``_cfn_models.py``).

moto 5.2.5 has no CloudFormation model for either type: it warns "not supported by moto's
CloudFormation implementation" and makes nothing. The patch adds both models; each calls
moto's own backend operations only. Not copied: the pool properties CreateUserPool has no
parameter for (``EnabledMfas``, ``WebAuthn*``) are ignored; a pool's replacement does not
replace its clients (AWS does, their ``UserPoolId`` having changed).
"""

from __future__ import annotations

from typing import Any

from ._cfn_models import StackModel, flag, key, register, stands_aside
from ._shared import Patching

POOL = "AWS::Cognito::UserPool"
CLIENT = "AWS::Cognito::UserPoolClient"
# CreateUserPool's parameters, as CloudFormation spells them (the name aside).
_POOL_PARAMETERS = frozenset({
    "AccountRecoverySetting", "AdminCreateUserConfig", "AliasAttributes",
    "AutoVerifiedAttributes", "DeletionProtection", "DeviceConfiguration",
    "EmailAuthenticationMessage", "EmailAuthenticationSubject", "EmailConfiguration",
    "EmailVerificationMessage", "EmailVerificationSubject", "LambdaConfig",
    "MfaConfiguration", "Policies", "Schema", "SmsAuthenticationMessage",
    "SmsConfiguration", "SmsVerificationMessage", "UserAttributeUpdateSettings",
    "UserPoolAddOns", "UserPoolTags", "UserPoolTier", "UsernameAttributes",
    "UsernameConfiguration", "VerificationMessageTemplate",
})


def apply(patching: Patching) -> None:
    from moto.cognitoidp.exceptions import ResourceNotFoundError
    from moto.cognitoidp.models import cognitoidp_backends
    from moto.core.common_models import CloudFormationModel

    if stands_aside(patching, [POOL, CLIENT]):
        return

    class UserPool(StackModel, CloudFormationModel):  # type: ignore[misc]
        """A user pool that CloudFormation made (mysfits moto patch)."""

        CFN_TYPE = POOL
        ATTRIBUTES = {"Arn": "arn", "ProviderName": "provider_name",
                      "ProviderURL": "provider_url", "UserPoolId": "ident"}
        REPLACING = frozenset({"UserPoolName", "UsernameAttributes", "AliasAttributes",
                               "UsernameConfiguration", "Schema"})

        @property
        def backend(self) -> Any:
            return cognitoidp_backends[self.account_id][self.region_name]

        @property
        def arn(self) -> str:
            return self.backend.describe_user_pool(self.ident).arn

        @property
        def provider_name(self) -> str:
            return f"cognito-idp.{self.region_name}.amazonaws.com/{self.ident}"

        @property
        def provider_url(self) -> str:
            return f"https://{self.provider_name}"

        def make(self, properties: dict[str, Any]) -> list[str]:
            name = properties.get("UserPoolName") or self.name
            self.ident = self.backend.create_user_pool(name, _pool_config(properties)).id
            return []

        def change(self, properties: dict[str, Any]) -> None:
            self.backend.update_user_pool(self.ident, _pool_config(properties))

        def remove(self) -> None:
            try:
                self.backend.delete_user_pool(self.ident)
            except ResourceNotFoundError:
                pass

    class UserPoolClient(StackModel, CloudFormationModel):  # type: ignore[misc]
        """A user pool's app client that CloudFormation made (mysfits moto patch)."""

        CFN_TYPE = CLIENT
        ATTRIBUTES = {"ClientId": "ident", "ClientSecret": "secret", "Name": "client_name"}
        REPLACING = frozenset({"UserPoolId", "GenerateSecret"})

        @property
        def backend(self) -> Any:
            return cognitoidp_backends[self.account_id][self.region_name]

        def _client(self) -> Any:
            return self.backend.describe_user_pool_client(self.pool_id, self.ident)

        @property
        def secret(self) -> str | None:
            client = self._client()
            return client.secret if client.generate_secret else None

        @property
        def client_name(self) -> str:
            return self._client().extended_config.get("ClientName")

        def make(self, properties: dict[str, Any]) -> list[str]:
            self.pool_id = properties["UserPoolId"]
            made = self.backend.create_user_pool_client(
                self.pool_id, flag(properties.get("GenerateSecret")),
                _client_config(properties, self.name))
            self.ident = made.id
            return [key(POOL, self.pool_id)]

        def change(self, properties: dict[str, Any]) -> None:
            self.backend.update_user_pool_client(self.pool_id, self.ident,
                                                 _client_config(properties, self.name))

        def remove(self) -> None:
            try:
                self.backend.delete_user_pool_client(self.pool_id, self.ident)
            except ResourceNotFoundError:
                pass  # the client, or its whole pool, is gone already

    register(patching, [UserPool, UserPoolClient], "creates, updates and deletes it")


def _pool_config(properties: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in properties.items() if k in _POOL_PARAMETERS}


def _client_config(properties: dict[str, Any], default_name: str) -> dict[str, Any]:
    config = {k: v for k, v in properties.items() if k not in ("UserPoolId", "GenerateSecret")}
    config.setdefault("ClientName", default_name)
    return config
