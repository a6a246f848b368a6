#!/usr/bin/env bash
# The system packages the lab and the tests need (Debian names), installed when missing,
# then a check that the local engine can really start a task (scripts/engine-check.sh).
#
#   scripts/system-deps.sh     # both README commands call it first
#
# As root with apt-get (CI, a fresh Debian machine): installs what is missing, quietly.
# Otherwise: says in one line what to install, and exits 1.
#
# Packages are named one by one and checked with dpkg, not by their commands: apt's
# `--no-install-recommends` leaves out what a command needs to *work* (podman's
# `--init` helper, catatonit, is only a Recommends), and a command that exists can
# still fail at its first use.
set -euo pipefail
cd "$(dirname "$0")/.."
packages=(
  # The engine's tasks: podman with runc (crun fails on hybrid cgroups), conmon,
  # slirp4netns for the task network, catatonit for `podman run --init`.
  podman runc conmon slirp4netns catatonit
  # The seal on a task's network (localaws/seal.py): netfilter rules loaded into each
  # task's own network namespace so that it reaches the engine and nothing else.
  # Only a Suggests of podman.
  iptables
  # ECR on the engine; the example apps' base image from Debian packages.
  docker-registry mmdebstrap
  # The engine check's tiny task image (one static binary, no base image needed).
  busybox-static
  # `*.localhost` (the engine's load balancer and website host names) resolved by the
  # C library itself, so any client resolves them (Python, wget, httpie), not only
  # curl and Chromium, which special-case them (RFC 6761).
  libnss-myhostname
  # The scripts and the terminal tests.
  bc tmux
  # The browser check of the lab's page (scripts/browser_check.py): Debian's chromium
  # and its chromedriver, so Selenium never downloads a browser or a driver.
  chromium chromium-driver
  # Debian's own python3 needs python3-venv for `python3 -m venv` (scripts/venv.sh).
  python3-venv
)
need=()
if command -v dpkg-query >/dev/null; then
  for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = installed ] || need+=("$package")
  done
fi
# Python's venv is the one thing that may come from elsewhere than Debian (pyenv, …).
if [ ${#need[@]} -gt 0 ] && python3 -m venv --help >/dev/null 2>&1; then
  for i in "${!need[@]}"; do [ "${need[$i]}" = python3-venv ] && unset 'need[i]'; done
  need=("${need[@]}")
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    echo "system-deps.sh: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "error: missing system packages: ${need[*]}" >&2
    echo "hint: install them with: sudo apt-get install --no-install-recommends ${need[*]}" >&2
    exit 1
  fi
fi
exec scripts/engine-check.sh
