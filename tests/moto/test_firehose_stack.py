"""CloudFormation for Firehose and its buffered delivery to S3, on the launcher's moto
(``localaws/patches/cfn_firehose.py``, ``firehose_buffering.py``).

One stack holds what the lab's clickstream needs: a bucket, the delivery role, and the
``ClicksStream`` of templates/core.yaml (same shape: a DirectPut stream to the bucket,
``Prefix: clicks/``, ``BufferingHints`` from the ``ClicksBufferSeconds`` parameter and 1
MiB). Against ``launch.py`` (moto on 127.0.0.1): CREATE_COMPLETE and the stream as
DescribeDeliveryStream shows it; three PutRecords make no object before the interval and
exactly one after it, holding the three lines as sent, under AWS's default key; a batch
past ``SizeInMBs`` is written at once, without waiting; an update of the interval and tags
in place (same ARN, version 2, in the next object's key); a new stream name replaces the
stream; DeleteStack removes it. Without a stack: interval 0 delivers at once, a write to a
missing bucket is retried until the bucket exists, a deleted stream's buffer is dropped.
The template also passes cfn-lint.

Run: .venv/bin/python -m pytest tests/moto/test_firehose_stack.py -q
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from test_core_stack import LAB, REGION, Launcher, delete_stack, outputs_of, wait_stack

INTERVAL = 2  # seconds; the lab's local default is 2-5
# AWS's key: <prefix>YYYY/MM/dd/HH/<stream>-<version>-YYYY-MM-dd-HH-mm-ss-<uuid> (UTC).
KEY = re.compile(r"^clicks/(\d{4})/(\d\d)/(\d\d)/(\d\d)/(?P<stream>.+)-(?P<version>\d+)-"
                 r"(?P<time>\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d)-"
                 r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def template(extra_tags: list[dict[str, Any]]) -> dict[str, Any]:
    """The stack; ``extra_tags`` (and the parameters) are what the updates change."""
    resources: dict[str, Any] = {
        "ClicksBucket": {"Type": "AWS::S3::Bucket", "Properties": {
            "PublicAccessBlockConfiguration": {
                "BlockPublicAcls": True, "BlockPublicPolicy": True,
                "IgnorePublicAcls": True, "RestrictPublicBuckets": True}}},
        "ClicksDeliveryRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "firehose.amazonaws.com"},
                "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "deliver", "PolicyDocument": {
                "Version": "2012-10-17", "Statement": [{
                    "Effect": "Allow",
                    "Action": ["s3:AbortMultipartUpload", "s3:GetBucketLocation", "s3:GetObject",
                               "s3:ListBucket", "s3:ListBucketMultipartUploads", "s3:PutObject"],
                    "Resource": [{"Fn::GetAtt": ["ClicksBucket", "Arn"]},
                                 {"Fn::Sub": "${ClicksBucket.Arn}/*"}]}]}}]}},
        # As templates/core.yaml declares it.
        "ClicksStream": {"Type": "AWS::KinesisFirehose::DeliveryStream", "Properties": {
            "DeliveryStreamName": {"Fn::Sub": "${LabName}-clicks"},
            "DeliveryStreamType": "DirectPut",
            "DeliveryStreamEncryptionConfigurationInput": {"KeyType": "AWS_OWNED_CMK"},
            "ExtendedS3DestinationConfiguration": {
                "BucketARN": {"Fn::GetAtt": ["ClicksBucket", "Arn"]},
                "RoleARN": {"Fn::GetAtt": ["ClicksDeliveryRole", "Arn"]},
                "Prefix": "clicks/",
                "ErrorOutputPrefix": "errors/",
                "CompressionFormat": "UNCOMPRESSED",
                "BufferingHints": {"IntervalInSeconds": {"Ref": "ClicksBufferSeconds"},
                                   "SizeInMBs": 1}},
            "Tags": [{"Key": "mysfits:lab", "Value": {"Ref": "LabName"}}, *extra_tags]}},
    }
    return {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Parameters": {
            "LabName": {"Type": "String"},
            "ClicksBufferSeconds": {"Type": "Number", "MinValue": 0, "MaxValue": 900},
        },
        "Resources": resources,
        "Outputs": {
            "StreamName": {"Value": {"Ref": "ClicksStream"}},
            "StreamArn": {"Value": {"Fn::GetAtt": ["ClicksStream", "Arn"]}},
            "BucketName": {"Value": {"Ref": "ClicksBucket"}},
            "BucketArn": {"Value": {"Fn::GetAtt": ["ClicksBucket", "Arn"]}},
            "RoleArn": {"Value": {"Fn::GetAtt": ["ClicksDeliveryRole", "Arn"]}},
        },
    }


def _parameters(lab: str, seconds: int) -> list[dict[str, str]]:
    return [{"ParameterKey": "LabName", "ParameterValue": lab},
            {"ParameterKey": "ClicksBufferSeconds", "ParameterValue": str(seconds)}]


@pytest.fixture(scope="module")
def moto() -> Iterator[Launcher]:
    launcher = Launcher()
    yield launcher
    launcher.stop()


def _clients(endpoint: str) -> dict[str, Any]:
    config = Config(retries={"max_attempts": 1}, proxies={})
    made = {name: boto3.client(name, endpoint_url=endpoint, region_name=REGION, config=config,
                               aws_access_key_id="testing", aws_secret_access_key="testing")
            for name in ("cloudformation", "firehose")}
    made["s3"] = boto3.client("s3", endpoint_url=endpoint, region_name=REGION,
                              aws_access_key_id="testing", aws_secret_access_key="testing",
                              config=config.merge(Config(s3={"addressing_style": "path"})))
    return made


def _keys(s3: Any, bucket: str) -> list[str]:
    return sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", []))


def _wait_for_keys(s3: Any, bucket: str, count: int, deadline: float) -> list[str]:
    """The bucket's keys once it holds ``count`` of them, or whatever it holds at the deadline."""
    while True:
        keys = _keys(s3, bucket)
        if len(keys) >= count or time.monotonic() > deadline:
            return keys
        time.sleep(0.1)


