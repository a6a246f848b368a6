#!/usr/bin/env bash
# Rollback latency of a broken canary and the AWS calls per step of a cut-over walk, on
# the local engine. See scripts/bench_cutover.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/venv.sh
cargo build --quiet
source scripts/podman-env.sh
MYSFITS_BASE_IMAGE=$(scripts/base-image.sh) exec .venv/bin/python scripts/bench_cutover.py
