"""Every foreign resource of the shop's setup as one JSON document, so that a run of
mysfits against it can be proved to have left it as it was (a diff of two snapshots).

Stable order: every list whose order AWS does not promise is sorted, and resources are
keyed by what names them (a listener by protocol:port, a rule by its ARN's id, a target
group by its name). Normalised only where AWS itself varies between two reads of an
unchanged setup: the ECS service's running/pending counts, events and rollout progress,
the cluster's task counts, the log group's stored bytes, a subnet's free addresses,
and target health; and a target group's load balancers are listed once (moto lists one
per listener that uses the group, AWS once). The registered targets of the default group
are kept only when it is an instance group: an ip group's targets are task addresses,
which ECS replaces on its own."""

from __future__ import annotations

import datetime
import json
from typing import Any

from foreign_aws import Aws
from foreign_make import DEFAULT_GROUP, LOG_GROUP
from foreign_rules import EXTRA_GROUPS


def plain(value: Any) -> Any:
    """JSON-ready: datetimes as ISO text, lists of equal kind as given (callers sort)."""
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def canonical(value: Any) -> str:
    return json.dumps(plain(value), sort_keys=True)


def sorted_json(items: list[Any]) -> list[Any]:
    return sorted((plain(i) for i in items), key=canonical)


def tag_map(tags: list[dict[str, str]] | None, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {t[key]: t[value] for t in tags or []}


def elb_tags(aws: Aws, arn: str) -> dict[str, str]:
    return tag_map(aws.elbv2.describe_tags(ResourceArns=[arn])["TagDescriptions"][0].get("Tags"))


def attributes(items: list[dict[str, str]]) -> dict[str, str]:
    return {a["Key"]: a["Value"] for a in items}


def rule(aws: Aws, r: dict[str, Any]) -> dict[str, Any]:
    out = plain(r)
    out["Conditions"] = sorted_json(r.get("Conditions", []))
    out["Actions"] = sorted(plain(r.get("Actions", [])), key=lambda a: (a.get("Order", 0), canonical(a)))
    out["Tags"] = elb_tags(aws, r["RuleArn"])
    return out


def listeners(aws: Aws, lb_arn: str) -> dict[str, Any]:
    elbv2, out = aws.elbv2, {}
    for listener in elbv2.describe_listeners(LoadBalancerArn=lb_arn)["Listeners"]:
        arn = listener["ListenerArn"]
        item = plain(listener)
        item["Certificates"] = sorted_json(listener.get("Certificates", []))
        item["DefaultActions"] = sorted(plain(listener["DefaultActions"]), key=lambda a: (a.get("Order", 0), canonical(a)))
        item["Attributes"] = attributes(elbv2.describe_listener_attributes(ListenerArn=arn)["Attributes"])
        item["ListenerCertificates"] = sorted_json(elbv2.describe_listener_certificates(ListenerArn=arn)["Certificates"])
        item["Tags"] = elb_tags(aws, arn)
        item["Rules"] = {r["RuleArn"].rsplit("/", 1)[1]: rule(aws, r)
                         for r in elbv2.describe_rules(ListenerArn=arn)["Rules"]}
        out[f"{listener['Protocol']}:{listener['Port']}"] = item
    return out


def target_groups(aws: Aws, arns: list[str] | None, names: list[str]) -> dict[str, Any]:
    elbv2, out = aws.elbv2, {}
    found = (elbv2.describe_target_groups(TargetGroupArns=arns) if arns
             else elbv2.describe_target_groups(Names=names))["TargetGroups"]
    for group in found:
        arn = group["TargetGroupArn"]
        item = plain(group)
        item["LoadBalancerArns"] = sorted(set(group.get("LoadBalancerArns", [])))
        item["Attributes"] = attributes(elbv2.describe_target_group_attributes(TargetGroupArn=arn)["Attributes"])
        item["Tags"] = elb_tags(aws, arn)
        if group["TargetGroupName"] == DEFAULT_GROUP and group["TargetType"] == "instance":
            health = elbv2.describe_target_health(TargetGroupArn=arn)["TargetHealthDescriptions"]
            item["Targets"] = sorted_json([h["Target"] for h in health])
        out[group["TargetGroupName"]] = item
    return out


def security_group(g: dict[str, Any]) -> dict[str, Any]:
    item = plain(g)
    item["Tags"] = tag_map(g.get("Tags"))
    for key in ("IpPermissions", "IpPermissionsEgress"):
        perms = []
        for p in g.get(key, []):
            p = plain(p)
            for inner in ("IpRanges", "Ipv6Ranges", "PrefixListIds", "UserIdGroupPairs"):
                p[inner] = sorted_json(p.get(inner, []))
            perms.append(p)
        item[key] = sorted(perms, key=canonical)
    return item


def network(aws: Aws, vpc: str) -> dict[str, Any]:
    ec2, by_vpc = aws.ec2, [{"Name": "vpc-id", "Values": [vpc]}]
    net: dict[str, Any] = {"vpc": plain(ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0])}
    net["vpc"]["Tags"] = tag_map(net["vpc"].get("Tags"))
    net["subnets"] = {s["SubnetId"]: {**plain(s), "Tags": tag_map(s.get("Tags")),
                                      "AvailableIpAddressCount": None}  # varies with every ENI
                      for s in ec2.describe_subnets(Filters=by_vpc)["Subnets"]}
    net["route_tables"] = {t["RouteTableId"]: {**plain(t), "Tags": tag_map(t.get("Tags")),
                                               "Routes": sorted_json(t["Routes"]),
                                               "Associations": sorted_json(t["Associations"])}
                           for t in ec2.describe_route_tables(Filters=by_vpc)["RouteTables"]}
    net["internet_gateways"] = {g["InternetGatewayId"]: {**plain(g), "Tags": tag_map(g.get("Tags"))}
                                for g in ec2.describe_internet_gateways(
                                    Filters=[{"Name": "attachment.vpc-id", "Values": [vpc]}])["InternetGateways"]}
    net["security_groups"] = {g["GroupName"]: security_group(g)
                              for g in ec2.describe_security_groups(Filters=by_vpc)["SecurityGroups"]}
    reservations = ec2.describe_instances(Filters=by_vpc)["Reservations"]
    net["instances"] = {i["InstanceId"]: {
        "ImageId": i["ImageId"], "InstanceType": i["InstanceType"], "State": i["State"]["Name"],
        "SubnetId": i.get("SubnetId"), "PrivateIpAddress": i.get("PrivateIpAddress"),
        "SecurityGroups": sorted_json(i.get("SecurityGroups", [])), "Tags": tag_map(i.get("Tags"))}
        for r in reservations for i in r["Instances"]}
    return net