def _key_time(key: str) -> datetime:
    """The key's time, checked against its own time prefix."""
    found = KEY.match(key)
    assert found, key
    when = datetime.strptime(found["time"], "%Y-%m-%d-%H-%M-%S").replace(tzinfo=timezone.utc)
    assert found.group(1, 2, 3, 4) == (f"{when:%Y}", f"{when:%m}", f"{when:%d}", f"{when:%H}")
    return when


def test_stack_makes_buffers_updates_replaces_and_deletes_the_stream(moto: Launcher) -> None:
    c = _clients(moto.endpoint)
    cfn, firehose, s3 = c["cloudformation"], c["firehose"], c["s3"]
    stack_id = cfn.create_stack(StackName=LAB, TemplateBody=json.dumps(template([])),
                                Parameters=_parameters(LAB, INTERVAL),
                                Capabilities=["CAPABILITY_IAM"])["StackId"]
    assert wait_stack(cfn, stack_id) == "CREATE_COMPLETE"
    out = outputs_of(c, stack_id)
    name, bucket = f"{LAB}-clicks", out["BucketName"]

    # The stream as the template says; Ref is its name, GetAtt Arn its ARN.
    assert out["StreamName"] == name
    stream = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert stream["DeliveryStreamARN"] == out["StreamArn"]
    assert out["StreamArn"].startswith("arn:aws:firehose:") and out["StreamArn"].endswith(f":deliverystream/{name}")
    assert (stream["DeliveryStreamStatus"], stream["DeliveryStreamType"], stream["VersionId"]) == (
        "ACTIVE", "DirectPut", "1")
    assert stream["DeliveryStreamEncryptionConfiguration"]["KeyType"] == "AWS_OWNED_CMK"
    [destination] = stream["Destinations"]
    s3_destination = destination["ExtendedS3DestinationDescription"]
    assert {k: s3_destination[k] for k in ("BucketARN", "RoleARN", "Prefix", "ErrorOutputPrefix",
                                           "CompressionFormat", "BufferingHints")} == {
        "BucketARN": out["BucketArn"], "RoleARN": out["RoleArn"], "Prefix": "clicks/",
        "ErrorOutputPrefix": "errors/", "CompressionFormat": "UNCOMPRESSED",
        "BufferingHints": {"IntervalInSeconds": INTERVAL, "SizeInMBs": 1}}
    assert firehose.list_tags_for_delivery_stream(DeliveryStreamName=name)["Tags"] == [
        {"Key": "mysfits:lab", "Value": LAB}]

    # Three clicks: held for the interval, then one object with the three lines as sent.
    lines = [json.dumps({"mysfitId": str(i), "event": "click"}) + "\n" for i in range(3)]
    sent_at = datetime.now(timezone.utc)
    first = time.monotonic()
    for line in lines:
        firehose.put_record(DeliveryStreamName=name, Record={"Data": line.encode()})
    assert _keys(s3, bucket) == []
    time.sleep(max(0.0, first + INTERVAL - 0.7 - time.monotonic()))
    assert _keys(s3, bucket) == [], "delivered before the buffer interval was over"
    [key] = _wait_for_keys(s3, bucket, 1, first + INTERVAL + 3)
    assert time.monotonic() - first >= INTERVAL - 0.1
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read().decode() == "".join(lines)
    found = KEY.match(key)
    assert found and (found["stream"], found["version"]) == (name, "1"), key
    assert abs(_key_time(key) - sent_at) < timedelta(seconds=3)  # the oldest record's arrival
    time.sleep(1)
    assert _keys(s3, bucket) == [key]  # delivered once

    # Past SizeInMBs: what was held goes at once, before the record that would pass it.
    s3.delete_object(Bucket=bucket, Key=key)
    big = [{"Data": bytes([65 + i]) * (400 * 1024)} for i in range(3)]  # 3 x 400 KiB > 1 MiB
    first = time.monotonic()
    assert firehose.put_record_batch(DeliveryStreamName=name, Records=big)["FailedPutCount"] == 0
    [full] = _keys(s3, bucket)
    assert s3.get_object(Bucket=bucket, Key=full)["Body"].read() == big[0]["Data"] + big[1]["Data"]
    keys = _wait_for_keys(s3, bucket, 2, first + INTERVAL + 3)
    [rest] = [k for k in keys if k != full]
    assert s3.get_object(Bucket=bucket, Key=rest)["Body"].read() == big[2]["Data"]
    for k in keys:
        s3.delete_object(Bucket=bucket, Key=k)

    # The interval and tags, updated in place: the same stream, its version 2 in the keys.
    cfn.update_stack(StackName=LAB, TemplateBody=json.dumps(template([{"Key": "stage", "Value": "two"}])),
                     Parameters=_parameters(LAB, INTERVAL + 1), Capabilities=["CAPABILITY_IAM"])
    assert wait_stack(cfn, stack_id) == "UPDATE_COMPLETE"
    assert outputs_of(c, stack_id) == out
    stream = firehose.describe_delivery_stream(DeliveryStreamName=name)["DeliveryStreamDescription"]
    assert stream["VersionId"] == "2"
    hints = stream["Destinations"][0]["ExtendedS3DestinationDescription"]["BufferingHints"]
    assert hints == {"IntervalInSeconds": INTERVAL + 1, "SizeInMBs": 1}
    assert sorted(t["Key"] for t in firehose.list_tags_for_delivery_stream(
        DeliveryStreamName=name)["Tags"]) == ["mysfits:lab", "stage"]
    first = time.monotonic()
    firehose.put_record(DeliveryStreamName=name, Record={"Data": lines[0].encode()})
    time.sleep(max(0.0, first + INTERVAL + 0.3 - time.monotonic()))
    assert _keys(s3, bucket) == [], "the old interval still applies"
    [key] = _wait_for_keys(s3, bucket, 1, first + INTERVAL + 1 + 3)
    found = KEY.match(key)
    assert found and found["version"] == "2", key
    s3.delete_object(Bucket=bucket, Key=key)

    # A new name is a new stream: replacement, the old one deleted.
    cfn.update_stack(StackName=LAB, TemplateBody=json.dumps(template([])),
                     Parameters=_parameters(f"{LAB}2", INTERVAL + 1), Capabilities=["CAPABILITY_IAM"])
    assert wait_stack(cfn, stack_id) == "UPDATE_COMPLETE"
    replaced = outputs_of(c, stack_id)
    assert replaced["StreamName"] == f"{LAB}2-clicks" and replaced["StreamArn"] != out["StreamArn"]
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == [f"{LAB}2-clicks"]

    assert delete_stack(c, stack_id) == "DELETE_COMPLETE"
    assert firehose.list_delivery_streams()["DeliveryStreamNames"] == []


