#!/usr/bin/env bash
# The docker-compose lab (deploy/lab): three etcd members, two masters and three node
# hosts, each node with its own Docker engine. It installs Bosun the way
# docs/hosts.md does on real hosts, step for step.
#
#   lab.sh up      (npm run lab:up)   set up whatever is missing, build the node image
#                  when its inputs changed, start the lab, wait until three nodes are
#                  Ready and write $BOSUN_LAB_DIR/kubeconfig. Fast when already up.
#   lab.sh down    (npm run lab:down) remove the lab: containers, network, volumes and
#                  $BOSUN_LAB_DIR. The node image and the rootfs cache stay.
#   lab.sh status  the lab's containers
#
# BOSUN_LAB_DIR (default ~/.bosun/lab, or $BOSUN_HOME/lab) holds the lab's state:
#   pki/      the cluster CA and the certificates issued from it (the admin machine's)
#   hosts/    what each host is given: etcd-N/ its etcd certificate; master-N/etcd the
#             master's etcd client certificate, master-N/data its data directory
#             (the shared CA and service-account key placed in data/pki before the first start)
#   join/     the join token the nodes start with
#   kubeconfig  the admin's, one context per master
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

say() { echo "lab: $*" >&2; }
die() { echo "lab: error: $*" >&2; exit 1; }

project=bosun-lab
compose_file="$root/deploy/lab/docker-compose.yml"
lab_dir="${BOSUN_LAB_DIR:-${BOSUN_HOME:-$HOME/.bosun}/lab}"
export BOSUN_LAB_DIR="$lab_dir"
etcd_members=(etcd-1 etcd-2 etcd-3)
masters=(master-1 master-2)
nodes=3

compose() { docker-compose -p "$project" -f "$compose_file" "$@"; }
bosun() { node "$root/packages/cli/dist/src/main.js" "$@"; }

# Copies a file into a host's directory unless it is there already.
place() { # place <from> <to> <mode>
  [ -f "$2" ] && return 0
  mkdir -p "$(dirname "$2")"
  install -m "$3" "$1" "$2"
}

# docs/hosts.md step 2: the CA and the certificates for etcd, made on the admin machine.
make_pki() {
  local pki="$lab_dir/pki" hosts="$lab_dir/hosts" name
  # pki init keeps a CA it finds and adds the service-account key a lab made before it existed.
  [ -f "$pki/ca.crt" ] && [ -f "$pki/sa.key" ] || bosun pki init --dir "$pki" >&2
  [ -f "$pki/encryption-config.yaml" ] || bosun secrets init --out "$pki/encryption-config.yaml" >&2
  for name in "${etcd_members[@]}"; do
    # Peers and the masters reach a member by its name on the lab network; etcdctl
    # inside the member by loopback.
    [ -f "$pki/$name.crt" ] || bosun pki issue --dir "$pki" --name "$name" --cn "$name" --san "$name,localhost,127.0.0.1" --usage server,client >&2
    place "$pki/ca.crt" "$hosts/$name/ca.crt" 644
    place "$pki/$name.crt" "$hosts/$name/etcd.crt" 644
    place "$pki/$name.key" "$hosts/$name/etcd.key" 600
  done
  for name in "${masters[@]}"; do
    [ -f "$pki/$name-etcd.crt" ] || bosun pki issue --dir "$pki" --name "$name-etcd" --cn "$name" --usage client >&2
    place "$pki/ca.crt" "$hosts/$name/etcd/ca.crt" 644
    place "$pki/$name-etcd.crt" "$hosts/$name/etcd/client.crt" 644
    place "$pki/$name-etcd.key" "$hosts/$name/etcd/client.key" 600
    # docs/hosts.md step 4: both masters share the CA, placed before the first start.
    mkdir -p -m 700 "$hosts/$name/data/pki"
    place "$pki/ca.crt" "$hosts/$name/data/pki/ca.crt" 644
    place "$pki/ca.key" "$hosts/$name/data/pki/ca.key" 600
    # and the key that signs service-account tokens, so each checks the other's tokens.
    place "$pki/sa.key" "$hosts/$name/data/pki/sa.key" 600
    place "$pki/sa.pub" "$hosts/$name/data/pki/sa.pub" 644
    # docs/hosts.md step 4: and one encryption configuration, or each would make its own key.
    place "$pki/encryption-config.yaml" "$hosts/$name/data/encryption-config.yaml" 600
  done
}