def ecs(aws: Aws, cluster_name: str, service_name: str) -> dict[str, Any] | None:
    clusters = aws.ecs.describe_clusters(clusters=[cluster_name], include=["SETTINGS", "TAGS"])["clusters"]
    if not clusters:
        return None
    cluster = {k: v for k, v in plain(clusters[0]).items()
               if k not in ("runningTasksCount", "pendingTasksCount", "activeServicesCount", "statistics",
                            "registeredContainerInstancesCount")}
    out: dict[str, Any] = {"cluster": cluster}
    services = aws.ecs.describe_services(cluster=cluster_name, services=[service_name], include=["TAGS"])["services"]
    if services:
        service = {k: v for k, v in plain(services[0]).items()
                   if k not in ("runningCount", "pendingCount", "events", "deployments")}
        # What was deployed, and not how far along: a new deployment is a new id.
        service["deployments"] = sorted_json([{"id": d["id"], "taskDefinition": d["taskDefinition"],
                                               "desiredCount": d["desiredCount"]} for d in services[0]["deployments"]])
        service["loadBalancers"] = sorted_json(service.get("loadBalancers", []))
        out["service"] = service
        td = aws.ecs.describe_task_definition(taskDefinition=services[0]["taskDefinition"], include=["TAGS"])
        out["task_definition"] = {**plain(td["taskDefinition"]), "tags": plain(td.get("tags", []))}
    return out


def log_group(aws: Aws, name: str) -> dict[str, Any] | None:
    for group in aws.logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]:
        if group["logGroupName"] == name:
            return {k: v for k, v in group.items() if k != "storedBytes"}
    return None


def certificates(aws: Aws, arns: set[str]) -> dict[str, Any]:
    out = {}
    for arn in sorted(arns):
        c = aws.acm.describe_certificate(CertificateArn=arn)["Certificate"]
        out[arn] = {k: plain(c.get(k)) for k in ("DomainName", "SubjectAlternativeNames", "Serial", "Subject",
                                                 "NotBefore", "NotAfter", "Status", "Type", "KeyAlgorithm")}
    return out


def snapshot(endpoint: str, lb_name: str, made: dict[str, Any] | None) -> dict[str, Any]:
    aws = Aws(endpoint)
    lb = aws.elbv2.describe_load_balancers(Names=[lb_name])["LoadBalancers"][0]
    arn = lb["LoadBalancerArn"]
    out: dict[str, Any] = {"load_balancer": {
        **plain(lb), "AvailabilityZones": sorted_json(lb["AvailabilityZones"]),
        "SecurityGroups": sorted(lb.get("SecurityGroups", [])),
        "Attributes": attributes(aws.elbv2.describe_load_balancer_attributes(LoadBalancerArn=arn)["Attributes"]),
        "Tags": elb_tags(aws, arn)}}
    out["listeners"] = listeners(aws, arn)
    group_arns = sorted(made["target_groups"].values()) if made else None
    out["target_groups"] = target_groups(aws, group_arns, [DEFAULT_GROUP, *EXTRA_GROUPS])
    out["certificates"] = certificates(aws, {c["CertificateArn"] for item in out["listeners"].values()
                                             for c in item["Certificates"] + item["ListenerCertificates"]})
    out["network"] = network(aws, lb["VpcId"])
    cluster = made.get("cluster", "").rsplit("/", 1)[-1] if made else lb_name
    out["ecs"] = ecs(aws, cluster or lb_name, DEFAULT_GROUP) if not made or made.get("kind") == "ecs" else None
    out["log_group"] = log_group(aws, made.get("log_group", LOG_GROUP) if made else LOG_GROUP)
    return plain(out)