def test_interval_zero_a_missing_bucket_and_a_deleted_stream(moto: Launcher) -> None:
    """Interval 0 delivers at once; a write to a missing bucket is retried until it exists;
    what a deleted stream held is dropped (AWS guarantees nothing of it)."""
    c = _clients(moto.endpoint)
    firehose, s3 = c["firehose"], c["s3"]
    bucket, name = "clicks-later", "edges"
    firehose.create_delivery_stream(DeliveryStreamName=name, ExtendedS3DestinationConfiguration={
        "BucketARN": f"arn:aws:s3:::{bucket}", "RoleARN": "arn:aws:iam::123456789012:role/deliver",
        "BufferingHints": {"IntervalInSeconds": 0, "SizeInMBs": 1}})
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"a\n"})
    time.sleep(1.5)  # written, refused (no bucket), kept
    s3.create_bucket(Bucket=bucket)
    [key] = _wait_for_keys(s3, bucket, 1, time.monotonic() + 3)
    found = KEY.match("clicks/" + key)  # no Prefix: the key starts with the time
    assert found and (found["stream"], found["version"]) == (name, "1"), key
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"a\n"
    s3.delete_object(Bucket=bucket, Key=key)

    firehose.put_record_batch(DeliveryStreamName=name, Records=[{"Data": b"b\n"}, {"Data": b"c\n"}])
    [key] = _wait_for_keys(s3, bucket, 1, time.monotonic() + 2)
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == b"b\nc\n"  # one object
    s3.delete_object(Bucket=bucket, Key=key)

    firehose.update_destination(
        DeliveryStreamName=name, CurrentDeliveryStreamVersionId="1",
        DestinationId="destinationId-000000000001",
        ExtendedS3DestinationUpdate={"BufferingHints": {"IntervalInSeconds": 1, "SizeInMBs": 1}})
    firehose.put_record(DeliveryStreamName=name, Record={"Data": b"d\n"})
    firehose.delete_delivery_stream(DeliveryStreamName=name)
    time.sleep(2.5)
    assert _keys(s3, bucket) == []
    s3.delete_bucket(Bucket=bucket)


def test_template_passes_cfn_lint(tmp_path: Path) -> None:
    """The stack above is a template AWS would take (cfn-lint beside the venv's Python)."""
    path = tmp_path / "firehose.json"
    path.write_text(json.dumps(template([{"Key": "stage", "Value": "two"}])))
    lint = Path(sys.executable).with_name("cfn-lint")
    done = subprocess.run([str(lint if lint.exists() else "cfn-lint"), str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr
