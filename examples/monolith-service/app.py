"""Mythical Mysfits monolith: the whole API on one port, backed by DynamoDB.

Env: DDB_TABLE_NAME (required), PORT (default 80), HOST (default 0.0.0.0).
"""
import os
import sys

from flask import Flask, jsonify, request

from mysfits_table import INDEXES, MysfitsTable, NotFound


def process_like_request():
    # The "business logic" of a like; the lab moves exactly this into like-service.
    # flush so the line reaches `docker logs` / CloudWatch at once.
    print("Like processed.", flush=True)


def create_app(table_name):
    app = Flask(__name__)
    table = MysfitsTable(table_name)

    @app.after_request
    def allow_cors(resp):
        # The lab's web page is served from another origin (S3).
        resp.headers["Access-Control-Allow-Origin"] = "*"
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Content-Type"
        return resp

    @app.errorhandler(NotFound)
    def not_found(err):
        return jsonify(error=f"no mysfit with id {err}"), 404

    @app.errorhandler(404)
    def no_route(_err):
        return jsonify(error="no such route"), 404

    @app.errorhandler(405)
    def bad_method(_err):
        return jsonify(error="method not allowed"), 405

    @app.route("/")
    def health():
        # The ALB health check: cheap, no DynamoDB call.
        return jsonify(message="monolith-service is healthy")

    @app.route("/mysfits")
    def list_mysfits():
        attribute = request.args.get("filter")
        if attribute is None:
            return jsonify(mysfits=table.all())
        if attribute not in INDEXES:
            return jsonify(error=f"filter must be one of {sorted(INDEXES)}"), 400
        value = request.args.get("value")
        if not value:
            return jsonify(error="filter needs a value, e.g. ?filter=GoodEvil&value=Good"), 400
        return jsonify(mysfits=table.query(attribute, value))

    @app.route("/mysfits/<mysfit_id>")
    def get_mysfit(mysfit_id):
        return jsonify(table.get(mysfit_id))

    @app.route("/mysfits/<mysfit_id>/like", methods=["POST"])
    def like(mysfit_id):
        process_like_request()
        return jsonify(table.like(mysfit_id))

    @app.route("/mysfits/<mysfit_id>/fulfill-like", methods=["POST"])
    def fulfill_like(mysfit_id):
        # Called by like-service after it did the processing: persist only.
        return jsonify(table.like(mysfit_id))

    @app.route("/mysfits/<mysfit_id>/adopt", methods=["POST"])
    def adopt(mysfit_id):
        return jsonify(table.adopt(mysfit_id))

    return app


def main():
    table_name = os.environ.get("DDB_TABLE_NAME")
    if not table_name:
        sys.exit("monolith-service: DDB_TABLE_NAME is not set; "
                 "set it to the name of the Mysfits DynamoDB table")
    app = create_app(table_name)
    # threaded: the like-service calls back into this process while a request may be open.
    app.run(host=os.environ.get("HOST", "0.0.0.0"),
            port=int(os.environ.get("PORT", "80")), threaded=True)


if __name__ == "__main__":
    main()
