#!/usr/bin/env bash
# `npm start`: set up whatever is missing, then run the local cluster in the
# foreground (`bosun up`). Extra arguments go to `bosun up`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bash "$root/scripts/bootstrap.sh"
exec node "$root/packages/cli/dist/src/main.js" up "$@"
