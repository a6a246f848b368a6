#!/usr/bin/env bash
# Round trip of what `mysfits deploy --builder podman --registry 127.0.0.1:PORT` needs, with
# no Docker engine and no network: private registry up (localaws/start-registry.sh), podman build of
# tests/fixtures/scratch-app, login, push, tag listed by the registry API, manifest digest equal
# to podman's --digestfile; tests/fixtures/broken-app must fail to build with a visible error;
# a second registry with basic auth checks that a wrong password is refused.
# Every podman call runs under `env -i` with only the variables listed in README.md.
#
#   bash tests/registry/smoke.sh        # exits 0 on success; needs root, podman,
#                                       # docker-registry, curl (see README.md)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fixtures=$(cd "$here/../fixtures" && pwd)
repo=mysfits/like-service
tag=smoke-$$

t0=$EPOCHREALTIME
step_start=$t0
cur_step=""
step() { # report how long the previous step took, then announce the next one
    local now=$EPOCHREALTIME
    [[ -z $cur_step ]] ||
        awk -v a="$step_start" -v b="$now" -v n="$cur_step" 'BEGIN { printf "   took %.2fs: %s\n", b - a, n }' >&2
    step_start=$now
    cur_step=$*
    [[ $* == done ]] || printf '== %s\n' "$*" >&2
}
fail() { echo "SMOKE FAIL: $*" >&2; exit 1; }

for bin in podman docker-registry curl setpriv; do
    command -v "$bin" >/dev/null || fail "$bin not installed (see tests/registry/README.md)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/mysfits-smoke.XXXXXX")
reg_pid=""
reg2_pid=""
cleanup() {
    local rc=$?
    trap - EXIT
    # Closing the registry's stdin stops it (start-registry.sh watches it); kill as a fallback.
    for p in $reg_pid $reg2_pid; do
        kill -0 "$p" 2>/dev/null && kill -TERM "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$work"
    [[ $rc == 0 ]] && echo "smoke: OK" || echo "smoke: FAILED (rc=$rc)" >&2
    exit "$rc"
}
trap cleanup EXIT

# ---------------------------------------------------------------- registry (no auth)
step "start registry"
coproc REG { exec "$here/../../localaws/start-registry.sh" "$work/registry" 2>"$work/start.err"; }
reg_pid=$REG_PID
read -r -t 30 line <&"${REG[0]}" || fail "start-registry.sh printed nothing: $(cat "$work/start.err")"
[[ $line =~ ^REGISTRY_PORT=([0-9]+)$ ]] || fail "unexpected start-registry.sh output: $line"
port=${BASH_REMATCH[1]}
registry=127.0.0.1:$port
image=$registry/$repo:$tag
echo "registry at $registry" >&2
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$registry/v2/") == 200 ]] || fail "/v2/ not 200"

# ---------------------------------------------------------------- per-run podman config
# Per-run storage (vfs: plain directories, rm -rf works, no mounts), the registry marked
# insecure (plain HTTP) in a private registries.conf, a private auth file (must exist for
# `podman push` when REGISTRY_AUTH_FILE is set), chroot isolation for builds.
pm=$work/podman
mkdir -p "$pm"
cat >"$pm/storage.conf" <<EOF
[storage]
driver = "vfs"
graphroot = "$pm/root"
runroot = "$pm/runroot"
EOF
cat >"$pm/registries.conf" <<EOF
unqualified-search-registries = []

[[registry]]
location = "$registry"
insecure = true
EOF
echo '{}' >"$pm/auth.json"

# The minimal environment (what a Rust test passes after env_clear()).
podman_env=(
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
    CONTAINERS_STORAGE_CONF="$pm/storage.conf"
    CONTAINERS_REGISTRIES_CONF="$pm/registries.conf"
    REGISTRY_AUTH_FILE="$pm/auth.json"
    BUILDAH_ISOLATION=chroot
)
podman_() { env -i "${podman_env[@]}" podman "$@"; }

