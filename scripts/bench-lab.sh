#!/usr/bin/env bash
# The whole lab from nothing, phase by phase, on the local engine at AWS's pace
# (--pace aws, the default; --pace-scale F shortens the modelled waits F times, for a
# quick look: only scale 1 gives AWS's figures). MYSFITS_BIN measures another build.
# See scripts/bench_lab.py.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/system-deps.sh
scripts/venv.sh
[ -n "${MYSFITS_BIN:-}" ] || cargo build --quiet
source scripts/podman-env.sh
MYSFITS_BASE_IMAGE=$(scripts/base-image.sh) exec .venv/bin/python scripts/bench_lab.py "$@"
