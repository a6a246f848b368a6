#!/usr/bin/env bash
# The whole lab, end to end, against a local AWS emulator (moto server on 127.0.0.1), with
# no AWS account: up → deploy monolith-service → deploy like-service → split → route →
# status → cleanup. No container engine builds here, so images are deployed by --image.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/venv.sh
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/mysfits"

# moto with the patches of tests/moto/patches.py (each copies a documented AWS behaviour
# moto lacks, e.g. deleting route tables with their stack, ECS rollouts that complete).
coproc MOTO { exec .venv/bin/python tests/moto/launch.py --port 0; }
trap 'kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true' EXIT
read -r line <&"${MOTO[0]}"
port="${line#MOTO_PORT=}"

export AWS_ENDPOINT_URL="http://127.0.0.1:$port"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true   # never ask an instance-metadata address
echo "== local AWS emulator on $AWS_ENDPOINT_URL"
echo "== no container engine builds here: images are deployed as given (--image), not built"
started=$(date +%s.%N)
run() { echo; echo "\$ mysfits $*"; "$bin" "$@"; }
run up
run deploy monolith-service --image public.ecr.aws/example/mythical-monolith:nolike
run deploy like-service --image public.ecr.aws/example/mythical-like:v1
run split like-service --path '/mysfits/*/like'
run route /mysfits/4e53920c-505a-4a90-a694-b9300791f0ae/like
run route /mysfits
run status
run cleanup --yes
printf '\n== lab done in %.1fs, nothing left behind\n' "$(echo "$(date +%s.%N) - $started" | bc)"
