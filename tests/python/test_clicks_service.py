"""The clicks-service alone, on moto: a click becomes one enriched JSON line on a real
Firehose stream (moto's, delivering to its S3), an unknown mysfit or a bad body none."""
import json
import os
import subprocess
import sys

import boto3
import pytest

from conftest import CLICKS_DIR, MYSFITS, free_port, load_app_module

COLE = next(m for m in MYSFITS if m["Name"] == "Cole")
BUCKET = "clicks-test"
STREAM = "mysfits-test-clicks"


@pytest.fixture(scope="module")
def clicks_app():
    return load_app_module(CLICKS_DIR, "clicks_service_app")


@pytest.fixture(scope="module")
def stream(moto_url):
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    boto3.client("firehose").create_delivery_stream(
        DeliveryStreamName=STREAM, DeliveryStreamType="DirectPut",
        ExtendedS3DestinationConfiguration={
            "BucketARN": f"arn:aws:s3:::{BUCKET}", "Prefix": "clicks/",
            "RoleARN": "arn:aws:iam::123456789012:role/firehose",
            "BufferingHints": {"IntervalInSeconds": 0, "SizeInMBs": 1}})
    return s3


def records(s3):
    lines = []
    for obj in s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
        body = s3.get_object(Bucket=BUCKET, Key=obj["Key"])["Body"].read().decode()
        lines += [json.loads(line) for line in body.splitlines() if line]
    return lines


def test_start_up_needs_both_settings():
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "MONOLITH_URL": "x.internal"}
    proc = subprocess.run([sys.executable, "app.py"], cwd=CLICKS_DIR, env=env,
                          capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "CLICKS_STREAM" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_click_becomes_one_enriched_record(clicks_app, stream, monolith_in_thread):
    client = clicks_app.create_app(monolith_in_thread, STREAM, boto3.client("firehose"))
    before = len(records(stream))
    resp = client.test_client().post("/clicks", json={"mysfitId": COLE["MysfitId"]})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["recordId"]
    new = records(stream)[before:]
    assert len(new) == 1
    line = new[0]
    assert line["mysfitId"] == COLE["MysfitId"]
    assert (line["name"], line["species"]) == (COLE["Name"], COLE["Species"])
    assert (line["goodevil"], line["lawchaos"]) == (COLE["GoodEvil"], COLE["LawChaos"])
    assert line["clickedAt"].endswith("Z")


@pytest.mark.parametrize("body, status", [
    ({"mysfitId": "no-such-mysfit"}, 404),
    ({"id": "x"}, 400),
    ("not json", 400),
])
def test_no_record_for_a_bad_click(clicks_app, stream, monolith_in_thread, body, status):
    client = clicks_app.create_app(monolith_in_thread, STREAM, boto3.client("firehose"))
    before = len(records(stream))
    if isinstance(body, dict):
        resp = client.test_client().post("/clicks", json=body)
    else:
        resp = client.test_client().post("/clicks", data=body)
    assert resp.status_code == status
    assert resp.get_json()["error"]
    assert len(records(stream)) == before


def test_unreachable_api_or_missing_stream_is_502(clicks_app, stream, monolith_in_thread):
    closed = clicks_app.create_app(f"127.0.0.1:{free_port()}", STREAM, boto3.client("firehose"), 2)
    resp = closed.test_client().post("/clicks", json={"mysfitId": COLE["MysfitId"]})
    assert resp.status_code == 502 and "could not read the mysfit" in resp.get_json()["error"]
    gone = clicks_app.create_app(monolith_in_thread, "no-such-stream", boto3.client("firehose"))
    resp = gone.test_client().post("/clicks", json={"mysfitId": COLE["MysfitId"]})
    assert resp.status_code == 502 and "no-such-stream" in resp.get_json()["error"]
