"""Shared fixtures for the example apps' tests.

Each test module gets its own moto server (real HTTP on 127.0.0.1), with the
Mysfits table created exactly as `mysfits` creates it on AWS and loaded from
examples/data/mysfits.json. Nothing leaves the machine.
"""
import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
MONOLITH_DIR = EXAMPLES / "monolith-service"
LIKE_DIR = EXAMPLES / "like-service"
CLICKS_DIR = EXAMPLES / "clicks-service"
MYSFITS = json.loads((EXAMPLES / "data" / "mysfits.json").read_text())
TABLE_NAME = "mysfits-test-table"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def aws_env(endpoint):
    """Dummy credentials and the moto endpoint; no profile or config file is read."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def create_table(endpoint, name=TABLE_NAME):
    """The table as the Rust tool makes it: MysfitId hash key, two GSIs, on demand."""
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1")
    gsi = lambda attr: {  # noqa: E731
        "IndexName": f"{attr}Index",
        "KeySchema": [{"AttributeName": attr, "KeyType": "HASH"},
                      {"AttributeName": "MysfitId", "KeyType": "RANGE"}],
        "Projection": {"ProjectionType": "ALL"},
    }
    ddb.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"}
                              for a in ("MysfitId", "LawChaos", "GoodEvil")],
        KeySchema=[{"AttributeName": "MysfitId", "KeyType": "HASH"}],
        GlobalSecondaryIndexes=[gsi("LawChaos"), gsi("GoodEvil")],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=name)
    # The resource layer maps str->S, int->N, bool->BOOL, as the Rust loader does.
    table = boto3.resource("dynamodb", endpoint_url=endpoint,
                           region_name="us-east-1").Table(name)
    with table.batch_writer() as batch:
        for item in MYSFITS:
            batch.put_item(Item=item)
    return table


@pytest.fixture(scope="module")
def moto_url():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    # moto keeps its backends in process-global state, shared by every server in
    # this pytest process: reset so each module starts from an empty account.
    requests.post(f"{url}/moto-api/reset", timeout=10).raise_for_status()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in aws_env(url).items():
            mp.setenv(key, value)
        mp.delenv("AWS_PROFILE", raising=False)
        yield url
    server.stop()


@pytest.fixture(scope="module")
def table(moto_url):
    """A boto3 Table on moto holding the 12 mysfits; tests read Likes through it."""
    return create_table(moto_url)


def likes(table, mysfit_id):
    return int(table.get_item(Key={"MysfitId": mysfit_id})["Item"]["Likes"])


def load_app_module(service_dir, module_name):
    """Import a service's app.py under a unique name (both services call it app.py)."""
    sys.path.insert(0, str(service_dir))  # so the monolith finds mysfits_table
    spec = importlib.util.spec_from_file_location(module_name, service_dir / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@contextmanager
def serve_in_thread(app):
    """A WSGI app on 127.0.0.1 (a free port) in a daemon thread; yields "127.0.0.1:<port>"."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)


@pytest.fixture(scope="module")
def monolith_in_thread(table):
    """The monolith over real HTTP (for the like-service and the browser), on moto."""
    app = load_app_module(MONOLITH_DIR, "monolith_in_thread").create_app(TABLE_NAME)
    with serve_in_thread(app) as host:
        yield host


class Service:
    """A service running as `python app.py` in a subprocess, output kept in a file."""

    def __init__(self, service_dir, env, log_path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self._log = open(log_path, "wb")
        full_env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(self.port),
                    "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen([sys.executable, "app.py"], cwd=service_dir,
                                     env=full_env, stdout=self._log,
                                     stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"service exited {self.proc.returncode}:\n{self.log()}")
            try:
                if requests.get(self.url + "/", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"{self.url} not ready after {timeout}s:\n{self.log()}")

    def log(self):
        return self.log_path.read_text(errors="replace")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
