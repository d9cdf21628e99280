#!/usr/bin/env bash
# Brings a fresh Debian 12 clone to a runnable state: system packages, a running
# Docker engine, npm dependencies, the TypeScript build and the local images.
# Every step checks first and does nothing when its work is already done, so
# `npm start` and `npm test` stay fast on the second run.
# --lab: also what the docker-compose lab needs (debootstrap, docker-compose).
set -euo pipefail

lab=0
[ "${1:-}" = "--lab" ] && lab=1

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

# shellcheck source=scripts/lib.sh
. "$root/scripts/lib.sh"

# ---- system packages ----
# Each package is checked by the command it provides and by dpkg, so a machine
# that has the tools from elsewhere is left alone.
missing=()
need() { # need <package> <command>
  if ! command -v "$2" >/dev/null 2>&1 && ! dpkg -s "$1" >/dev/null 2>&1; then missing+=("$1"); fi
}
need docker.io dockerd
need etcd-server etcd
need etcd-client etcdctl
need busybox-static busybox
need iptables iptables
need iproute2 ip
need util-linux nsenter
need conntrack conntrack
if [ "$lab" -eq 1 ]; then
  need debootstrap debootstrap
  need docker-compose docker-compose
fi
if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get; install them by hand"
  say "installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# ---- Docker engine ----
if ! docker info >/dev/null 2>&1; then
  log_dir=/var/log
  [ -w "$log_dir" ] || log_dir="${BOSUN_HOME:-$HOME/.bosun}/logs"
  mkdir -p "$log_dir"
  say "starting dockerd (log: $log_dir/bosun-dockerd.log)"
  # setsid detaches dockerd from this script's process group so Ctrl-C on
  # `npm start` stops Bosun, not the engine its pods run on.
  as_root setsid dockerd >>"$log_dir/bosun-dockerd.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 0.5
  done
  docker info >/dev/null 2>&1 || die "dockerd did not answer within 30s; see $log_dir/bosun-dockerd.log"
fi

# ---- npm dependencies ----
# npm writes node_modules/.package-lock.json on every install, so its age says
# whether the lock file changed since.
if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] \
  || { [ -f package-lock.json ] && [ package-lock.json -nt node_modules/.package-lock.json ]; } \
  || [ package.json -nt node_modules/.package-lock.json ]; then
  if [ -f package-lock.json ]; then
    say "npm ci"
    npm ci --no-audit --no-fund >&2
  else
    say "npm install"
    npm install --no-audit --no-fund >&2
  fi
fi

# ---- build ----
# A stamp written after a successful build; any source, proto or project file
# newer than it (or a missing output) means rebuild. The stamp lives in
# node_modules so a fresh install always rebuilds.
stamp=node_modules/.bosun-build-stamp
stale=0
if [ ! -f "$stamp" ]; then
  stale=1
else
  for pkg in packages/*/ e2e/; do
    if [ -d "$pkg/src" ] && [ -n "$(ls -A "$pkg/src" 2>/dev/null)" ] && [ ! -d "$pkg/dist" ]; then stale=1; break; fi
  done
  if [ "$stale" -eq 0 ]; then
    newer="$(find proto packages e2e tsconfig.json tsconfig.base.json package.json \
      \( -name node_modules -o -name dist -o -path packages/proto/src/gen \) -prune -o \
      -type f -newer "$stamp" -print -quit)"
    [ -n "$newer" ] && stale=1
  fi
fi
if [ "$stale" -eq 1 ]; then
  say "building (npm run build)"
  npm run --silent build >&2
  touch "$stamp"
fi

# ---- local images ----
bash "$root/scripts/build-images.sh"
