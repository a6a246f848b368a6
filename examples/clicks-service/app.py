"""Mythical Mysfits clicks-service: the clickstream's processor, split out at /clicks.

The workshop (module 5) sends each profile click from API Gateway into Kinesis Data
Firehose and enriches the records in a Lambda transform (streamProcessor.py). Here the
same work is one small Fargate service behind the lab's load balancer: it takes
POST /clicks {"mysfitId": ...}, reads the mysfit from the mysfits API
(GET http://$MONOLITH_URL/mysfits/<id>), and puts one JSON line on the Firehose stream:
{"mysfitId", "name", "species", "goodevil", "lawchaos", "clickedAt"}. Firehose buffers the
lines and writes them to the clicks bucket.

An unknown mysfit is a 404 and no record; a mysfits API that cannot be reached or a
stream that refuses the record is a JSON 502, never a silent 200.

Env: MONOLITH_URL (required: host[:port], no scheme), CLICKS_STREAM (required: the
delivery stream's name), PORT (default 80), HOST (default 0.0.0.0), MONOLITH_TIMEOUT
(seconds, default 5). The AWS region and credentials come as for any boto3 client.
"""
import datetime
import json
import os
import sys

import boto3
import botocore.exceptions
import requests
from flask import Flask, jsonify, request

# What the workshop's streamProcessor.py copies from the mysfit into each record.
FIELDS = ("name", "species", "goodevil", "lawchaos")


def record(mysfit_id, mysfit, now):
    """One click as the line Firehose stores (newline-ended: Firehose adds no delimiter)."""
    line = {"mysfitId": mysfit_id, **{k: mysfit.get(k) for k in FIELDS},
            "clickedAt": now.isoformat(timespec="milliseconds").replace("+00:00", "Z")}
    return (json.dumps(line, sort_keys=True) + "\n").encode()


def create_app(monolith_url, stream, firehose, timeout=5.0):
    app = Flask(__name__)

    @app.route("/")
    def health():
        return jsonify(message="clicks-service is healthy")

    @app.route("/clicks", methods=["POST"])
    def click():
        body = request.get_json(silent=True)
        mysfit_id = body.get("mysfitId") if isinstance(body, dict) else None
        if not isinstance(mysfit_id, str) or not mysfit_id or "/" in mysfit_id:
            return jsonify(error='expected a JSON body {"mysfitId": "<id>"}'), 400
        url = f"http://{monolith_url}/mysfits/{mysfit_id}"
        try:
            answer = requests.get(url, timeout=timeout)
        except requests.RequestException as err:
            return jsonify(error=f"could not read the mysfit: GET {url}: {err}"), 502
        if answer.status_code == 404:
            return jsonify(error=f"no mysfit with id {mysfit_id}"), 404
        if answer.status_code != 200:
            return jsonify(error=f"the mysfits API answered {answer.status_code} to GET {url}"), 502
        try:
            mysfit = answer.json()
        except ValueError:
            return jsonify(error=f"the mysfits API answered non-JSON to GET {url}"), 502
        data = record(mysfit_id, mysfit, datetime.datetime.now(datetime.timezone.utc))
        try:
            put = firehose.put_record(DeliveryStreamName=stream, Record={"Data": data})
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as err:
            return jsonify(error=f"the clicks stream {stream} refused the record: {err}"), 502
        print(f"Click recorded: {mysfit_id} ({mysfit.get('name')})", flush=True)
        return jsonify(recordId=put["RecordId"]), 200

    return app


def main():
    monolith_url = os.environ.get("MONOLITH_URL", "").strip()
    stream = os.environ.get("CLICKS_STREAM", "").strip()
    if not monolith_url or not stream:
        sys.exit("clicks-service: set MONOLITH_URL (the mysfits API's host, e.g. the ALB "
                 "DNS name, without http://) and CLICKS_STREAM (the Firehose stream's name)")
    if "://" in monolith_url or "/" in monolith_url:
        sys.exit(f"clicks-service: MONOLITH_URL must be host[:port] without scheme or path, "
                 f"got {monolith_url!r}")
    app = create_app(monolith_url, stream, boto3.client("firehose"),
                     float(os.environ.get("MONOLITH_TIMEOUT", "5")))
    app.run(host=os.environ.get("HOST", "0.0.0.0"),
            port=int(os.environ.get("PORT", "80")), threaded=True)


if __name__ == "__main__":
    main()
