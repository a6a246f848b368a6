#!/usr/bin/env bash
# Phases of one deploy on the local engine (build, push, task start, first healthy
# check, old target drained, 100 % on the new revision). See scripts/bench_rollout.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/venv.sh
cargo build --quiet
source scripts/podman-env.sh
MYSFITS_BASE_IMAGE=$(scripts/base-image.sh) exec .venv/bin/python scripts/bench_rollout.py
