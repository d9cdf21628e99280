#!/usr/bin/env bash
# Builds the lab's node image, bosun.local/node:<tag>, without a registry: a Debian 12
# minbase rootfs from debootstrap (Docker engine, etcd, iptables, iproute2, busybox),
# this machine's Node.js binary (Debian 12's nodejs is 18; Bosun needs 20) and the
# built project with its production dependencies, put together by `docker import`.
#
# The tag is a hash of every input, so an unchanged project reuses the image at once.
# The rootfs is the slow part (about a minute of debootstrap): it is kept as a tarball
# under the cache directory, keyed by its own inputs, so a project change re-imports in
# seconds. Also tags the result bosun.local/node:latest for hand-run docker-compose.
#
# Usage: build-node-image.sh [--force]   (prints the image reference on stdout)
# Needs: root (or sudo) for debootstrap, debootstrap, docker, a built project
# (`npm run build`), the local images (scripts/build-images.sh).
# Environment: BOSUN_CACHE_DIR (default ~/.cache/bosun), BOSUN_DEBIAN_MIRROR (default:
# the bookworm mirror this machine's apt sources use).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

force=0
[ "${1:-}" = "--force" ] && force=1

# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

repo=bosun.local/node
suite=bookworm
variant=minbase
# What a node host runs: dockerd (with containerd, runc and tini, its dependencies),
# etcd for the etcd members, iptables, iproute2 and conntrack for the pod network and
# the service proxy, busybox for small tools; libstdc++6 is what the node binary
# links against beyond libc.
packages=docker.io,etcd-server,etcd-client,iptables,iproute2,conntrack,busybox-static,ca-certificates,libstdc++6
local_images=(bosun.local/pause:1 bosun.local/busybox:1)

command -v docker >/dev/null 2>&1 || die "docker not found; run scripts/bootstrap.sh"
command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found; run 'npm run lab:up' (it installs it) or apt-get install debootstrap"
node_bin="$(command -v node)" || die "node not found"
node_bin="$(readlink -f "$node_bin")"
[ -f packages/master/dist/src/main.js ] || die "the project is not built; run 'npm run build' first"
for image in "${local_images[@]}"; do
  docker image inspect "$image" >/dev/null 2>&1 || die "$image is missing; run scripts/build-images.sh"
done

cache="${BOSUN_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bosun}/node-image"
mkdir -p "$cache"

sha() { sha256sum | cut -c1-64; }

# ---- the Debian mirror ----
# The one this machine's apt uses for bookworm: the only mirror known to be reachable.
# Both source formats: one-line (sources.list, *.list) and deb822 (*.sources).
find_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" '
      $1 == "deb" {
        i = 2
        if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
        if ($(i + 1) == suite) { print $i; exit }
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v suite="$suite" '
      function flush() { if (deb && hit && uri != "") { print uri; found = 1 } deb = 0; hit = 0; uri = "" }
      /^[ \t]*$/ { flush(); if (found) exit; next }
      /^Types:/ { for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) hit = 1 }
      /^URIs:/ { uri = $2 }
      /^Enabled:[ \t]*no/ { deb = 0 }
      END { if (!found) flush() }' "$f"
  done
}

