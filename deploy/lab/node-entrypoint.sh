#!/bin/bash
# bosun-lab-node: the init of a lab node host (installed as /usr/local/bin/bosun-lab-node
# in the node image; tini is PID 1 above it). It does what a host's boot does for
# Bosun: its own Docker engine, the local images in it, then bosun-agent, restarted
# whenever it exits as systemd's Restart=always would. Arguments go to bosun-agent.
#
# Environment:
#   BOSUN_DOCKERD_ARGS   extra dockerd flags
#   BOSUN_TOKEN_FILE     a file holding the join token, given to the agent as
#                        $BOSUN_TOKEN (read at every start, so a new token counts)
set -euo pipefail

say() { echo "bosun-lab-node: $*" >&2; }

# Docker hides parts of /proc and mounts /proc/sys and /sys read-only in a container
# that is not --privileged. `--security-opt systempaths=unconfined` lifts that, but
# docker-compose 1.29 cannot pass it (the docker CLI translates it; the engine refuses
# it). The node holds CAP_SYS_ADMIN in its own mount namespace, so it lifts them
# itself: dockerd and the pod network write sysctls, and runc mounts a new /proc.
for mount_point in $(awk '$5 ~ "^/proc/." { print $5 }' /proc/self/mountinfo | sort -r); do
  umount "$mount_point" 2>/dev/null || say "warning: cannot unmount $mount_point"
done
mount -o remount,rw /sys 2>/dev/null || say "warning: /sys stays read-only"

# The engine's own log, apart from the agent's on stdout (`docker logs`).
# shellcheck disable=SC2086 # BOSUN_DOCKERD_ARGS is a list of flags
dockerd ${BOSUN_DOCKERD_ARGS:-} >>/var/log/dockerd.log 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 120); do
  docker version >/dev/null 2>&1 && break
  kill -0 "$dockerd_pid" 2>/dev/null || { tail -n 20 /var/log/dockerd.log >&2; say "dockerd exited (log above)"; exit 1; }
  sleep 0.5
done
docker version >/dev/null 2>&1 || { tail -n 20 /var/log/dockerd.log >&2; say "dockerd did not answer within 60s (log above)"; exit 1; }

# No registry is reachable: the pause and busybox images ship in the node image.
# /var/lib/docker is a volume, so a restarted node finds them already loaded.
images=/opt/bosun/images/local.tar
if [ -f "$images" ] && ! docker image inspect bosun.local/pause:1 bosun.local/busybox:1 >/dev/null 2>&1; then
  docker load -q -i "$images" >&2
fi

stopping=0
agent_pid=
stop() {
  stopping=1
  if [ -n "$agent_pid" ]; then kill -TERM "$agent_pid" 2>/dev/null || true; fi
}
trap stop TERM INT

while [ "$stopping" -eq 0 ]; do
  if [ -n "${BOSUN_TOKEN_FILE:-}" ] && [ -s "$BOSUN_TOKEN_FILE" ]; then
    BOSUN_TOKEN="$(tr -d '[:space:]' <"$BOSUN_TOKEN_FILE")"
    export BOSUN_TOKEN
  fi
  bosun-agent "$@" &
  agent_pid=$!
  # For whoever restarts the agent by hand (the lab suite): kill -TERM "$(cat /run/bosun-agent.pid)".
  echo "$agent_pid" >/run/bosun-agent.pid
  # A trapped signal ends `wait` early; wait again until the agent has really exited.
  while kill -0 "$agent_pid" 2>/dev/null; do wait "$agent_pid" || true; done
  agent_pid=
  [ "$stopping" -eq 1 ] && break
  kill -0 "$dockerd_pid" 2>/dev/null || { say "dockerd exited; stopping the node"; exit 1; }
  say "bosun-agent exited; starting it again in 2s"
  sleep 2
done

# The host is going down: the engine stops its containers (the pods) as a host's would.
kill -TERM "$dockerd_pid" 2>/dev/null || true
while kill -0 "$dockerd_pid" 2>/dev/null; do wait "$dockerd_pid" || true; done
