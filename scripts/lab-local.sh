#!/usr/bin/env bash
# The whole lab, for real, on this machine, with no AWS account and no Docker Hub:
# a local AWS (python -m localaws: moto for the APIs, podman running the tasks, a real
# registry for ECR, load balancers routing on 127.0.0.1) and the real example images.
#
#   up → deploy monolith-service --tag nolike → deploy like-service --tag v1
#      → split like-service --path '/mysfits/*/like'
#      → deploy clicks-service --tag v1 → split clicks-service --path /clicks
#      → the modern app (sign-in, the API in front, the clickstream) → status → cleanup
#
# Between the steps it sends real requests through the load balancer and checks the
# answers (12 mysfits; a like served by the monolith, then by the like-service, +1 each
# time; "Like processed." in the like-service's logs), and clicks through the lab's
# website in headless Chromium the same two times, then once more as a visitor of the
# modern app: register, confirm, sign in, like, like signed out (401), adopt, open three
# profiles, whose enriched clicks must reach the clicks bucket (scripts/browser_check.py;
# its screenshots go to ${MYSFITS_ARTIFACTS:-target/artifacts}/browser/). Exits non-zero at
# the first check that fails, and leaves nothing running either way.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
phase() { printf '\n== %s (%ss)\n' "$*" "$(( $(date +%s) - started ))"; }

scripts/system-deps.sh
scripts/venv.sh
cargo build --quiet
bin="${CARGO_TARGET_DIR:-target}/debug/mysfits"
source scripts/podman-env.sh
phase "base image for the example apps (Docker Hub is not needed)"
base=$(scripts/base-image.sh)
echo "   $base"

phase "local AWS on 127.0.0.1"
state=$(mktemp -d "${TMPDIR:-/tmp}/mysfits-lab.XXXXXX")
coproc ENGINE { exec .venv/bin/python -m localaws --state-dir "$state/engine" 2>"$state/engine.log"; }
engine_pid=$ENGINE_PID
finish() {
  code=$?
  exec {ENGINE[1]}>&- 2>/dev/null || true   # closing its stdin stops the engine
  kill "$engine_pid" 2>/dev/null || true
  wait "$engine_pid" 2>/dev/null || true
  if [ "$code" -ne 0 ]; then
    echo "lab-local.sh: failed (exit $code); the engine's log: $state/engine.log" >&2
  else
    rm -rf "$state"
  fi
}
trap finish EXIT
read -r moto <&"${ENGINE[0]}"
read -r registry <&"${ENGINE[0]}"
read -r engine_id <&"${ENGINE[0]}"
engine_id=${engine_id#ENGINE_ID=}
export AWS_ENDPOINT_URL="http://127.0.0.1:${moto#MOTO_PORT=}"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true   # never ask an instance-metadata address
export MYSFITS_BUILDER=podman
echo "   AWS endpoint $AWS_ENDPOINT_URL, ECR registry 127.0.0.1:${registry#REGISTRY_PORT=}"

run() { echo; echo "\$ mysfits $*"; "$bin" "$@"; }
check() { .venv/bin/python scripts/lab_check.py "$@"; }
shots="${MYSFITS_ARTIFACTS:-target/artifacts}/browser"
rm -rf "$shots"
# Signed in: the lab's likes go through the API, which asks for a token.
browser() { .venv/bin/python scripts/browser_check.py --signed-in "$state/engine.log" "$site" "$1" "$shots/$2"; }
mysfit=4e53920c-505a-4a90-a694-b9300791f0ae

phase "lab 1: core infrastructure"
# Firehose holds clicks 60 s on AWS by default; 3 s here, so the check waits seconds.
run up --clicks-buffer 3s
output() { "$bin" status --output json | .venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['outputs']['$1'])"; }
url=$(output AlbUrl)
site=$(output WebsiteUrl)
api=$(output ApiUrl)
echo "   load balancer: $url"
echo "   website: $site"
echo "   API: $api"

phase "lab 2-3: the monolith, built, pushed, rolled out"
run deploy monolith-service --tag nolike --build-arg "BASE_IMAGE=$base"
check list "$url"
check like "$url" "$mysfit" mysfits-default
browser mysfits-default monolith

phase "lab 4: the like-service, carved out behind the same load balancer"
run deploy like-service --tag v1 --build-arg "BASE_IMAGE=$base"
run split like-service --path '/mysfits/*/like'
check like "$url" "$mysfit" mysfits-like-service
check list "$url"
browser mysfits-like-service like-service
run route "/mysfits/$mysfit/like"
# The log driver forwards lines as they are written; give the newest one a few seconds.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  "$bin" logs like-service --since 10m >"$state/like.log"
  grep -q "Like processed." "$state/like.log" && break
  sleep 2
done
if ! grep -q "Like processed." "$state/like.log"; then
  echo "   FAILED: no 'Like processed.' line in mysfits logs like-service" >&2
  exit 1
fi
echo "   mysfits logs like-service: $(grep -c 'Like processed.' "$state/like.log") 'Like processed.' line(s)"

phase "modules 4-5: sign-in, the API in front, the clickstream"
run deploy clicks-service --tag v1 --build-arg "BASE_IMAGE=$base"
run split clicks-service --path /clicks
check api "$api" "$mysfit"
.venv/bin/python scripts/browser_check.py --sign-in "$state/engine.log" "$site" mysfits-like-service "$shots/modern" | tee "$state/browser.out"
read -r -a ids <<<"$(sed -n 's/^ *clicks: //p' "$state/browser.out")"
if [ "${#ids[@]}" -ne 3 ]; then
  echo "   FAILED: the browser check named ${#ids[@]} opened profiles, not 3" >&2
  exit 1
fi
# The clicks-service stamps each click; S3 stamps its object: the check prints the latency.
for _ in $(seq 1 30); do
  "$bin" clicks --last 50 --output json >"$state/clicks.json"
  if check clicks "$state/clicks.json" "${ids[@]}" >/dev/null; then break; fi
  sleep 1
done
check clicks "$state/clicks.json" "${ids[@]}" || { echo "   FAILED: the 3 clicks did not reach the bucket enriched within 30 s" >&2; exit 1; }
run clicks --last 3
run status

phase "cleanup: nothing left"
run cleanup --yes
# This engine's containers only: another engine on the machine (a test run) has its own.
left=$(podman ps --all --quiet --filter "label=mysfits.engine=$engine_id" | wc -l)
if [ "$left" -ne 0 ]; then
  echo "   FAILED: $left lab container(s) still exist" >&2
  exit 1
fi
echo "   no lab container left"
check leftovers mysfits
phase "lab done in $(( $(date +%s) - started ))s, nothing left behind"
