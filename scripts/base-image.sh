#!/usr/bin/env bash
# The example apps' base image made from Debian packages, for machines that cannot pull
# python:3.12.8-slim from Docker Hub: python3 + pip (PyPI is reachable), as `python`.
#
#   scripts/base-image.sh        # prints the image name: localhost/mysfits-base:bookworm
#
# Idempotent: an image already in podman's storage is reused; the root-filesystem tarball
# is cached in ${MYSFITS_CACHE:-/var/tmp/mysfits-cache} so a fresh podman store imports
# it in ~20 s instead of rebuilding it (~80 s). Needs mmdebstrap and podman.
set -euo pipefail
image=localhost/mysfits-base:bookworm
cache=${MYSFITS_CACHE:-/var/tmp/mysfits-cache}
if podman image exists "$image"; then
  echo "$image"
  exit 0
fi
mkdir -p "$cache"
tar="$cache/mysfits-base-bookworm.tar"
if [ ! -s "$tar" ]; then
  for tool in mmdebstrap podman; do
    command -v "$tool" >/dev/null || { echo "base-image.sh: $tool not found (apt-get install $tool)" >&2; exit 1; }
  done
  echo "base-image.sh: building $image from Debian packages (about 80 s, once)" >&2
  # PEP 668 marker removed: the image is a base for `pip install` in Dockerfiles, as
  # python:*-slim is. The image trusts the CAs this machine trusts, so that pip works
  # behind a TLS-inspecting proxy as it does on the host.
  mmdebstrap --quiet --variant=apt \
    --include=python3,python3-pip,python-is-python3,ca-certificates \
    --customize-hook='rm -f "$1"/usr/lib/python3*/EXTERNALLY-MANAGED' \
    --customize-hook='cp /etc/ssl/certs/ca-certificates.crt "$1"/etc/ssl/certs/ca-certificates.crt' \
    bookworm "$cache/partial.tar" >&2
  mv "$cache/partial.tar" "$tar"
fi
podman import --quiet "$tar" "$image" >/dev/null
echo "$image"
