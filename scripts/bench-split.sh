#!/usr/bin/env bash
# The load balancer's 503s during a plain split and a merge under steady traffic, on the
# local engine; MYSFITS_BIN measures another build. See scripts/bench_split.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/venv.sh
[ -n "${MYSFITS_BIN:-}" ] || cargo build --quiet
source scripts/podman-env.sh
MYSFITS_BASE_IMAGE=$(scripts/base-image.sh) exec .venv/bin/python scripts/bench_split.py
