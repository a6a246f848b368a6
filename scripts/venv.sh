#!/usr/bin/env bash
# Makes (or refreshes) .venv with the pinned Python tools: moto[server], cfn-lint, pytest,
# and the example apps' requirements; and .venv/checkov, a venv of its own inside it, with
# checkov alone (its pins conflict with moto's and cfn-lint's). Idempotent: pip skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
stamp=.venv/.requirements.sha
want=$(cat requirements-dev.txt examples/*/requirements.txt | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/pip install --quiet --disable-pip-version-check \
    -r requirements-dev.txt \
    -r examples/monolith-service/requirements.txt \
    -r examples/like-service/requirements.txt
  echo "$want" > "$stamp"
fi
if [ ! -x .venv/checkov/bin/python ]; then
  python3 -m venv .venv/checkov
fi
stamp=.venv/checkov/.requirements.sha
want=$(sha256sum requirements-checkov.txt | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/checkov/bin/pip install --quiet --disable-pip-version-check -r requirements-checkov.txt
  echo "$want" > "$stamp"
fi