# ---------------------------------------------------------------- A: exactly mysfits' argv
step "A: podman build -t $image scratch-app   (config from env only)"
podman_ build -t "$image" "$fixtures/scratch-app" >"$work/build.out" 2>"$work/build.err" ||
    fail "build failed: $(cat "$work/build.out" "$work/build.err")"
grep -q "Successfully tagged $image" "$work/build.out" || fail "no 'Successfully tagged' in build stdout"

step "A: podman login --username AWS --password-stdin $registry   (registry has no auth)"
out=$(printf '%s' 'not-checked-by-this-registry' |
    podman_ login --username AWS --password-stdin "$registry" 2>&1) || fail "login failed: $out"
[[ $out == "Login Succeeded!" ]] || fail "login printed: $out"
grep -q "\"$registry\"" "$pm/auth.json" || fail "login did not write $pm/auth.json"

step "A: podman push --digestfile F $image"
podman_ push --digestfile "$work/digest" "$image" >"$work/push.out" 2>"$work/push.err" ||
    fail "push failed: $(cat "$work/push.err")"
[[ ! -s $work/push.out ]] || fail "push wrote to stdout: $(cat "$work/push.out")"
grep -q 'Writing manifest to image destination' "$work/push.err" || fail "push progress not on stderr"
digest=$(cat "$work/digest")
[[ $digest =~ ^sha256:[0-9a-f]{64}$ ]] || fail "bad digestfile content: $digest"
echo "pushed $image @ $digest" >&2

