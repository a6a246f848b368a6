"""CloudFormation for API Gateway HTTP APIs: ``AWS::ApiGatewayV2::Api``, ``::Stage``,
``::VpcLink``, ``::Integration``, ``::Authorizer`` and ``::Route``.

AWS, the CloudFormation template reference
(https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigatewayv2-<type>.html,
``<type>`` = api, stage, vpclink, integration, authorizer, route): each type is made as the
apigatewayv2 call of the same name does (CreateApi, CreateStage, CreateVpcLink, ...), its
properties named as that call's fields in PascalCase. Ref and GetAtt, as documented there:

* Api: "Ref returns the API ID, such as a1bcdef2gh"; GetAtt ``ApiEndpoint`` ("The default
  endpoint for an API. For example: https://abcdef.execute-api.us-west-2.amazonaws.com")
  and ``ApiId``. On the engine, ApiEndpoint is the API's own loopback URL (``apigw.py``).
* Stage: "Ref returns the Stage name, such as $default"; no GetAtt.
* VpcLink: Ref returns the VPC link ID, such as abcde1; GetAtt ``VpcLinkId``.
* Integration: Ref returns the Integration resource ID, such as abcd123; GetAtt
  ``IntegrationId``.
* Authorizer: Ref returns the authorizer's ID, such as abcde1; GetAtt ``AuthorizerId``.
* Route: Ref returns the Route ID, such as abcde1; GetAtt ``RouteId``.

Updates are in place (UpdateApi, UpdateIntegration, UpdateAuthorizer, UpdateRoute,
UpdateVpcLink) except where the reference says "Replacement": ``ApiId`` of the API's parts,
an API's ``ProtocolType``, a VPC link's ``SubnetIds`` and ``SecurityGroupIds``, a stage's
``StageName``. Deletion calls the matching Delete…, a resource already gone counts as
deleted, and each waits for the stack's resources that need it (``_cfn_models.py``):
routes first, then integrations and authorizers, stages, then VPC links and the API.

moto 5.2.5 has no CloudFormation model for any of these types: it warns "not supported by
moto's CloudFormation implementation" and makes nothing. The patch adds the models; each
calls moto's own backend operations only (so on the engine, CreateApi starts the API's
data plane there). Not copied: an API made from an OpenAPI definition (``Body``,
``BodyS3Location``) or by quick create (``Target``, ``RouteKey``, ``CredentialsArn``) is
refused; a change of an API's or a VPC link's ``Tags`` is not applied; any change of a
stage replaces it (moto has no UpdateStage: the stage is deleted and made again); an
integration's
``ResponseParameters`` is ignored; replacing an API does not replace its parts.
"""

from __future__ import annotations

from typing import Any

from ._cfn_models import StackModel, camel, flag, key, register, stands_aside
from ._shared import PatchError, Patching

API = "AWS::ApiGatewayV2::Api"
STAGE = "AWS::ApiGatewayV2::Stage"
VPC_LINK = "AWS::ApiGatewayV2::VpcLink"
INTEGRATION = "AWS::ApiGatewayV2::Integration"
AUTHORIZER = "AWS::ApiGatewayV2::Authorizer"
ROUTE = "AWS::ApiGatewayV2::Route"
TYPES = [API, STAGE, VPC_LINK, INTEGRATION, AUTHORIZER, ROUTE]
_QUICK_CREATE = ("Body", "BodyS3Location", "Target", "RouteKey", "CredentialsArn")


