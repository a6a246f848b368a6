#!/usr/bin/env bash
# Wall time (median of N) and AWS API calls of the lab's commands against moto, and the
# start-up time of `mysfits --help`. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-5}"
scripts/venv.sh
cargo build --quiet --release
bin="${CARGO_TARGET_DIR:-target}/release/mysfits"
coproc MOTO { exec .venv/bin/python tests/moto/launch.py --port 0; }
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
read -r line <&"${MOTO[0]}"
export AWS_ENDPOINT_URL="http://127.0.0.1:${line#MOTO_PORT=}"
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true CI=true
declare -A times calls
# Runs one command with -v; records its wall time (ms) and its api-calls line.
measure() {
  local name=$1; shift
  local t0 t1 out
  t0=$(date +%s%N)
  out=$("$bin" "$@" -v 2>&1 >/dev/null)
  t1=$(date +%s%N)
  times[$name]+="$(( (t1 - t0) / 1000000 )) "
  calls[$name]=$(grep '^api calls:' <<<"$out" | sed 's/ (.*//')
}
put_image() {
  .venv/bin/python - <<'PY'
import boto3, json
ecr = boto3.client("ecr")
m = {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
     "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "sha256:" + "a" * 64}, "layers": []}
for repo in ("mysfits/monolith-service", "mysfits/like-service"):
    ecr.put_image(repositoryName=repo, imageTag="v1", imageManifest=json.dumps(m))
PY
}
for _ in $(seq "$N"); do
  measure up up
  measure "up (again)" up
  put_image
  measure "deploy mono --no-build" deploy monolith-service --no-build --tag v1
  measure "deploy mono (again)" deploy monolith-service --no-build --tag v1
  measure "deploy like --no-build" deploy like-service --no-build --tag v1
  measure split split like-service --path '/mysfits/*/like'
  measure "split (again)" split like-service --path '/mysfits/*/like'
  measure "cleanup --yes" cleanup --yes
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-24s %12s   %s\n' command "median (ms)" "api calls (last run)"
for k in up "up (again)" "deploy mono --no-build" "deploy mono (again)" "deploy like --no-build" split "split (again)" "cleanup --yes"; do
  printf '%-24s %12s   %s\n' "$k" "$(median <<<"${times[$k]}")" "${calls[$k]}"
done
t0=$(date +%s%N); for _ in $(seq 20); do "$bin" --help >/dev/null; done; t1=$(date +%s%N)
printf '%-24s %12s\n' "--help (mean of 20)" "$(( (t1 - t0) / 20000000 ))"