# ---- the base rootfs (cached tarball) ----
# Its key names only what changes its content; the mirror does not (any mirror of
# bookworm serves the same packages), so moving mirrors keeps the cache.
base_key="$(printf '%s\n' "$suite" "$variant" "$packages" "$(dpkg --print-architecture)" "rootfs-v1" | sha | cut -c1-16)"
base_tar="$cache/rootfs-$base_key.tar"
if [ ! -f "$base_tar" ]; then
  mirror="${BOSUN_DEBIAN_MIRROR:-$(find_mirror | head -n1)}"
  [ -n "$mirror" ] || die "no '$suite' mirror in /etc/apt/sources.list(.d); set BOSUN_DEBIAN_MIRROR to a Debian mirror URL"
  work="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap 'as_root rm -rf "$work"' EXIT
  say "debootstrap $suite ($variant) from $mirror into $work (about a minute)"
  started=$SECONDS
  as_root debootstrap --variant="$variant" --include="$packages" "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -n 20 "$work/debootstrap.log" >&2; die "debootstrap failed (log above); check that $mirror is reachable"; }
  # What a node never reads: package caches and indexes, documentation, translations.
  as_root rm -rf "$work/rootfs"/var/cache/apt/* "$work/rootfs"/var/lib/apt/lists/* \
    "$work/rootfs"/usr/share/doc/* "$work/rootfs"/usr/share/man/* "$work/rootfs"/usr/share/info/* \
    "$work/rootfs"/usr/share/locale/* "$work/rootfs"/var/log/* "$work/rootfs"/tmp/*
  as_root chmod 755 "$work/rootfs"
  as_root tar --numeric-owner -C "$work/rootfs" -cf "$work/rootfs.tar" .
  as_root chown "$(id -u):$(id -g)" "$work/rootfs.tar"
  mv "$work/rootfs.tar" "$base_tar"
  as_root rm -rf "$work"
  trap - EXIT
  # Older rootfs tarballs are dead weight once the inputs changed.
  find "$cache" -maxdepth 1 -name 'rootfs-*.tar' ! -name "rootfs-$base_key.tar" -delete
  say "rootfs ready in $((SECONDS - started))s ($(du -h "$base_tar" | cut -f1))"
fi

# ---- the project, staged as it lies in the image ----
stage="$(mktemp -d "$cache/stage.XXXXXX")"
trap 'rm -rf "$stage"' EXIT
chmod 755 "$stage"
app="$stage/opt/bosun"
mkdir -p "$app" "$stage/usr/local/bin"
cp package.json package-lock.json "$app/"
# Every workspace's package.json (npm ci checks them against the lock), and the
# compiled sources of all but the e2e suites; tests stay out.
mapfile -t workspaces < <(node -e 'for (const w of require("./package.json").workspaces) console.log(w)')
for ws in "${workspaces[@]}"; do
  mkdir -p "$app/$ws"
  cp "$ws/package.json" "$app/$ws/"
  [ "$ws" = e2e ] && continue
  [ -d "$ws/dist/src" ] || die "$ws/dist/src is missing; run 'npm run build' first"
  mkdir -p "$app/$ws/dist"
  cp -r "$ws/dist/src" "$app/$ws/dist/"
done
# The node hosts' init, and the commands the compose file and docs/hosts.md use.
install -m 755 deploy/lab/node-entrypoint.sh "$stage/usr/local/bin/bosun-lab-node"
# Each with the Node flags its package.json asks its launchers for ("bosun": {"nodeFlags"}).
for cmd in bosun:cli bosun-master:master bosun-agent:agent; do
  flags="$("$node_bin" -p "(require('$root/packages/${cmd#*:}/package.json').bosun?.nodeFlags ?? []).join(' ')")"
  printf '#!/bin/sh\nexec /usr/local/bin/node %s/opt/bosun/packages/%s/dist/src/main.js "$@"\n' "${flags:+$flags }" "${cmd#*:}" >"$stage/usr/local/bin/${cmd%%:*}"
  chmod 755 "$stage/usr/local/bin/${cmd%%:*}"
done

node_version="$("$node_bin" --version)"
image_ids="$(docker image inspect --format '{{.Id}}' "${local_images[@]}")"
project_hash="$(cd "$stage" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha)"
tag="$(printf '%s\n' "$base_key" "$node_version" "$(sha <"$node_bin")" "$project_hash" "$image_ids" "$(sha <"$root/scripts/build-node-image.sh")" | sha | cut -c1-16)"
image="$repo:$tag"

if [ "$force" -eq 0 ] && docker image inspect "$image" >/dev/null 2>&1; then
  docker tag "$image" "$repo:latest"
  echo "$image"
  exit 0
fi

say "building $image (node $node_version, rootfs $base_key)"
started=$SECONDS
# Production dependencies only, from the lock file, resolved as the workspaces link them.
(cd "$app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline --loglevel=error >&2) \
  || die "npm ci --omit=dev failed in $app; is the npm registry or cache reachable?"
install -m 755 "$node_bin" "$stage/usr/local/bin/node"
mkdir -p "$app/images"
docker save "${local_images[@]}" -o "$app/images/local.tar"

# One archive: a copy of the cached rootfs with the project appended over it.
cp --reflink=auto "$base_tar" "$stage/image.tar"
# Docker refuses an archive naming a path twice, so /usr/local/bin (already in the
# rootfs) is appended file by file, not as a directory.
tar --numeric-owner --owner=0 --group=0 -C "$stage" -rf "$stage/image.tar" ./opt/bosun \
  $(cd "$stage" && find ./usr/local/bin -type f)
docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV NODE_ENV=production' \
      --change 'WORKDIR /opt/bosun' \
      --change 'ENTRYPOINT ["/usr/bin/tini", "--"]' \
      --change 'CMD ["/usr/local/bin/bosun-lab-node"]' \
      --change "LABEL bosun.io/node-image=$tag bosun.io/node-version=$node_version bosun.io/rootfs=$base_key" \
      "$stage/image.tar" "$image" >/dev/null
docker tag "$image" "$repo:latest"
# Earlier builds of this image are dead weight; one still used by a lab stays (rmi refuses).
for old in $(docker image ls "$repo" --format '{{.Repository}}:{{.Tag}}'); do
  case "$old" in "$image" | "$repo:latest") ;; *) docker rmi "$old" >/dev/null 2>&1 || true ;; esac
done
say "built $image in $((SECONDS - started))s ($(docker image inspect --format '{{.Size}}' "$image" | awk '{printf "%d MB", $1 / 1e6}'))"
echo "$image"
