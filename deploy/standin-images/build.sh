#!/usr/bin/env bash
# Builds stand-ins for the official base images that Dockerfile.api, frontend/Dockerfile and
# compose.yaml name (python:3.11-slim-bookworm, node:20-bookworm-slim, postgres:15-bookworm,
# redis:7-bookworm, nginx:1.27-bookworm), from Debian's own packages.
#
# They exist only because the machines the tests run on reach no image registry (no Docker Hub).
# Anywhere a registry is reachable, `docker compose up` pulls the official images and nothing here
# is used. Each stand-in behaves as its official image does for what compose.yaml uses; versions
# are Debian bookworm's where Debian has them (PostgreSQL 15, Redis 7.0, nginx 1.22, Python 3.11)
# and the host's own Node 20 (bookworm's nodejs is 18).
#
# The host's own extra certificate authorities (/usr/local/share/ca-certificates, e.g. an egress
# proxy's) are trusted inside too, by the system, pip and npm: builds reach PyPI and npm as the host
# does. The official images trust only the public authorities.
#
# An image that already exists is kept: `docker rmi` it to rebuild. Needs root, debootstrap and docker.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
BASE=standin/debian:bookworm

# The Debian mirror this machine's apt uses (not the security one), else deb.debian.org.
mirror=${STANDIN_MIRROR:-$(grep -hsoE '^(URIs:[[:space:]]*|deb[[:space:]]+)[^[:space:]]+' /etc/apt/sources.list /etc/apt/sources.list.d/* \
  | awk '{print $NF}' | grep -E '/debian/?$' | head -n1 || true)}
mirror=${mirror:-http://deb.debian.org/debian}

have() { docker image inspect "$1" >/dev/null 2>&1; }
# Builds run on the host's network: apt inside the build reaches the same mirror the host does.
build() {
  local tag=$1 dir=$2 log
  have "$tag" && return
  echo "standin: building $tag"
  log=$(mktemp)
  docker build --network host -t "$tag" "$dir" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
}

if ! have "$BASE"; then
  echo "standin: debootstrap bookworm from $mirror"
  rootfs=$(mktemp -d)
  trap 'rm -rf "$rootfs"' EXIT
  debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >/dev/null
  echo "deb $mirror bookworm main" > "$rootfs/etc/apt/sources.list"
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null 2>&1
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | docker import -c 'CMD ["bash"]' -c 'ENV LANG=C.UTF-8' - "$BASE" >/dev/null
  rm -rf "$rootfs"; trap - EXIT
fi

build python:3.11-slim-bookworm "$here/python"
build redis:7-bookworm "$here/redis"
build nginx:1.27-bookworm "$here/nginx"
build postgres:15-bookworm "$here/postgres"

if ! have node:20-bookworm-slim; then
  # Node 20 as the host has it (a single binary needing only glibc and libstdc++), with its npm.
  node=$(readlink -f "$(command -v node)")
  [[ $("$node" --version) == v20.* ]] || { echo "standin: the host's node is $("$node" --version), not 20" >&2; exit 2; }
  npm_dir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
  context=$(mktemp -d)
  cp "$here/node/Dockerfile" "$context/"
  cp "$node" "$context/node"
  cp -r "$npm_dir" "$context/npm"
  build node:20-bookworm-slim "$context"
  rm -rf "$context"
fi
