"""Mythical Mysfits monolith: the whole API on one port, backed by DynamoDB.

It answers as the workshop's monolith does (examples/README.md has the contract):
camelCase mysfits, {"Update": "Success"} for like, adopt and fulfill-like. Where the
workshop answers 500 (unknown id, bad filter) it answers a JSON 404 or 400.

Env: DDB_TABLE_NAME (required), PORT (default 80), HOST (default 0.0.0.0).
"""
import os
import sys

from flask import Flask, jsonify, request

from mysfits_table import INDEXES, MysfitsTable, NotFound


# Each API key and the table attribute it comes from (the workshop's names and order).
API_FIELDS = {
    "mysfitId": "MysfitId", "name": "Name", "species": "Species",
    "description": "Description", "age": "Age", "goodevil": "GoodEvil",
    "lawchaos": "LawChaos", "thumbImageUri": "ThumbImageUri",
    "profileImageUri": "ProfileImageUri", "likes": "Likes", "adopted": "Adopted",
}
# An item loaded by hand may lack an attribute; the key is still there, of its type.
DEFAULTS = {"Age": 0, "Likes": 0, "Adopted": False}
UPDATED = {"Update": "Success"}


def api_mysfit(item):
    """A table item as the workshop's API shows it. `likes` is a string of digits there
    (DynamoDB's number passed through), so it is here too: pages written for the
    workshop get what they expect."""
    mysfit = {key: item.get(attr, DEFAULTS.get(attr, "")) for key, attr in API_FIELDS.items()}
    mysfit["likes"] = str(mysfit["likes"])
    return mysfit


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
        # mysfitId tells a caller (like-service) this 404 is about the mysfit, not the route.
        return jsonify(error=f"no mysfit with id {err}", mysfitId=str(err)), 404

    @app.errorhandler(404)
    def no_route(_err):
        return jsonify(error="no such route"), 404

    @app.errorhandler(405)
    def bad_method(_err):
        return jsonify(error="method not allowed"), 405

    @app.errorhandler(500)
    def failed(err):
        # Flask has logged the traceback; the caller gets JSON, not an HTML page.
        cause = getattr(err, "original_exception", None) or err
        return jsonify(error=f"internal error: {type(cause).__name__}: {cause}"), 500

    @app.route("/")
    def health():
        # The ALB health check: cheap, no DynamoDB call.
        return jsonify(message="monolith-service is healthy")

    @app.route("/mysfits")
    def list_mysfits():
        attribute = request.args.get("filter")
        if attribute is None:
            return jsonify(mysfits=[api_mysfit(m) for m in table.all()])
        if attribute not in INDEXES:
            return jsonify(error=f"filter must be one of {sorted(INDEXES)}"), 400
        value = request.args.get("value")
        if not value:
            return jsonify(error="filter needs a value, e.g. ?filter=GoodEvil&value=Good"), 400
        return jsonify(mysfits=[api_mysfit(m) for m in table.query(attribute, value)])

    @app.route("/mysfits/<mysfit_id>")
    def get_mysfit(mysfit_id):
        return jsonify(api_mysfit(table.get(mysfit_id)))

    @app.route("/mysfits/<mysfit_id>/like", methods=["POST"])
    def like(mysfit_id):
        process_like_request()
        table.like(mysfit_id)
        return jsonify(UPDATED)

    @app.route("/mysfits/<mysfit_id>/fulfill-like", methods=["POST"])
    def fulfill_like(mysfit_id):
        # The lab's split (Lab 4 step 1): like-service did the processing; persist only.
        table.like(mysfit_id)
        return jsonify(UPDATED)

    @app.route("/mysfits/<mysfit_id>/adopt", methods=["POST"])
    def adopt(mysfit_id):
        table.adopt(mysfit_id)
        return jsonify(UPDATED)

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
