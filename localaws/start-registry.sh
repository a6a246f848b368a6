#!/usr/bin/env bash
# Start a private, throw-away Docker registry (Debian's `docker-registry`, distribution 2.8)
# on 127.0.0.1, on a free port chosen by the kernel, plain HTTP, no auth (by default).
#
#   localaws/start-registry.sh [DIR]
#
# DIR (created if missing; a mktemp dir if omitted) receives config.yml, the blob storage
# (DIR/data) and the registry's log (DIR/registry.log). A DIR given by the caller is left in
# place; one made here is removed when the script exits normally or by SIGTERM/SIGINT.
#
# Once `GET http://127.0.0.1:PORT/v2/` answers, prints exactly one line to stdout:
#   REGISTRY_PORT=<port>
# and nothing else ever goes to stdout (diagnostics go to stderr, the registry's own
# log to DIR/registry.log, so an undrained stderr/stdout pipe can never block it).
#
# The registry stops when
#   - this script is killed, by any signal, SIGKILL included (the registry runs under
#     `setpriv --pdeathsig KILL`, so the kernel kills it when this script dies);
#   - this script's stdin is a pipe/socket and the writer closes it (test harness dropped);
#   - the registry itself exits (then this script exits with the registry's status).
#
# Optional basic auth: set MYSFITS_REGISTRY_USER and MYSFITS_REGISTRY_PASSWORD (bcrypt htpasswd is
# made with `htpasswd` from apache2-utils if present, else with Python's crypt module; cost 4,
# the minimum, because the registry checks the hash on every request: at the default cost 12
# one push takes ~3 s instead of ~0.2 s).
# /v2/ then answers 401 to anonymous requests, which also counts as "ready".
#
# Needs: bash >= 5.1, coreutils, util-linux (setpriv), docker-registry. No curl needed.
set -euo pipefail

reg_bin=${MYSFITS_REGISTRY_BIN:-docker-registry}
START_TIMEOUT=${MYSFITS_REGISTRY_START_TIMEOUT:-20}

die() { echo "start.sh: $*" >&2; exit 1; }

command -v "$reg_bin" >/dev/null 2>&1 ||
    die "$reg_bin not found (apt-get install docker-registry)"
command -v setpriv >/dev/null 2>&1 || die "setpriv not found (util-linux)"

