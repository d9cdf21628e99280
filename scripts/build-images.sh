#!/usr/bin/env bash
# Builds the two local images Bosun needs without a registry, from Debian's
# busybox-static: bosun.local/busybox:1 (examples, tests) and bosun.local/pause:1
# (the pod infra container). Usage: build-images.sh [--force]
set -euo pipefail

force=0
[ "${1:-}" = "--force" ] && force=1

say() { echo "build-images: $*" >&2; }

busybox_bin="$(command -v busybox || true)"
[ -n "$busybox_bin" ] || { echo "build-images: error: busybox not found; apt-get install busybox-static" >&2; exit 1; }

have_image() { docker image inspect "$1" >/dev/null 2>&1; }

wanted=()
for image in bosun.local/busybox:1 bosun.local/pause:1; do
  if [ "$force" -eq 1 ] || ! have_image "$image"; then wanted+=("$image"); fi
done
[ "${#wanted[@]}" -eq 0 ] && exit 0

rootfs="$(mktemp -d)"
trap 'rm -rf "$rootfs"' EXIT
mkdir -p "$rootfs"/{bin,dev,etc,proc,sys,tmp,root,var/www}
chmod 1777 "$rootfs/tmp"
cp "$busybox_bin" "$rootfs/bin/busybox"
for applet in $("$busybox_bin" --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"

path_env='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
label='LABEL bosun.io/image=true'

for image in "${wanted[@]}"; do
  say "building $image"
  case "$image" in
    bosun.local/busybox:1)
      cmd='CMD ["/bin/sh"]' ;;
    bosun.local/pause:1)
      # PID 1 ignores signals it has no handler for, so the trap is what lets
      # SIGTERM stop the infra container at once instead of after a SIGKILL.
      cmd='CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; while true; do sleep 3600 & wait $!; done"]' ;;
  esac
  tar -C "$rootfs" -c . | docker import --change "$cmd" --change "$path_env" --change "$label" - "$image" >/dev/null
done