def apply(patching: Patching) -> None:
    from moto.apigatewayv2.exceptions import ApiNotFound
    from moto.apigatewayv2.models import apigatewayv2_backends
    from moto.core.common_models import CloudFormationModel

    if stands_aside(patching, TYPES):
        return

    class Part(StackModel):
        """What each type shares: the backend, and its API (gone: the part is gone too)."""

        api_id = ""

        @property
        def backend(self) -> Any:
            return apigatewayv2_backends[self.account_id][self.region_name]

        def make_in(self, properties: dict[str, Any]) -> list[str]:
            self.api_id = properties["ApiId"]
            return [key(API, self.api_id)]

        def remove(self) -> None:
            try:
                self.drop()
            except ApiNotFound:
                pass

        def drop(self) -> None:
            raise NotImplementedError

    class Api(Part, CloudFormationModel):  # type: ignore[misc]
        CFN_TYPE = API
        ATTRIBUTES = {"ApiEndpoint": "endpoint", "ApiId": "ident"}
        REPLACING = frozenset({"ProtocolType"})

        @property
        def endpoint(self) -> str:
            return self.backend.get_api(self.ident).api_endpoint

        def make(self, properties: dict[str, Any]) -> list[str]:
            asked = [p for p in _QUICK_CREATE if p in properties]
            if asked:
                raise PatchError(f"{API} {self.name}: {asked} not supported on the local engine")
            self.ident = self.backend.create_api(
                protocol_type=properties.get("ProtocolType"), tags=properties.get("Tags") or {},
                **_api_fields(properties, self.name)).api_id
            return []

        def change(self, properties: dict[str, Any]) -> None:
            self.backend.update_api(self.ident, **_api_fields(properties, self.name))
            if not properties.get("CorsConfiguration"):
                self.backend.delete_cors_configuration(self.ident)

        def drop(self) -> None:
            self.backend.delete_api(self.ident)

    class Stage(Part, CloudFormationModel):  # type: ignore[misc]
        CFN_TYPE = STAGE
        # Every change replaces: moto has no UpdateStage.
        REPLACING = frozenset({"ApiId", "StageName", "AutoDeploy", "Description",
                               "DefaultRouteSettings", "RouteSettings", "StageVariables",
                               "AccessLogSettings", "Tags", "ClientCertificateId"})

        def make(self, properties: dict[str, Any]) -> list[str]:
            needs = self.make_in(properties)
            config: dict[str, Any] = {"stageName": properties["StageName"]}
            for name in ("AutoDeploy", "Description", "StageVariables", "Tags",
                         "ClientCertificateId"):
                if name in properties:
                    config[name[:1].lower() + name[1:]] = properties[name]
            if "AutoDeploy" in config:
                config["autoDeploy"] = flag(config["autoDeploy"])
            for name in ("DefaultRouteSettings", "AccessLogSettings"):
                if name in properties:
                    config[name[:1].lower() + name[1:]] = camel(properties[name])
            if "RouteSettings" in properties:  # route keys stay as they are
                config["routeSettings"] = {route: camel(settings) for route, settings
                                           in properties["RouteSettings"].items()}
            self.ident = self.backend.create_stage(self.api_id, config).name
            return needs

        def drop(self) -> None:
            self.backend.delete_stage(self.api_id, self.ident)

    class VpcLink(Part, CloudFormationModel):  # type: ignore[misc]
        CFN_TYPE = VPC_LINK
        ATTRIBUTES = {"VpcLinkId": "ident"}
        REPLACING = frozenset({"SubnetIds", "SecurityGroupIds"})

        def make(self, properties: dict[str, Any]) -> list[str]:
            self.ident = self.backend.create_vpc_link(
                properties["Name"], properties.get("SecurityGroupIds") or [],
                properties.get("SubnetIds") or [], properties.get("Tags") or {}).id
            return []

        def change(self, properties: dict[str, Any]) -> None:
            self.backend.update_vpc_link(self.ident, properties["Name"])

        def drop(self) -> None:
            self.backend.delete_vpc_link(self.ident)

    class Integration(Part, CloudFormationModel):  # type: ignore[misc]
        CFN_TYPE = INTEGRATION
        ATTRIBUTES = {"IntegrationId": "ident"}
        REPLACING = frozenset({"ApiId"})

        def make(self, properties: dict[str, Any]) -> list[str]:
            needs = self.make_in(properties)
            self.ident = self.backend.create_integration(
                api_id=self.api_id, **_integration_fields(properties)).id
            if properties.get("ConnectionType") == "VPC_LINK" and properties.get("ConnectionId"):
                needs.append(key(VPC_LINK, properties["ConnectionId"]))
            return needs

        def change(self, properties: dict[str, Any]) -> None:
            self.backend.update_integration(api_id=self.api_id, integration_id=self.ident,
                                            **_integration_fields(properties))

        def drop(self) -> None:
            self.backend.delete_integration(self.api_id, self.ident)

    class Authorizer(Part, CloudFormationModel):  # type: ignore[misc]
        CFN_TYPE = AUTHORIZER
        ATTRIBUTES = {"AuthorizerId": "ident"}
        REPLACING = frozenset({"ApiId"})

        def make(self, properties: dict[str, Any]) -> list[str]:
            needs = self.make_in(properties)
            self.ident = self.backend.create_authorizer(
                self.api_id, **_authorizer_fields(properties)).id
            return needs

        def change(self, properties: dict[str, Any]) -> None:
            self.backend.update_authorizer(self.api_id, self.ident,
                                           **_authorizer_fields(properties))

        def drop(self) -> None:
            self.backend.delete_authorizer(self.api_id, self.ident)

    class Route(Part, CloudFormationModel):  # type: ignore[misc]
        CFN_TYPE = ROUTE
        ATTRIBUTES = {"RouteId": "ident"}
        REPLACING = frozenset({"ApiId"})

        def make(self, properties: dict[str, Any]) -> list[str]:
            needs = self.make_in(properties)
            self.ident = self.backend.create_route(
                api_id=self.api_id, **_route_fields(properties)).route_id
            target = str(properties.get("Target") or "")
            if target.startswith("integrations/"):
                needs.append(key(INTEGRATION, target.split("/", 1)[1]))
            if properties.get("AuthorizerId"):
                needs.append(key(AUTHORIZER, properties["AuthorizerId"]))
            return needs

        def change(self, properties: dict[str, Any]) -> None:
            self.backend.update_route(api_id=self.api_id, route_id=self.ident,
                                      **_route_fields(properties))

        def drop(self) -> None:
            self.backend.delete_route(self.api_id, self.ident)

    register(patching, [Api, Stage, VpcLink, Integration, Authorizer, Route],
             "creates, updates and deletes it")