# A lab host's address on the lab network, as Docker reports it.
address_of() {
  docker inspect --format '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$(compose ps -q "$1")"
}

# docs/hosts.md step 5: the admin's kubeconfig from the first master's PKI directory,
# with a context for every master.
write_kubeconfig() {
  local admin="$lab_dir/hosts/${masters[0]}/data/pki" servers=() name context
  for _ in $(seq 1 120); do
    [ -f "$admin/admin.crt" ] && [ -f "$admin/admin.key" ] && break
    sleep 0.5
  done
  [ -f "$admin/admin.crt" ] || die "${masters[0]} wrote no admin certificate in 60s; see 'docker logs ${project}_${masters[0]}_1'"
  for name in "${masters[@]}"; do
    context="bosun-lab-$name"
    [ "$name" = "${masters[0]}" ] && context=bosun-lab
    servers+=(--server "$context=https://$(address_of "$name"):6443")
  done
  node scripts/lab.mjs kubeconfig --out "$lab_dir/kubeconfig" --pki-dir "$admin" "${servers[@]}"
}

# docs/hosts.md step 6: a join token for the nodes, which read it whenever their
# agent starts (a node that joined keeps its certificate and needs it no more). It
# lasts 24h; lab:up makes a new one when the one there is older than 12h, so a
# node recreated later can still join.
write_token() {
  mkdir -p -m 700 "$lab_dir/join"
  local tmp="$lab_dir/join/token.tmp"
  [ -n "$(find "$lab_dir/join/token" -mmin -720 2>/dev/null)" ] && return 0
  bosun --kubeconfig "$lab_dir/kubeconfig" token create --ttl 24h >"$tmp"
  chmod 600 "$tmp"
  mv "$tmp" "$lab_dir/join/token"
}

up() {
  local started=$SECONDS image
  bash scripts/bootstrap.sh --lab
  image="$(bash scripts/build-node-image.sh)"
  export BOSUN_NODE_IMAGE="$image"
  mkdir -p -m 700 "$lab_dir"
  make_pki
  say "starting etcd and the masters from $image"
  compose up -d --remove-orphans "${etcd_members[@]}" "${masters[@]}" >&2
  write_kubeconfig
  node scripts/lab.mjs wait --kubeconfig "$lab_dir/kubeconfig" --nodes 0 --timeout 180
  write_token
  say "starting the nodes"
  compose up -d --remove-orphans >&2
  node scripts/lab.mjs wait --kubeconfig "$lab_dir/kubeconfig" --nodes "$nodes" --timeout 300
  say "up in $((SECONDS - started))s: kubectl --kubeconfig $lab_dir/kubeconfig get nodes"
}

down() {
  # The pods go first, killed by each node's own engine: nothing is kept, so their
  # grace periods would only slow this down, and an engine that removes its own
  # containers leaves no cgroups behind on this host (a node shares the host's
  # tree). Then the hosts get 5s to stop before they are killed.
  local node ids
  for node in $(docker ps -q --filter "label=com.docker.compose.project=$project" --filter "label=bosun.io/lab-role=node"); do
    docker exec "$node" sh -c 'ids=$(docker ps -q); [ -z "$ids" ] || docker kill $ids >/dev/null' 2>/dev/null &
  done
  wait
  if command -v docker-compose >/dev/null 2>&1; then
    compose down -v --remove-orphans -t 5 >&2
  else
    # Without compose (never installed, or removed since): the same by compose's labels.
    ids="$(docker ps -aq --filter "label=com.docker.compose.project=$project")"
    [ -z "$ids" ] || docker rm -f -v $ids >/dev/null
    ids="$(docker network ls -q --filter "label=com.docker.compose.project=$project")"
    [ -z "$ids" ] || docker network rm $ids >/dev/null
  fi
  rm -rf "$lab_dir"
  say "down"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) compose ps ;;
  *) die "usage: lab.sh up|down|status" ;;
esac
