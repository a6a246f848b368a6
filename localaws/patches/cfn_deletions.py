"""CloudFormation deletion for the resource types whose moto model has none.

AWS: ``DeleteStack`` deletes every resource of the stack, each as its own API call does,
and treats a resource that is already gone as deleted:

* ``AWS::EC2::SubnetRouteTableAssociation``: ec2:DisassociateRouteTable.
* ``AWS::EC2::Route``: ec2:DeleteRoute (a route whose table is gone went with it).
* ``AWS::EC2::RouteTable``: ec2:DeleteRouteTable (its routes go with it).
* ``AWS::EC2::VPCGatewayAttachment``: ec2:DetachInternetGateway.
* ``AWS::EC2::InternetGateway``: ec2:DeleteInternetGateway, refused with
  DependencyViolation while the gateway is attached to a VPC.
* ``AWS::EC2::NatGateway``: ec2:DeleteNatGateway. "Deleting a NAT gateway disassociates
  its Elastic IP address, but does not release the address", and deletes the gateway's
  network interface; the gateway stays visible as 'deleted'.
* ``AWS::EC2::EIP``: ec2:ReleaseAddress.
* ``AWS::ElasticLoadBalancingV2::TargetGroup``: elbv2:DeleteTargetGroup, refused with
  ResourceInUse while a listener or rule forwards to it.
* ``AWS::ECS::Cluster``: ecs:DeleteCluster; a deleted cluster stays listed as INACTIVE
  for a while.

moto 5.2: these models have no CloudFormation deletion, so ``DeleteStack`` of the core
stack raises ``DependencyViolation`` on the VPC and leaks them.

The patch gives each type a ``delete`` that calls moto's own backend operation (moto's
refusals included); a type moto already deletes itself is left alone. moto's deletion
loop (``ResourceMap.delete``) falls back to a silent no-op on TypeError/AttributeError,
so those are re-raised as ``PatchError``: a broken patch fails the deletion loudly
instead of passing as one. Not copied: AWS refuses ecs:DeleteCluster while services are
ACTIVE, but a refusal makes moto's DeleteStack drop the stack record while leaking its
other resources.
"""

from __future__ import annotations

from typing import Any, Callable

from ._shared import PatchError, Patching, unpatched


def _not_found(exc: Exception) -> bool:
    """True for moto's 'no such resource' errors (CloudFormation counts those deleted)."""
    code = str(getattr(exc, "code", "") or getattr(exc, "error_type", "") or "")
    name = type(exc).__name__
    return "NotFound" in code or "NotFound" in name


def _has_own_cfn_delete(cls: type) -> bool:
    """Whether moto already deletes this type with its stack."""
    if callable(unpatched(cls, "delete")):
        return True
    method = getattr(cls, "delete_from_cloudformation_json", None)
    return method is not None and not getattr(method, "__isabstractmethod__", False)


def _install_delete(cls: type, cfn_type: str, body: Callable[[Any, str, str], None],
                    patching: Patching) -> None:
    if _has_own_cfn_delete(cls):
        patching.note(f"{cfn_type}: moto deletes it itself, patch not needed")
        return

    def delete(self: Any, account_id: str, region_name: str) -> None:
        try:
            body(self, account_id, region_name)
        except (TypeError, AttributeError) as exc:  # moto would swallow these: see above
            raise PatchError(f"mysfits moto patch for {cfn_type} failed: {exc!r}") from exc

    delete.__doc__ = f"CloudFormation deletion of {cfn_type} (mysfits test patch)."
    patching.replace(cls, "delete", delete)
    patching.note(f"{cfn_type}: CloudFormation deletion added")


def apply(patching: Patching) -> None:
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

    # moto's CloudFormation records the association only in ``subnet_associations``
    # (not in the route table), so both places are cleared.
    def delete_association(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        table = backend.route_tables.get(self.route_table_id)
        if table is not None:
            for association_id, target in list(table._associations.items()):
                if target == self.subnet_id:
                    backend.disassociate_route_table(association_id)
        backend.subnet_associations.pop(f"{self.route_table_id}:{self.subnet_id}", None)

    _install_delete(SubnetRouteTableAssociation, "AWS::EC2::SubnetRouteTableAssociation",
                    delete_association, patching)

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

    _install_delete(Route, "AWS::EC2::Route", delete_route, patching)

    def delete_route_table(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self.id in backend.route_tables:
            backend.delete_route_table(self.id)

    _install_delete(RouteTable, "AWS::EC2::RouteTable", delete_route_table, patching)

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
                    delete_attachment, patching)

    def delete_igw(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self.id in backend.internet_gateways:
            backend.delete_internet_gateway(self.id)

    _install_delete(InternetGateway, "AWS::EC2::InternetGateway", delete_igw, patching)

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

    _install_delete(NatGateway, "AWS::EC2::NatGateway", delete_nat, patching)

    def delete_eip(self: Any, account_id: str, region_name: str) -> None:
        backend = ec2(account_id, region_name)
        if self not in backend.addresses:
            return
        if self.allocation_id:
            backend.release_address(allocation_id=self.allocation_id)
        else:
            backend.release_address(address=self.public_ip)

    _install_delete(ElasticAddress, "AWS::EC2::EIP", delete_eip, patching)

    def delete_target_group(self: Any, account_id: str, region_name: str) -> None:
        backend = elbv2_backends[account_id][region_name]
        if self.arn in backend.target_groups:
            backend.delete_target_group(self.arn)

    _install_delete(FakeTargetGroup, "AWS::ElasticLoadBalancingV2::TargetGroup",
                    delete_target_group, patching)

    def delete_cluster(self: Any, account_id: str, region_name: str) -> None:
        backend = ecs_backends[account_id][region_name]
        cluster = backend.clusters.get(self.name)
        if cluster is not None and cluster.status != "INACTIVE":
            backend.delete_cluster(self.name)

    _install_delete(Cluster, "AWS::ECS::Cluster", delete_cluster, patching)
