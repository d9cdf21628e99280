# Sourced by the scripts beside it, not run: how they speak and how they get root.
# Messages go to stderr, prefixed with the running script's name, so stdout stays
# free for what a script prints for its caller (build-node-image.sh: the image).

script_name="$(basename "$0" .sh)"

say() { echo "$script_name: $*" >&2; }
die() { echo "$script_name: error: $*" >&2; exit 1; }

# Runs a command as root: directly when we are root, else through sudo.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@";
  elif command -v sudo >/dev/null 2>&1; then sudo "$@";
  else die "'$*' needs root; run as root or install sudo"; fi
}