own_dir=0
if [[ $# -ge 1 && -n $1 ]]; then
    dir=$1
    mkdir -p "$dir"
else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/mysfits-registry.XXXXXX")
    own_dir=1
fi
dir=$(cd "$dir" && pwd)

auth_block=""
if [[ -n ${MYSFITS_REGISTRY_USER:-} || -n ${MYSFITS_REGISTRY_PASSWORD:-} ]]; then
    [[ -n ${MYSFITS_REGISTRY_USER:-} && -n ${MYSFITS_REGISTRY_PASSWORD:-} ]] ||
        die "set both MYSFITS_REGISTRY_USER and MYSFITS_REGISTRY_PASSWORD, or neither"
    if command -v htpasswd >/dev/null 2>&1; then
        htpasswd -nbB -C 4 "$MYSFITS_REGISTRY_USER" "$MYSFITS_REGISTRY_PASSWORD" | head -n1 >"$dir/htpasswd"
    else
        py=python3
        [[ -x /usr/bin/python3 ]] && py=/usr/bin/python3
        U=$MYSFITS_REGISTRY_USER P=$MYSFITS_REGISTRY_PASSWORD "$py" -W ignore -c '
import crypt, os
print(os.environ["U"] + ":" + crypt.crypt(os.environ["P"], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=16)))
' >"$dir/htpasswd" || die "cannot make a bcrypt htpasswd (install apache2-utils)"
    fi
    auth_block="auth:
  htpasswd:
    realm: mysfits-test
    path: $dir/htpasswd"
fi

# addr 127.0.0.1:0 -> the kernel picks a free port (no race between parallel tests);
# the registry logs `listening on 127.0.0.1:PORT`, which we read back.
cat >"$dir/config.yml" <<EOF
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:0
  secret: mysfits-test-secret
$auth_block
EOF

log=$dir/registry.log
: >"$log"

reg_pid=""
watch_pid=""
cleanup() {
    local rc=$?
    trap - EXIT
    [[ -n $watch_pid ]] && kill "$watch_pid" 2>/dev/null || true
    if [[ -n $reg_pid ]] && kill -0 "$reg_pid" 2>/dev/null; then
        kill -TERM "$reg_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$reg_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$reg_pid" 2>/dev/null || true
    fi
    wait 2>/dev/null || true
    if [[ $own_dir == 1 ]]; then rm -rf "$dir"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP
trap 'exit 141' PIPE

# Keep the caller's stdin on fd 3 (bash gives background jobs /dev/null as stdin).
if ! { exec 3<&0; } 2>/dev/null; then exec 3</dev/null; fi

# The registry: killed by the kernel if this script dies (even by SIGKILL).
# docker-registry reads every REGISTRY_* environment variable as a config override
# (REGISTRY_AUTH_FILE, podman's auth-file variable, would become `auth: file:` and make it
# refuse to start), so the child gets none of them.
(
    for v in ${!REGISTRY_@}; do unset "$v"; done
    exec setpriv --pdeathsig KILL -- "$reg_bin" serve "$dir/config.yml" </dev/null >>"$log" 2>&1
) &
reg_pid=$!

port=""
deadline=$((SECONDS + START_TIMEOUT))
while [[ -z $port ]]; do
    kill -0 "$reg_pid" 2>/dev/null || { echo "start.sh: registry exited; log:" >&2; tail -n 20 "$log" >&2; exit 1; }
    ((SECONDS < deadline)) || { echo "start.sh: registry did not log its port in ${START_TIMEOUT}s; log:" >&2; tail -n 20 "$log" >&2; exit 1; }
    port=$(grep -o 'listening on 127\.0\.0\.1:[0-9]*' "$log" | head -n1 | sed 's/.*://' || true)
    [[ -n $port ]] || sleep 0.05
done

# GET /v2/ over bash's /dev/tcp: prints the HTTP status code, or nothing.
http_status() {
    local status=""
    if exec 4<>"/dev/tcp/127.0.0.1/$port"; then
        printf 'GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n\r\n' "$port" >&4 || true
        read -r -t 2 _ status _ <&4 || true
        exec 4<&- 4>&-
    fi 2>/dev/null
    printf '%s' "$status"
}

while :; do
    kill -0 "$reg_pid" 2>/dev/null || { echo "start.sh: registry exited; log:" >&2; tail -n 20 "$log" >&2; exit 1; }
    code=$(http_status)
    [[ $code == 200 || ( -n $auth_block && $code == 401 ) ]] && break
    ((SECONDS < deadline)) || { echo "start.sh: GET /v2/ not answering (last status '${code}') after ${START_TIMEOUT}s" >&2; tail -n 20 "$log" >&2; exit 1; }
    sleep 0.05
done

echo "REGISTRY_PORT=$port"

# Stop when the caller closes our stdin, if it is a pipe or socket (not /dev/null, not a tty).
if [[ -p /dev/fd/3 || -S /dev/fd/3 ]]; then
    setpriv --pdeathsig KILL -- cat <&3 >/dev/null &
    watch_pid=$!
fi
exec 3<&-

if [[ -n $watch_pid ]]; then
    set +e
    wait -n "$reg_pid" "$watch_pid"
    rc=$?
    set -e
    if ! kill -0 "$reg_pid" 2>/dev/null; then
        echo "start.sh: registry exited with status $rc" >&2
        exit "$rc"
    fi
    exit 0 # stdin closed: cleanup (EXIT trap) stops the registry
else
    set +e
    wait "$reg_pid"
    rc=$?
    set -e
    reg_pid=""
    echo "start.sh: registry exited with status $rc" >&2
    exit "$rc"
fi