step "A: registry API: tags/list and manifest digest"
tags=$(curl -sf "http://$registry/v2/$repo/tags/list") || fail "tags/list failed"
echo "tags/list: $tags" >&2
grep -q "\"$tag\"" <<<"$tags" || fail "tag $tag not listed"
accept='application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.docker.distribution.manifest.v2+json'
head_digest=$(curl -sfI -H "Accept: $accept" "http://$registry/v2/$repo/manifests/$tag" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
[[ $head_digest == "$digest" ]] || fail "HEAD digest '$head_digest' != digestfile '$digest'"
body_digest=sha256:$(curl -sf -H "Accept: $accept" "http://$registry/v2/$repo/manifests/$tag" | sha256sum | cut -d' ' -f1)
[[ $body_digest == "$digest" ]] || fail "sha256(manifest) '$body_digest' != '$digest'"
# Gotcha check: without an OCI Accept header this registry answers 404 for podman's OCI manifest.
code=$(curl -s -o /dev/null -w '%{http_code}' -I "http://$registry/v2/$repo/manifests/$tag")
[[ $code == 404 ]] || echo "note: HEAD without Accept answered $code (expected 404)" >&2
code=$(curl -s -o /dev/null -w '%{http_code}' "http://$registry/v2/mysfits/unknown-repo/tags/list")
[[ $code == 404 ]] || fail "tags/list of an unknown repository answered $code, expected 404"

# ---------------------------------------------------------------- B: explicit flags
step "B: build/push with explicit flags (--root/--runroot/--storage-driver/--tls-verify=false)"
flags=(--root "$work/b-root" --runroot "$work/b-run" --storage-driver vfs)
imageb=$registry/$repo:$tag-b
env -i PATH=/usr/bin:/bin podman "${flags[@]}" build --isolation chroot -t "$imageb" "$fixtures/scratch-app" \
    >"$work/b-build.out" 2>&1 || fail "B build failed: $(cat "$work/b-build.out")"
env -i PATH=/usr/bin:/bin podman "${flags[@]}" push --authfile "$pm/auth.json" --tls-verify=false \
    --digestfile "$work/digest-b" "$imageb" >"$work/b-push.out" 2>&1 || fail "B push failed: $(cat "$work/b-push.out")"
head_b=$(curl -sfI -H "Accept: $accept" "http://$registry/v2/$repo/manifests/$tag-b" |
    tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
[[ $head_b == "$(cat "$work/digest-b")" ]] || fail "B: HEAD digest '$head_b' != digestfile"

# ---------------------------------------------------------------- broken build
step "broken-app: build must fail, error visible"
set +e
podman_ build -t "$registry/mysfits/broken:$tag" "$fixtures/broken-app" >"$work/broken.out" 2>"$work/broken.err"
rc=$?
set -e
[[ $rc != 0 ]] || fail "broken-app built successfully"
grep -q 'missing-file' "$work/broken.err" || fail "error not on stderr: $(cat "$work/broken.err")"
grep -q 'no such file or directory' "$work/broken.err" || fail "unexpected error: $(cat "$work/broken.err")"
echo "broken-app: exit $rc: $(cat "$work/broken.err")" >&2

# ---------------------------------------------------------------- registry with basic auth
step "auth registry: wrong password refused, right one accepted, anonymous push refused"
# (a second coproc would make bash warn, so this one is wired through FIFOs)
mkfifo "$work/reg2.in" "$work/reg2.out"
MYSFITS_REGISTRY_USER=AWS MYSFITS_REGISTRY_PASSWORD=right-password \
    "$here/../../localaws/start-registry.sh" "$work/registry-auth" <"$work/reg2.in" >"$work/reg2.out" 2>"$work/start2.err" &
reg2_pid=$!
exec {w2}>"$work/reg2.in" {r2}<"$work/reg2.out"
read -r -t 30 line2 <&"$r2" || fail "auth start-registry.sh printed nothing: $(cat "$work/start2.err")"
port2=${line2#REGISTRY_PORT=}
reg2=127.0.0.1:$port2
[[ $(curl -s -o /dev/null -w '%{http_code}' "http://$reg2/v2/") == 401 ]] || fail "auth /v2/ not 401"
echo '{}' >"$pm/auth2.json"
podman_env=("${podman_env[@]/#REGISTRY_AUTH_FILE=*/REGISTRY_AUTH_FILE=$pm/auth2.json}")
printf 'unqualified-search-registries = []\n[[registry]]\nlocation = "%s"\ninsecure = true\n[[registry]]\nlocation = "%s"\ninsecure = true\n' \
    "$registry" "$reg2" >"$pm/registries.conf"
podman_ tag "$image" "$reg2/$repo:$tag"
if out=$(podman_ push "$reg2/$repo:$tag" 2>&1); then fail "anonymous push to auth registry succeeded"; fi
grep -q 'authentication required' <<<"$out" || fail "anonymous push: unexpected error: $out"
if out=$(printf 'wrong' | podman_ login --username AWS --password-stdin "$reg2" 2>&1); then
    fail "login with a wrong password succeeded"
fi
grep -q 'invalid username/password' <<<"$out" || fail "wrong login: unexpected error: $out"
echo "wrong password: $out" >&2
out=$(printf 'right-password' | podman_ login --username AWS --password-stdin "$reg2" 2>&1) ||
    fail "login with the right password failed: $out"
podman_ push --digestfile "$work/digest2" "$reg2/$repo:$tag" 2>/dev/null || fail "authenticated push failed"
[[ $(curl -sf -u AWS:right-password "http://$reg2/v2/$repo/tags/list") == *"\"$tag\""* ]] || fail "tag not on auth registry"

# ---------------------------------------------------------------- stop
step "stop registries by closing their stdin"
w1=${REG[1]}
exec {w1}>&- {w2}>&-
for p in $reg_pid $reg2_pid; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && fail "start.sh (pid $p) still running 5s after its stdin closed"
done
wait "$reg_pid" 2>/dev/null || true
wait "$reg2_pid" 2>/dev/null || true
pgrep -f "serve $work/" >/dev/null && fail "a docker-registry of this run is still running"
reg_pid=""
reg2_pid=""
step "done"
awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "total %.2fs\n", b - a }' >&2
