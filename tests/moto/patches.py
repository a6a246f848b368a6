"""Patches that make moto do what AWS documents, where moto 5.2 does not.

Loaded by ``launch.py`` before the server starts; never imported by anything else.
Rules (DESIGN.md §5): each patch copies one documented AWS behaviour and names it;
each one only calls moto's own backend operations; none may make the tool's own
result come out right by itself. A patch that finds moto already doing the job
(a newer moto with its own CloudFormation deletion) stands aside.

1. CloudFormation deletion for the resource types whose moto model has none, so
   that ``DeleteStack`` of the core stack removes them instead of raising
   ``DependencyViolation`` on the VPC and leaking them:
   AWS::EC2::RouteTable, AWS::EC2::Route, AWS::EC2::SubnetRouteTableAssociation,
   AWS::EC2::VPCGatewayAttachment, AWS::EC2::InternetGateway, AWS::EC2::NatGateway,
   AWS::EC2::EIP, AWS::ElasticLoadBalancingV2::TargetGroup, AWS::ECS::Cluster.

2. ECS ``UpdateService``: a new task definition (or ``forceNewDeployment``) starts a
   new PRIMARY deployment while the previous one stays ACTIVE; the rollout then
   reaches COMPLETED and the old deployment goes away.

3. ECS ``CreateService``/``UpdateService``/``DescribeServices``: the service stores
   and returns ``deploymentConfiguration`` (``maximumPercent``,
   ``minimumHealthyPercent``, ``deploymentCircuitBreaker``; defaults when not given)
   and ``healthCheckGracePeriodSeconds``; UpdateService changes only what it is given.

4. CloudFormation ``AWS::EC2::VPC``: the ``EnableDnsSupport`` and
   ``EnableDnsHostnames`` properties are applied to the VPC (moto ignores them, so a
   stack's VPC had DNS hostnames off and Fargate RunTask in it failed with a 500).

5. ECS task network interfaces (awsvpc): a Fargate task run with
   ``assignPublicIp: ENABLED`` gets a public IPv4 address on its network interface
   (EC2 DescribeNetworkInterfaces ``Association.PublicIp``/``PublicDnsName``,
   ``IpOwnerId: amazon``); StopTask detaches and deletes the task's network interface,
   which releases that address. The address is random from 3.80.0.0/12 (an AWS
   us-east-1 range; never contacted), or the value of ``MYSFITS_MOTO_PUBLIC_IP``
   (must be a loopback address, e.g. 127.0.0.1): it stands in for the
   Internet-reachable address AWS would assign, so that a test's HTTP probe of
   "the task's public IP" reaches a test server on loopback and nothing else.

6. ECS task lifecycle: a task stays RUNNING until StopTask (or its exit) stops it;
   moto's default moves it one state per DescribeTasks towards STOPPED. Set as the
   default transition of moto's own state manager, so ``POST
   /moto-api/state-manager/set-transition`` can still override it in a test and
   ``unset-transition`` comes back to it.

7. CloudFormation ``AWS::ElasticLoadBalancingV2::TargetGroup``: ``TargetGroupAttributes``
   (e.g. ``deregistration_delay.timeout_seconds``) are applied to the target group.

8. ELBv2 ``SetRulePriorities`` checks the new order as a whole: "You can reorder the
   rules as long as there are no priority conflicts in the new order. Any existing
   rules that you do not specify retain their current priority." moto refuses any
   requested priority that a rule holds *before* the call, even a rule the same call
   moves away, so shifting rules 1, 2 to 2, 3 in one call failed with PriorityInUse.
"""

from __future__ import annotations

import copy
import inspect
import ipaddress
import os
import sys
import threading
from typing import Any, Callable

# moto's CloudFormation deletion loop (moto/cloudformation/parsing.py, ResourceMap.delete)
# calls ``resource.delete(account_id, region_name)`` and, on TypeError/AttributeError,
# falls back to the class's ``delete_from_cloudformation_json``, which is a silent
# no-op for these types. The patched ``delete`` methods therefore turn any
# TypeError/AttributeError of their own into this error, so a broken patch fails the
# stack deletion loudly instead of passing as a deletion.


class PatchError(RuntimeError):
    """A patched deletion broke (usually: moto's internals changed)."""


def _not_found(exc: Exception) -> bool:
    """True for moto's 'no such resource' errors: CloudFormation treats a resource
    that is already gone as deleted (DeleteStack skips it)."""
    code = str(getattr(exc, "code", "") or getattr(exc, "error_type", "") or "")
    name = type(exc).__name__
    return "NotFound" in code or "NotFound" in name


def _has_own_cfn_delete(cls: type) -> bool:
    """Whether moto already deletes this type with its stack."""
    if callable(getattr(cls, "delete", None)):
        return True
    method = getattr(cls, "delete_from_cloudformation_json", None)
    return method is not None and not getattr(method, "__isabstractmethod__", False)


