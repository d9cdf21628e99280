#!/usr/bin/env bash
# `npm test`: set up whatever is missing, then run every compiled test: the
# packages' unit and integration tests first, then the end-to-end suites.
# Extra arguments go to `node --test` (e.g. --test-name-pattern=...).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/bootstrap.sh

# Info logs of the components under test would bury the TAP report; warnings
# and errors still show. BOSUN_LOG_LEVEL=debug npm test to see everything.
export BOSUN_LOG_LEVEL="${BOSUN_LOG_LEVEL:-warn}"

# Only *.test.js files: fixtures and fakes beside them are not tests and must not
# be counted as passing ones.
test_files() {
  find "$@" -name '*.test.js' 2>/dev/null | sort
}

status=0
mapfile -t unit < <(test_files packages/*/dist/test/)
if [ "${#unit[@]}" -gt 0 ]; then
  echo "test: packages (${#unit[@]} files)" >&2
  node --test "$@" "${unit[@]}" || status=1
fi
# The e2e suites drive real processes and one shared Docker engine, so they
# run after the package tests rather than beside them.
mapfile -t e2e < <(test_files e2e/dist/test/)
if [ "${#e2e[@]}" -gt 0 ]; then
  echo "test: e2e (${#e2e[@]} files)" >&2
  node --test "$@" "${e2e[@]}" || status=1
fi
if [ "${#unit[@]}" -eq 0 ] && [ "${#e2e[@]}" -eq 0 ]; then
  echo "test: error: no compiled tests found under packages/*/dist/test or e2e/dist/test" >&2
  exit 1
fi
[ "$status" -eq 0 ] && echo "test: all passed" >&2 || echo "test: FAILED (see 'not ok' above)" >&2
exit "$status"
