# Sourced by the local lab and its tests: podman as it works on this kind of machine
# (no Docker engine; a sandbox that refuses podman's default rlimits; crun fails on
# hybrid cgroups): runc, no default ulimits, vfs storage, chroot isolation for builds.
# The store lives in ${MYSFITS_PODMAN_DIR:-/var/tmp/mysfits-podman} so that the base
# image and build layers are reused from one run to the next.
podman_dir=${MYSFITS_PODMAN_DIR:-/var/tmp/mysfits-podman}
mkdir -p "$podman_dir"
cat >"$podman_dir/containers.conf" <<CONF
[containers]
default_ulimits = []
[engine]
runtime = "runc"
CONF
cat >"$podman_dir/storage.conf" <<CONF
[storage]
driver = "vfs"
graphroot = "$podman_dir/storage"
runroot = "$podman_dir/run"
CONF
export CONTAINERS_CONF="$podman_dir/containers.conf"
export CONTAINERS_STORAGE_CONF="$podman_dir/storage.conf"
export BUILDAH_ISOLATION=chroot
