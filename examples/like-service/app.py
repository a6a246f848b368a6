"""Mythical Mysfits like-service: the like "processing", split out of the monolith.

It does the processing, then asks the monolith to persist the like through
POST http://$MONOLITH_URL/mysfits/<id>/fulfill-like, so only the monolith talks
to DynamoDB (the lab's strangler pattern). The monolith's answer is passed on, so a
like answers {"Update": "Success"} as before the split; a monolith that cannot be
reached, is slow, or has no fulfill-like route is a JSON 502/504, never a silent 200.

Env: MONOLITH_URL (required: host[:port], no scheme; on AWS the ALB's DNS name),
PORT (default 80), HOST (default 0.0.0.0), MONOLITH_TIMEOUT (seconds, default 5).
"""
import os
import sys

import requests
from flask import Flask, jsonify


def process_like_request():
    print("Like processed.", flush=True)


def _json(answer):
    try:
        body = answer.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def create_app(monolith_url, timeout=5.0):
    app = Flask(__name__)

    @app.after_request
    def allow_cors(resp):
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        return resp

    @app.route("/")
    def health():
        return jsonify(message="like-service is healthy")

    @app.route("/mysfits/<mysfit_id>/like", methods=["POST"])
    def like(mysfit_id):
        process_like_request()
        url = f"http://{monolith_url}/mysfits/{mysfit_id}/fulfill-like"
        try:
            answer = requests.post(url, timeout=timeout)
        except requests.Timeout:
            return jsonify(error=f"monolith did not answer within {timeout}s: POST {url}"), 504
        except requests.RequestException as err:
            return jsonify(error=f"could not reach the monolith: POST {url}: {err}"), 502
        if answer.status_code == 404:
            if _json(answer).get("mysfitId") == mysfit_id:
                return jsonify(error=f"no mysfit with id {mysfit_id}"), 404
            # The workshop's monolith ships fulfill-like commented out (Lab 4 step 1).
            return jsonify(error=f"the monolith has no route POST /mysfits/<id>/fulfill-like "
                                 f"(404 from {url}); deploy a monolith that serves it"), 502
        if answer.status_code >= 400:
            return jsonify(error=f"monolith answered {answer.status_code} to POST {url}",
                           monolith_body=answer.text[:500]), 502
        try:
            return jsonify(answer.json()), answer.status_code
        except ValueError:
            return jsonify(error=f"monolith answered non-JSON to POST {url}"), 502

    return app


def main():
    monolith_url = os.environ.get("MONOLITH_URL", "").strip()
    if not monolith_url:
        sys.exit("like-service: MONOLITH_URL is not set; set it to the monolith's "
                 "host name (e.g. the ALB DNS name), without http://")
    if "://" in monolith_url or "/" in monolith_url:
        # The URL is built as http://$MONOLITH_URL/...; a scheme or path here breaks it.
        sys.exit(f"like-service: MONOLITH_URL must be host[:port] without scheme or path, "
                 f"got {monolith_url!r}")
    app = create_app(monolith_url, float(os.environ.get("MONOLITH_TIMEOUT", "5")))
    app.run(host=os.environ.get("HOST", "0.0.0.0"),
            port=int(os.environ.get("PORT", "80")), threaded=True)


if __name__ == "__main__":
    main()
