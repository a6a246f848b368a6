#!/usr/bin/env bash
# The system packages the lab and the tests need (Debian names), installed when missing.
#
#   scripts/system-deps.sh     # both README commands call it first
#
# As root with apt-get (CI, a fresh Debian machine): installs what is missing, quietly.
# Otherwise: says in one line what to install, and exits 1.
set -euo pipefail
need=()
for tool in podman runc slirp4netns docker-registry mmdebstrap bc tmux; do
  command -v "$tool" >/dev/null || need+=("$tool")
done
# The browser check of the lab's page (scripts/browser_check.py): Debian's chromium and
# its chromedriver, so Selenium never downloads a browser or a driver.
command -v chromium >/dev/null || need+=(chromium)
command -v chromedriver >/dev/null || need+=(chromium-driver)
# Debian's own python3 needs python3-venv for `python3 -m venv` (scripts/venv.sh).
python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "system-deps.sh: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  exit 0
fi
echo "error: missing system packages: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
exit 1
