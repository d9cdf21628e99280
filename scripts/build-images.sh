#!/usr/bin/env bash
# Builds the two local images Bosun needs without a registry, from Debian's packages:
# bosun.local/busybox:1 (examples, tests) and bosun.local/pause:1 (the pod infra
# container). Usage: build-images.sh [--force]
#
# The pause image is the static busybox (busybox-static) and nothing else. The busybox
# image is Debian's dynamically linked busybox with the C library beside it: the static
# one cannot resolve names (its wget crashes on any host name), and pods must, through
# the cluster's DNS. Its package is downloaded once (apt-get download) and kept in the
# cache. Each image carries the revision of this recipe and is rebuilt when it differs.
set -euo pipefail

force=0
[ "${1:-}" = "--force" ] && force=1

say() { echo "build-images: $*" >&2; }
die() { echo "build-images: error: $*" >&2; exit 1; }

# Raise when an image's contents change, so that machines that have the old one rebuild it.
revision=2
revision_label=bosun.io/image-rev

busybox_bin="$(command -v busybox || true)"
[ -n "$busybox_bin" ] || die "busybox not found; apt-get install busybox-static"

have_image() {
  [ "$(docker image inspect -f "{{index .Config.Labels \"$revision_label\"}}" "$1" 2>/dev/null || true)" = "$revision" ]
}

wanted=()
for image in bosun.local/busybox:1 bosun.local/pause:1; do
  if [ "$force" -eq 1 ] || ! have_image "$image"; then wanted+=("$image"); fi
done
[ "${#wanted[@]}" -eq 0 ] && exit 0

cache="${XDG_CACHE_HOME:-$HOME/.cache}/bosun/images"
mkdir -p "$cache"

# The dynamically linked busybox of the same Debian release, from its .deb.
dynamic_busybox() {
  local deb
  deb="$(ls "$cache"/busybox_*.deb 2>/dev/null | head -n 1 || true)"
  if [ -z "$deb" ]; then
    say "downloading Debian's busybox package (once)"
    (cd "$cache" && { apt-get download busybox >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get download busybox >/dev/null; }; }) \
      || die "cannot download Debian's busybox package; check that the Debian mirror is reachable (apt-get download busybox)"
    deb="$(ls "$cache"/busybox_*.deb | head -n 1)"
  fi
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$1" ./bin/busybox
}

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A root file system with busybox's applets linked to the binary at bin/busybox.
make_rootfs() {
  local rootfs="$1"
  mkdir -p "$rootfs"/{bin,dev,etc,proc,sys,tmp,root,var/www}
  chmod 1777 "$rootfs/tmp"
  for applet in $("$rootfs/bin/busybox" --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
}

path_env='ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
labels=(--change 'LABEL bosun.io/image=true' --change "LABEL $revision_label=$revision")

for image in "${wanted[@]}"; do
  say "building $image"
  rootfs="$work/${image//[\/:]/_}"
  mkdir -p "$rootfs/bin" "$rootfs/etc"
  case "$image" in
    bosun.local/busybox:1)
      dynamic_busybox "$rootfs"
      # What the binary links against, from this host (the same Debian release), and
      # what the C library reads to resolve names and services.
      mkdir -p "$rootfs/lib64"
      for lib in $(ldd "$rootfs/bin/busybox" | grep -o '/[^ ]*'); do
        mkdir -p "$rootfs$(dirname "$lib")"
        cp -L "$lib" "$rootfs$lib"
      done
      for nss in /lib/x86_64-linux-gnu/libnss_dns.so.2 /lib/x86_64-linux-gnu/libnss_files.so.2; do
        [ -e "$nss" ] && cp -L "$nss" "$rootfs$nss"
      done
      printf 'passwd: files\ngroup: files\nhosts: files dns\nservices: files\n' >"$rootfs/etc/nsswitch.conf"
      if [ -r /etc/services ]; then cp /etc/services "$rootfs/etc/services"; else printf 'domain 53/tcp\ndomain 53/udp\nhttp 80/tcp\nhttps 443/tcp\n' >"$rootfs/etc/services"; fi
      make_rootfs "$rootfs"
      cmd='CMD ["/bin/sh"]' ;;
    bosun.local/pause:1)
      cp "$busybox_bin" "$rootfs/bin/busybox"
      make_rootfs "$rootfs"
      # PID 1 ignores signals it has no handler for, so the trap is what lets
      # SIGTERM stop the infra container at once instead of after a SIGKILL.
      cmd='CMD ["/bin/sh","-c","trap \"exit 0\" TERM INT; while true; do sleep 3600 & wait $!; done"]' ;;
  esac
  tar -C "$rootfs" -c . | docker import --change "$cmd" --change "$path_env" "${labels[@]}" - "$image" >/dev/null
done