def _install_delete(cls: type, cfn_type: str, body: Callable[[Any, str, str], None],
                    applied: list[str]) -> None:
    if _has_own_cfn_delete(cls):
        applied.append(f"{cfn_type}: moto deletes it itself, patch not needed")
        return

    def delete(self: Any, account_id: str, region_name: str) -> None:
        try:
            body(self, account_id, region_name)
        except (TypeError, AttributeError) as exc:  # see the note at the top
            raise PatchError(f"mysfits moto patch for {cfn_type} failed: {exc!r}") from exc

    delete.__doc__ = f"CloudFormation deletion of {cfn_type} (mysfits test patch)."
    cls.delete = delete  # type: ignore[attr-defined]
    applied.append(f"{cfn_type}: CloudFormation deletion added")


# --------------------------------------------------------------------------
# 1. CloudFormation deletions
# --------------------------------------------------------------------------


def _patch_cfn_deletions(applied: list[str]) -> None:
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_ip_addresses import ElasticAddress
    from moto.ec2.models.internet_gateways import InternetGateway
    from moto.ec2.models.nat_gateways import NatGateway
    from moto.ec2.models.route_tables import Route, RouteTable
    from moto.ec2.models.subnets import SubnetRouteTableAssociation
    from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
    from moto.ecs.models import Cluster, ecs_backends
    from moto.elbv2.models import FakeTargetGroup, elbv2_backends

    def ec2(account_id: str, region_name: str) -> Any:
        return ec2_backends[account_id][region_name]

    # AWS::EC2::SubnetRouteTableAssociation -> ec2:DisassociateRouteTable.
    # moto's CloudFormation records the association only in
    # ``subnet_associations`` (not in the route table), so both places are cleared.
    def delete_association(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        table = backend.route_tables.get(self.route_table_id)
        if table is not None:
            for association_id, target in list(table._associations.items()):
                if target == self.subnet_id:
                    backend.disassociate_route_table(association_id)
        backend.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)

    _install_delete(SubnetRouteTableAssociation, "AWS::EC2::SubnetRouteTableAssociation",
                    delete_association, applied)

    # AWS::EC2::Route -> ec2:DeleteRoute. A route whose table is already gone went
    # with it (DeleteRouteTable removes its routes); CloudFormation counts it deleted.
    def delete_route(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self.route_table.id not in backend.route_tables:
            return
        try:
            backend.delete_route(
                self.route_table.id,
                self.destination_cidr_block,
                destination_ipv6_cidr_block=self.destination_ipv6_cidr_block,
                destination_prefix_list_id=(
                    self.destination_prefix_list.id if self.destination_prefix_list else None
                ),
            )
        except EC2ClientError as exc:
            if not _not_found(exc):
                raise

    _install_delete(Route, "AWS::EC2::Route", delete_route, applied)

    # AWS::EC2::RouteTable -> ec2:DeleteRouteTable (its routes go with it).
    def delete_route_table(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self.id in backend.route_tables:
            backend.delete_route_table(self.id)

    _install_delete(RouteTable, "AWS::EC2::RouteTable", delete_route_table, applied)

    # AWS::EC2::VPCGatewayAttachment -> ec2:DetachInternetGateway.
    def delete_attachment(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        gateway_id = self.gateway_id or ""
        if not gateway_id.startswith("igw-"):
            return  # VPN gateway attachments: moto records no gateway id; not used here
        igw = backend.internet_gateways.get(gateway_id)
        if igw is None or igw.vpc is None or igw.vpc.id != self.vpc_id:
            return  # already detached or gone
        backend.detach_internet_gateway(gateway_id, self.vpc_id)

    _install_delete(VPCGatewayAttachment, "AWS::EC2::VPCGatewayAttachment",
                    delete_attachment, applied)

    # AWS::EC2::InternetGateway -> ec2:DeleteInternetGateway, which AWS refuses with
    # DependencyViolation while the gateway is attached to a VPC (moto does too).
    def delete_igw(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self.id in backend.internet_gateways:
            backend.delete_internet_gateway(self.id)

    _install_delete(InternetGateway, "AWS::EC2::InternetGateway", delete_igw, applied)

    # AWS::EC2::NatGateway -> ec2:DeleteNatGateway. AWS: "Deleting a NAT gateway
    # disassociates its Elastic IP address, but does not release the address", and
    # deletes the gateway's network interface; the gateway stays visible as 'deleted'.
    def delete_nat(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self.id not in backend.nat_gateways or self.state == "deleted":
            return
        backend.delete_nat_gateway(self.id)
        eni = getattr(self, "_eni", None)
        if eni is not None:
            for address in list(backend.addresses):
                if address.eni is eni:
                    backend.disassociate_address(address=address.public_ip)
            if eni.id in backend.enis:
                backend.delete_network_interface(eni.id)

    _install_delete(NatGateway, "AWS::EC2::NatGateway", delete_nat, applied)

    # AWS::EC2::EIP -> ec2:ReleaseAddress.
    def delete_eip(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self not in backend.addresses:
            return
        if self.allocation_id:
            backend.release_address(allocation_id=self.allocation_id)
        else:
            backend.release_address(address=self.public_ip)

    _install_delete(ElasticAddress, "AWS::EC2::EIP", delete_eip, applied)

    # AWS::ElasticLoadBalancingV2::TargetGroup -> elbv2:DeleteTargetGroup, which AWS
    # refuses with ResourceInUse while a listener or rule forwards to it (moto too).
    def delete_target_group(self: Any, account_id: str, region_name: str) -> None:
        backend = elbv2_backends[account_id][region_name]
        if self.arn in backend.target_groups:
            backend.delete_target_group(self.arn)

    _install_delete(FakeTargetGroup, "AWS::ElasticLoadBalancingV2::TargetGroup",
                    delete_target_group, applied)

    # AWS::ECS::Cluster -> ecs:DeleteCluster (moto marks the cluster INACTIVE, as
    # AWS lists a deleted cluster for a while). Note: moto, unlike AWS, does not refuse
    # this while services are ACTIVE; not added here, because a refusal makes moto's
    # DeleteStack drop the stack record while leaking its other resources.
    def delete_cluster(self: Any, account_id: str, region_name: str) -> None:
        backend = ecs_backends[account_id][region_name]
        cluster = backend.clusters.get(self.name)
        if cluster is not None and cluster.status != "INACTIVE":
            backend.delete_cluster(self.name)

    _install_delete(Cluster, "AWS::ECS::Cluster", delete_cluster, applied)


# --------------------------------------------------------------------------
# 2. ECS deployments
# --------------------------------------------------------------------------

# How many DescribeServices calls after an UpdateService still see the rollout
# IN_PROGRESS before it completes; 0 completes it on the first DescribeServices
# after the update. The UpdateService response itself always shows IN_PROGRESS.
ROLLOUT_DESCRIBES_ENV = "MYSFITS_MOTO_ROLLOUT_DESCRIBES"

_lock = threading.RLock()


def _env_int(name: str, default: int) -> int:
    try:
        return max(int(os.environ.get(name, default)), 0)
    except ValueError:
        return default


def _patch_ecs_deployments(applied: list[str], complete: bool = True) -> None:
    from moto.core.utils import utcnow
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.moto_api._internal import mock_random

    original_update = EC2ContainerServiceBackend.update_service
    original_describe = EC2ContainerServiceBackend.describe_services

    def new_deployment_id() -> str:
        return f"ecs-svc/{mock_random.randint(0, 32**12)}"

    # AWS UpdateService: "If you update the task definition ... or force a new
    # deployment, Amazon ECS starts a new deployment": the new one is PRIMARY with
    # rolloutState IN_PROGRESS, the one it replaces stays listed as ACTIVE until its
    # tasks are drained. The service's taskDefinition is always the full ARN.
    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        with _lock:
            props = dict(service_properties)
            cluster = self._get_cluster(props.get("cluster", "default"))
            name = str(props.get("service", "")).split("/")[-1]
            before = self.services.get(f"{cluster.name}:{name}")
            old_deployments = copy.deepcopy(before.deployments) if before else []
            old_task_definition = before.task_definition if before else None
            td_param = props.get("task_definition")
            force = bool(props.get("force_new_deployment"))

            service = original_update(self, service_properties)

            if service.deployment_controller.get("type", "ECS") != "ECS" or not old_deployments:
                return service
            new_td = old_task_definition
            if td_param:
                new_td = self.describe_task_definition(td_param).arn
                service.task_definition = new_td
            if new_td == old_task_definition and not force:
                # Only counts (or other settings) changed: no new deployment, the
                # PRIMARY one takes the new desired count.
                service.deployments = old_deployments
                primary = service.deployments[0]
                primary["desiredCount"] = service.desired_count
                primary["runningCount"] = min(service.running_count, service.desired_count)
                primary["pendingCount"] = max(service.desired_count - primary["runningCount"], 0)
                primary["updatedAt"] = utcnow()
                return service

            now = utcnow()
            deployment_id = new_deployment_id()
            for old in old_deployments:
                old["status"] = "ACTIVE"
                old["updatedAt"] = now
            template = old_deployments[0]
            primary = dict(template)
            primary.update(
                {
                    "id": deployment_id,
                    "status": "PRIMARY",
                    "taskDefinition": new_td,
                    "desiredCount": service.desired_count,
                    "pendingCount": service.desired_count,
                    "runningCount": 0,
                    "failedTasks": 0,
                    "createdAt": now,
                    "updatedAt": now,
                    "rolloutState": "IN_PROGRESS",
                    "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
                    "launchType": service.launch_type,
                    "platformVersion": service.platform_version,
                }
            )
            if getattr(service, "network_configuration", None):
                primary["networkConfiguration"] = service.network_configuration
            service.deployments = [primary] + old_deployments
            service._mysfits_rollout = {
                "id": deployment_id,
                "describes_left": _env_int(ROLLOUT_DESCRIBES_ENV, 0),
            }
            return service

    # AWS: once the new deployment's tasks run (and pass health checks), its
    # rolloutState becomes COMPLETED ("ECS deployment <id> completed."), the old
    # deployments are removed, and the service logs "has reached a steady state".
    # As for moto's own CreateService, tasks count as running when
    # MOTO_ECS_SERVICE_RUNNING >= the desired count; otherwise the rollout stays
    # IN_PROGRESS (as on AWS while tasks fail to start).
    def complete_rollouts(services: list[Any]) -> None:
        for service in services:
            rollout = getattr(service, "_mysfits_rollout", None)
            if not rollout:
                continue
            if rollout["describes_left"] > 0:
                rollout["describes_left"] -= 1
                continue
            primary = next(
                (d for d in service.deployments if d.get("id") == rollout["id"]), None
            )
            if primary is None:
                service._mysfits_rollout = None
                continue
            running = _env_int("MOTO_ECS_SERVICE_RUNNING", 0)
            if running < service.desired_count:
                continue
            now = utcnow()
            primary.update(
                {
                    "runningCount": service.desired_count,
                    "pendingCount": 0,
                    "rolloutState": "COMPLETED",
                    "rolloutStateReason": f"ECS deployment {primary['id']} completed.",
                    "updatedAt": now,
                }
            )
            service.deployments = [primary]
            service.running_count = service.desired_count
            service.pending_count = 0
            events = getattr(service, "events", None)
            if isinstance(events, list):
                events.insert(
                    0,
                    {
                        "id": str(mock_random.uuid4()),
                        "createdAt": now,
                        "message": f"(service {service.name}) has reached a steady state.",
                    },
                )
            service._mysfits_rollout = None

    def describe_services(self: Any, cluster_str: str, service_names_or_arns: list[str]) -> Any:
        with _lock:
            result = original_describe(self, cluster_str, service_names_or_arns)
            services = result[0] if isinstance(result, tuple) else result
            if complete:
                complete_rollouts(list(services))
            return result

    update_service.__doc__ = original_update.__doc__
    describe_services.__doc__ = original_describe.__doc__
    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.describe_services = describe_services  # type: ignore[method-assign]
    applied.append("ECS UpdateService: new PRIMARY deployment"
                   + (", rollout to COMPLETED" if complete else " (the engine rolls it out)"))


# --------------------------------------------------------------------------
# 3. ECS service deploymentConfiguration / healthCheckGracePeriodSeconds
# --------------------------------------------------------------------------

# AWS ECS API reference, Service.deploymentConfiguration: "Optional deployment
# parameters that control how many tasks run during a deployment". For a REPLICA
# service "the default maximumPercent value ... is 200%" and "the default
# minimumHealthyPercent value ... is 100%"; for a DAEMON service the defaults are 100%
# and 0%. The deployment circuit breaker is off unless enabled. DescribeServices
# returns the stored values.
_DEPLOYMENT_DEFAULTS = {
    "REPLICA": {"maximumPercent": 200, "minimumHealthyPercent": 100},
    "DAEMON": {"maximumPercent": 100, "minimumHealthyPercent": 0},
}


def _default_deployment_configuration(scheduling_strategy: Any) -> dict[str, Any]:
    strategy = scheduling_strategy if scheduling_strategy in _DEPLOYMENT_DEFAULTS else "REPLICA"
    config: dict[str, Any] = dict(_DEPLOYMENT_DEFAULTS[strategy])
    config["deploymentCircuitBreaker"] = {"enable": False, "rollback": False}
    return config


def _merge_deployment_configuration(current: dict[str, Any] | None,
                                    given: dict[str, Any]) -> dict[str, Any]:
    """UpdateService: the members given replace the stored ones, the others stay
    (as AWS keeps e.g. an enabled circuit breaker when only maximumPercent is sent)."""
    merged = copy.deepcopy(current) if current else {}
    for key, value in given.items():
        if value is not None:
            merged[key] = copy.deepcopy(value)
    return merged


def _patch_ecs_service_settings(applied: list[str]) -> None:
    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.ecs.responses import EC2ContainerServiceResponse

    create_params = inspect.signature(EC2ContainerServiceBackend.create_service).parameters
    own_config = "deployment_configuration" in create_params
    own_grace = "health_check_grace_period_seconds" in create_params
    if own_config and own_grace:
        applied.append("ECS deploymentConfiguration/healthCheckGracePeriodSeconds: "
                       "moto stores them itself, patch not needed")
        return

    original_create = EC2ContainerServiceResponse.create_service
    original_update = EC2ContainerServiceBackend.update_service

    # AWS CreateService: deploymentConfiguration and healthCheckGracePeriodSeconds are
    # stored with the service and returned by CreateService and DescribeServices
    # (moto's response layer drops both). The Service object is serialized after this
    # returns, so attributes set here appear in this response as well.
    def create_service(self: Any) -> Any:
        given_config = self._get_param("deploymentConfiguration")
        given_grace = self._get_param("healthCheckGracePeriodSeconds")
        result = original_create(self)
        service = self.ecs_backend._get_service(
            self._get_param("cluster", "default"), self._get_param("serviceName")
        )
        with _lock:
            if not own_config and getattr(service, "deployment_configuration", None) is None:
                config = _default_deployment_configuration(
                    getattr(service, "scheduling_strategy", "REPLICA")
                )
                if given_config:
                    config = _merge_deployment_configuration(config, given_config)
                service.deployment_configuration = config
            if (not own_grace and given_grace is not None
                    and getattr(service, "health_check_grace_period_seconds", None) is None):
                service.health_check_grace_period_seconds = int(given_grace)
        return result

    # AWS UpdateService: "deploymentConfiguration" and "healthCheckGracePeriodSeconds"
    # may be changed; what the request does not name keeps its value. moto's update
    # already stores any given parameter as an attribute (so healthCheckGracePeriodSeconds
    # needs nothing), but it would replace deploymentConfiguration as a whole.
    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        given_config = None
        if not own_config:
            given_config = service_properties.pop("deployment_configuration", None)
        service = original_update(self, service_properties)
        if given_config:
            with _lock:
                current = getattr(service, "deployment_configuration", None)
                if current is None:
                    current = _default_deployment_configuration(
                        getattr(service, "scheduling_strategy", "REPLICA")
                    )
                service.deployment_configuration = _merge_deployment_configuration(
                    current, given_config
                )
        return service

    create_service.__doc__ = original_create.__doc__
    update_service.__doc__ = original_update.__doc__
    EC2ContainerServiceResponse.create_service = create_service  # type: ignore[method-assign]
    EC2ContainerServiceBackend.update_service = update_service  # type: ignore[method-assign]
    what = [n for n, own in (("deploymentConfiguration", own_config),
                             ("healthCheckGracePeriodSeconds", own_grace)) if not own]
    applied.append(f"ECS services store and return {' and '.join(what)}")


# --------------------------------------------------------------------------
# 4. CloudFormation AWS::EC2::VPC DNS properties
# --------------------------------------------------------------------------


def _cfn_bool(value: Any) -> bool:
    """CloudFormation booleans arrive as YAML/JSON booleans or as "true"/"false"."""
    return value is True or str(value).strip().lower() == "true"


def _after_cfn_create(cls: type, cfn_type: str, handled_marker: str, what: str,
                      after: Callable[[Any, dict[str, Any], str, str], None],
                      applied: list[str]) -> None:
    """Wraps ``cls.create_from_cloudformation_json`` so that ``after(resource, properties,
    account_id, region_name)`` runs on what moto made; stands aside when moto's own
    code already mentions ``handled_marker`` (a newer moto doing the job)."""
    descriptor = cls.__dict__.get("create_from_cloudformation_json")
    original = getattr(descriptor, "__func__", None)
    if original is None:
        raise PatchError(f"moto's {cls.__name__}.create_from_cloudformation_json is not a classmethod")
    try:
        source = inspect.getsource(original)
    except (OSError, TypeError):
        source = ""
    if handled_marker in source:
        applied.append(f"{cfn_type}: moto applies {handled_marker} itself, patch not needed")
        return

    def create_from_cloudformation_json(klass: Any, resource_name: str, cloudformation_json: Any,
                                        account_id: str, region_name: str, **kwargs: Any) -> Any:
        made = original(klass, resource_name, cloudformation_json, account_id, region_name,
                        **kwargs)
        after(made, cloudformation_json.get("Properties") or {}, account_id, region_name)
        return made

    create_from_cloudformation_json.__doc__ = original.__doc__
    cls.create_from_cloudformation_json = classmethod(create_from_cloudformation_json)  # type: ignore[attr-defined]
    applied.append(f"{cfn_type}: CloudFormation applies {what}")


def _patch_cfn_vpc_dns(applied: list[str]) -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.vpcs import VPC

    # AWS::EC2::VPC: "EnableDnsHostnames: Indicates whether the instances launched in
    # the VPC get DNS hostnames" (default false); "EnableDnsSupport: Indicates whether
    # the DNS resolution is supported for the VPC" (default true). CloudFormation sets
    # them as ec2:ModifyVpcAttribute does; here by moto's own modify_vpc_attribute.
    def apply_dns(vpc: Any, properties: dict[str, Any], account_id: str, region_name: str) -> None:
        backend = ec2_backends[account_id][region_name]
        # Support first: AWS refuses DNS hostnames in a VPC without DNS support.
        for prop, attr in (("EnableDnsSupport", "enable_dns_support"),
                           ("EnableDnsHostnames", "enable_dns_hostnames")):
            if prop in properties and properties[prop] is not None:
                backend.modify_vpc_attribute(vpc.id, attr, _cfn_bool(properties[prop]))

    _after_cfn_create(VPC, "AWS::EC2::VPC", "EnableDnsHostnames",
                      "EnableDnsSupport/EnableDnsHostnames", apply_dns, applied)


# --------------------------------------------------------------------------
# 5. ECS task network interfaces: public IP with assignPublicIp, deleted on stop
# --------------------------------------------------------------------------

# The launcher's environment may name the address to give instead of a random public
# one. It stands in for the Internet-reachable address AWS would assign, so that
# traffic a test sends to "the task's public IP" stays on this host (DESIGN.md §5:
# never send traffic anywhere but 127.0.0.1); hence only loopback values are taken.
PUBLIC_IP_ENV = "MYSFITS_MOTO_PUBLIC_IP"

# Where the random addresses come from: 3.80.0.0/12, part of the EC2 us-east-1 public
# ranges (ip-ranges.json). Addresses only: nothing here or in the checks contacts them.
_PUBLIC_POOL = ipaddress.IPv4Network("3.80.0.0/12")


def _public_ip_override() -> str | None:
    value = os.environ.get(PUBLIC_IP_ENV, "").strip()
    if not value:
        return None
    try:
        address = ipaddress.IPv4Address(value)
    except ValueError as exc:
        raise PatchError(f"{PUBLIC_IP_ENV}={value!r} is not an IPv4 address") from exc
    if not address.is_loopback:
        raise PatchError(f"{PUBLIC_IP_ENV}={value!r}: only a loopback address is allowed "
                         "(it stands in for the task's public IP so traffic stays local)")
    return str(address)


def _public_dns_name(ip: str, region_name: str) -> str:
    """EC2 public DNS hostnames: ec2-<a-b-c-d>.compute-1.amazonaws.com in us-east-1,
    ec2-<a-b-c-d>.<region>.compute.amazonaws.com elsewhere."""
    dashed = ip.replace(".", "-")
    if region_name == "us-east-1":
        return f"ec2-{dashed}.compute-1.amazonaws.com"
    return f"ec2-{dashed}.{region_name}.compute.amazonaws.com"


def _task_eni_ids(attachments: list[dict[str, Any]]) -> list[str]:
    """The networkInterfaceId values of a task's ElasticNetworkInterface attachments."""
    return [
        d.get("value")
        for a in attachments
        if a.get("type") == "ElasticNetworkInterface"
        for d in a.get("details", [])
        if d.get("name") == "networkInterfaceId" and d.get("value")
    ]


def _patch_ecs_task_enis(applied: list[str]) -> None:
    from moto.ec2.models import ec2_backends
    from moto.ec2.models.elastic_network_interfaces import NetworkInterface
    from moto.ecs.models import EC2ContainerServiceBackend, Task
    from moto.moto_api._internal import mock_random

    override = _public_ip_override()
    original_init = Task.__init__
    original_stop = EC2ContainerServiceBackend.stop_task
    original_association = NetworkInterface.__dict__.get("association")
    if not isinstance(original_association, property):
        raise PatchError("moto's NetworkInterface.association is not a property")

    def random_public_ip(backend: Any) -> str:
        taken = {e.public_ip for e in backend.enis.values()}
        while True:
            offset = mock_random.randint(1, _PUBLIC_POOL.num_addresses - 2)
            candidate = str(_PUBLIC_POOL.network_address + offset)
            if candidate not in taken:
                return candidate

    def task_association(eni: Any) -> dict[str, Any]:
        association: dict[str, Any] = {"IpOwnerId": "amazon", "PublicIp": eni.public_ip}
        vpc = eni.ec2_backend.get_vpc(eni.subnet.vpc_id)
        hostnames = getattr(vpc, "enable_dns_hostnames", False)
        if hostnames is True or str(hostnames).lower() == "true":
            association["PublicDnsName"] = _public_dns_name(
                eni.public_ip, eni.ec2_backend.region_name
            )
        return association

    # AWS ECS, AwsVpcConfiguration.assignPublicIp: "Whether the task's elastic network
    # interface receives a public IP address" (Fargate; RunTask with EC2 launch type
    # refuses it). The address is an Amazon-owned public IPv4 address, not an Elastic
    # IP: EC2 DescribeNetworkInterfaces shows it as Association {PublicIp,
    # PublicDnsName (when the VPC has DNS hostnames), IpOwnerId: "amazon"}, also on the
    # primary entry of PrivateIpAddresses. Fargate tasks only come from RunTask here:
    # moto's services start no Task objects (their runningCount is
    # MOTO_ECS_SERVICE_RUNNING), so there is nothing more to cover. Where moto already
    # gave the interface a public IP, this stands aside.
    def assign_public_ip(task: Any) -> None:
        config = (getattr(task, "network_configuration", None) or {}).get("awsvpcConfiguration") or {}
        if str(config.get("assignPublicIp", "DISABLED")).upper() != "ENABLED":
            return
        fargate = (getattr(task, "launch_type", "") == "FARGATE"
                   or getattr(task, "capacity_provider_name", None) in ("FARGATE", "FARGATE_SPOT"))
        if not fargate:
            return
        backend = ec2_backends[task._account_id][task.region_name]
        for eni_id in _task_eni_ids(getattr(task, "attachments", None) or []):
            eni = backend.enis.get(eni_id)
            if eni is None or eni.public_ip:
                continue
            eni.public_ip = override or random_public_ip(backend)
            eni._mysfits_task_public_ip = eni.public_ip
            for address in eni.private_ip_addresses:
                if address.get("Primary"):
                    address["Association"] = task_association(eni)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        with _lock:
            assign_public_ip(self)

    def association(self: Any) -> dict[str, Any]:
        public_ip = getattr(self, "_mysfits_task_public_ip", None)
        if public_ip and self.public_ip == public_ip:
            return task_association(self)
        return original_association.fget(self)  # type: ignore[misc]

    # AWS ECS task networking (awsvpc): the task's elastic network interface is
    # created and managed by ECS and "is deleted when the task stops"; a stopped task
    # lists the attachment with status DELETED. An Amazon-assigned public IP belongs
    # to the interface and is released with it. (moto keeps the interface, address and
    # all.) Done by moto's own DeleteNetworkInterface.
    def release_enis(task: Any) -> None:
        backend = ec2_backends[task._account_id][task.region_name]
        for attachment in getattr(task, "attachments", None) or []:
            if attachment.get("type") != "ElasticNetworkInterface":
                continue
            for eni_id in _task_eni_ids([attachment]):
                if eni_id in backend.enis:
                    backend.delete_network_interface(eni_id)
            attachment["status"] = "DELETED"

    def stop_task(self: Any, cluster_str: str, task_str: str, reason: str) -> Any:
        task = original_stop(self, cluster_str, task_str, reason)
        with _lock:
            release_enis(task)
        return task

    __init__.__doc__ = original_init.__doc__
    stop_task.__doc__ = original_stop.__doc__
    Task.__init__ = __init__  # type: ignore[method-assign]
    NetworkInterface.association = property(association)  # type: ignore[method-assign,assignment]
    EC2ContainerServiceBackend.stop_task = stop_task  # type: ignore[method-assign]
    source = f"{PUBLIC_IP_ENV}={override}" if override else f"random from {_PUBLIC_POOL}"
    applied.append(f"ECS Fargate assignPublicIp ENABLED: public IP on the task ENI ({source}); "
                   "StopTask deletes the task ENI")


# --------------------------------------------------------------------------
# 6. ECS task lifecycle: RUNNING until stopped
# --------------------------------------------------------------------------

# moto's Task is a ManagedState with model name "ecs::task" and the transitions
# RUNNING -> DEACTIVATING -> STOPPING -> DEPROVISIONING -> STOPPED; moto registers
# {"progression": "manual", "times": 1} for it, so every DescribeTasks moves a task
# one state on although nothing stopped it. AWS (ECS task lifecycle): a task stays
# RUNNING until it is stopped (StopTask, a deployment, or its essential container
# exiting). "manual" with an unreachable number of DescribeTasks calls keeps it
# RUNNING; moto's StopTask sets STOPPED itself, which this leaves as it is.
TASK_MODEL = "ecs::task"


def _patch_ecs_task_lifecycle(applied: list[str]) -> None:
    from moto.ecs.models import Task
    from moto.moto_api import state_manager

    try:
        source = inspect.getsource(Task)
    except (OSError, TypeError):
        source = ""
    if TASK_MODEL not in state_manager.get_registered_models() or (source and TASK_MODEL not in source):
        raise PatchError(f"moto's ECS task is no longer the managed model {TASK_MODEL!r}")
    state_manager.register_default_transition(
        model_name=TASK_MODEL, transition={"progression": "manual", "times": sys.maxsize}
    )

    # The pin is only right while moto starts a task in RUNNING: were a newer moto to
    # start it in PROVISIONING, this would hold it there. Fail loudly then (RunTask
    # answers 500 with this message) rather than pass a task that never runs.
    initialised = Task.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        initialised(self, *args, **kwargs)
        first = self._transitions[0][0] if getattr(self, "_transitions", None) else None
        if first != "RUNNING":
            raise PatchError(f"moto's ECS task now starts in {first!r}, not RUNNING: "
                             f"the {TASK_MODEL} transition pin in patches.py needs revisiting")

    __init__.__doc__ = initialised.__doc__
    Task.__init__ = __init__  # type: ignore[method-assign]
    applied.append(f"ECS tasks stay RUNNING until StopTask (state manager {TASK_MODEL})")


# --------------------------------------------------------------------------
# 7. CloudFormation AWS::ElasticLoadBalancingV2::TargetGroup TargetGroupAttributes
# --------------------------------------------------------------------------


def _patch_cfn_target_group_attributes(applied: list[str]) -> None:
    from moto.elbv2.models import FakeTargetGroup, elbv2_backends

    # AWS::ElasticLoadBalancingV2::TargetGroup, TargetGroupAttributes: "The target group
    # attributes" (e.g. deregistration_delay.timeout_seconds), set as
    # elbv2:ModifyTargetGroupAttributes does; here by moto's own
    # modify_target_group_attributes. moto ignores them, so a stack's target group kept
    # the 300 s default deregistration delay.
    def apply_attributes(group: Any, properties: dict[str, Any], account_id: str,
                         region_name: str) -> None:
        attributes = properties.get("TargetGroupAttributes") or []
        given = {str(a["Key"]): str(a["Value"]) for a in attributes if "Key" in a}
        if given:
            elbv2_backends[account_id][region_name].modify_target_group_attributes(group.arn, given)

    _after_cfn_create(FakeTargetGroup, "AWS::ElasticLoadBalancingV2::TargetGroup",
                      "TargetGroupAttributes", "TargetGroupAttributes", apply_attributes, applied)


# --------------------------------------------------------------------------
# 8. ELBv2 SetRulePriorities: conflicts judged in the new order
# --------------------------------------------------------------------------


def _patch_set_rule_priorities(applied: list[str]) -> None:
    from moto.elbv2.exceptions import (DuplicatePriorityError, PriorityInUseError,
                                       RuleNotFoundError)
    from moto.elbv2.models import ELBv2Backend

    def set_rule_priorities(self: Any, rule_priorities: list[dict[str, Any]]) -> list[Any]:
        priorities = [int(rp["Priority"]) for rp in rule_priorities]
        for priority in set(priorities):
            if priorities.count(priority) > 1:
                raise DuplicatePriorityError(priority)
        moving = []
        for rp in rule_priorities:
            found = self.describe_rules(listener_arn=None, rule_arns=[rp["RuleArn"]])
            if not found:
                raise RuleNotFoundError()
            moving.append((found[0], int(rp["Priority"])))
        moved_arns = {rule.arn for rule, _ in moving}
        for rule, priority in moving:
            listener = self.describe_listeners(None, [rule.listener_arn])[0]
            for other in listener.rules.values():
                # Only rules this call leaves where they are can conflict.
                if other.arn not in moved_arns and other.priority == priority:
                    raise PriorityInUseError()
        for rule, priority in moving:
            rule.priority = priority
        return [rule for rule, _ in moving]

    ELBv2Backend.set_rule_priorities = set_rule_priorities  # type: ignore[method-assign]
    applied.append("ELBv2 SetRulePriorities: conflicts checked in the new order")


def apply(engine: bool = False) -> list[str]:
    """Apply every patch once; returns one line per patch for the launcher's log.

    ``engine``: the local engine (``python -m localaws``) runs the tasks and rolls the
    deployments itself, so patch 2 only starts deployments and never completes them."""
    if getattr(apply, "_applied", None) is not None:
        return apply._applied  # type: ignore[attr-defined]
    applied: list[str] = []
    _patch_cfn_deletions(applied)
    _patch_ecs_deployments(applied, complete=not engine)
    _patch_ecs_service_settings(applied)
    _patch_cfn_vpc_dns(applied)
    _patch_ecs_task_enis(applied)
    _patch_ecs_task_lifecycle(applied)
    _patch_cfn_target_group_attributes(applied)
    _patch_set_rule_priorities(applied)
    apply._applied = applied  # type: ignore[attr-defined]
    return applied
