#!/usr/bin/env bash
# Can the local engine run a task here? Starts one tiny container exactly as the engine
# starts a task (python3 -m localaws.preflight: --init, runc, slirp4netns, the seal on
# its network, the podman settings of scripts/podman-env.sh), checks that the seal
# refuses a connection at once, and that *.localhost resolves. Takes a few
# seconds; on failure prints one `error:` line and a `hint:` line naming the package.
#
#   scripts/engine-check.sh    # scripts/system-deps.sh runs it last
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/podman-env.sh
exec python3 -m localaws.preflight