def _api_fields(properties: dict[str, Any], default_name: str) -> dict[str, Any]:
    return {
        "api_key_selection_expression": properties.get("ApiKeySelectionExpression"),
        "cors_configuration": camel(properties.get("CorsConfiguration")),
        "description": properties.get("Description"),
        "disable_schema_validation": properties.get("DisableSchemaValidation"),
        "disable_execute_api_endpoint": properties.get("DisableExecuteApiEndpoint"),
        "name": properties.get("Name") or default_name,
        "route_selection_expression": properties.get("RouteSelectionExpression"),
        "version": properties.get("Version"),
    }


def _integration_fields(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "connection_id": properties.get("ConnectionId"),
        "connection_type": properties.get("ConnectionType") or "INTERNET",
        "content_handling_strategy": properties.get("ContentHandlingStrategy"),
        "credentials_arn": properties.get("CredentialsArn"),
        "description": properties.get("Description"),
        "integration_method": properties.get("IntegrationMethod"),
        "integration_subtype": properties.get("IntegrationSubtype"),
        "integration_type": properties.get("IntegrationType"),
        "integration_uri": properties.get("IntegrationUri"),
        "passthrough_behavior": properties.get("PassthroughBehavior"),
        "payload_format_version": properties.get("PayloadFormatVersion"),
        "request_parameters": properties.get("RequestParameters"),
        "request_templates": properties.get("RequestTemplates"),
        "response_parameters": None,
        "template_selection_expression": properties.get("TemplateSelectionExpression"),
        "timeout_in_millis": properties.get("TimeoutInMillis"),
        "tls_config": camel(properties.get("TlsConfig")),
    }


def _authorizer_fields(properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "auth_creds_arn": properties.get("AuthorizerCredentialsArn"),
        "auth_payload_format_version": properties.get("AuthorizerPayloadFormatVersion"),
        "auth_result_ttl": properties.get("AuthorizerResultTtlInSeconds"),
        "authorizer_uri": properties.get("AuthorizerUri"),
        "authorizer_type": properties.get("AuthorizerType"),
        "enable_simple_response": properties.get("EnableSimpleResponses"),
        "identity_source": properties.get("IdentitySource"),
        "identity_validation_expr": properties.get("IdentityValidationExpression"),
        "jwt_config": camel(properties.get("JwtConfiguration")),
        "name": properties.get("Name"),
    }


def _route_fields(properties: dict[str, Any]) -> dict[str, Any]:
    parameters = properties.get("RequestParameters")
    return {
        "api_key_required": flag(properties.get("ApiKeyRequired")),
        "authorization_scopes": properties.get("AuthorizationScopes") or [],
        "authorization_type": properties.get("AuthorizationType") or "NONE",
        "authorizer_id": properties.get("AuthorizerId"),
        "model_selection_expression": properties.get("ModelSelectionExpression"),
        "operation_name": properties.get("OperationName"),
        "request_models": properties.get("RequestModels"),
        # parameter names stay as they are; their constraints as the API spells them
        "request_parameters": ({name: camel(c) for name, c in parameters.items()}
                               if parameters else None),
        "route_key": properties["RouteKey"],
        "route_response_selection_expression": properties.get("RouteResponseSelectionExpression"),
        "target": properties.get("Target"),
    }
