"""ECS Fargate tasks with assignPublicIp ENABLED get a public IP; StopTask releases it.

AWS ECS, AwsVpcConfiguration.assignPublicIp: "Whether the task's elastic network
interface receives a public IP address" (Fargate; RunTask with the EC2 launch type
refuses it). The address is an Amazon-owned public IPv4 address, not an Elastic IP: EC2
DescribeNetworkInterfaces shows it as ``Association`` {``PublicIp``, ``PublicDnsName``
(when the VPC has DNS hostnames), ``IpOwnerId: amazon``}, also on the primary entry of
``PrivateIpAddresses``. The task's interface is created and managed by ECS and "is
deleted when the task stops"; a stopped task lists the attachment with status DELETED,
and the public IP is released with the interface.

moto 5.2 gives the interface no public IP, and keeps the interface, address and all,
after StopTask.

The patch gives the interface of each such task (Fargate tasks only come from RunTask
here: moto's services start no Task objects) a public IP where moto gave none, and
deletes it on StopTask by moto's own DeleteNetworkInterface. The address is random from
3.80.0.0/12 (part of the EC2 us-east-1 ranges in ip-ranges.json; never contacted), or
the value of ``MYSFITS_MOTO_PUBLIC_IP``, which must be a loopback address (e.g.
127.0.0.1; anything else stops the launcher at start): it stands in for the
Internet-reachable address AWS would assign, so that a test's HTTP probe of "the task's
public IP" reaches a test server on this host and nothing else (docs/architecture.md: never
send traffic anywhere but 127.0.0.1).
"""

from __future__ import annotations

import ipaddress
import os
from typing import Any

from ._shared import PatchError, Patching, lock

PUBLIC_IP_ENV = "MYSFITS_MOTO_PUBLIC_IP"
_PUBLIC_POOL = ipaddress.IPv4Network("3.80.0.0/12")


def _public_ip_override() -> str | None:
    """The launcher's stand-in address, if it names one; only loopback is taken."""
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


def apply(patching: Patching) -> None:
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
        with lock:
            assign_public_ip(self)

    def association(self: Any) -> dict[str, Any]:
        public_ip = getattr(self, "_mysfits_task_public_ip", None)
        if public_ip and self.public_ip == public_ip:
            return task_association(self)
        return original_association.fget(self)  # type: ignore[misc]

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
        with lock:
            release_enis(task)
        return task

    __init__.__doc__ = original_init.__doc__
    stop_task.__doc__ = original_stop.__doc__
    patching.replace(Task, "__init__", __init__)
    patching.replace(NetworkInterface, "association", property(association))
    patching.replace(EC2ContainerServiceBackend, "stop_task", stop_task)
    source = f"{PUBLIC_IP_ENV}={override}" if override else f"random from {_PUBLIC_POOL}"
    patching.note(f"ECS Fargate assignPublicIp ENABLED: public IP on the task ENI ({source}); "
                  "StopTask deletes the task ENI")
