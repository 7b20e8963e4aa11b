#!/usr/bin/env bash
# The whole suite, as `make test` runs it. The unit tests (pure logic, CPU-bound, no servers, only
# ephemeral ports) run in a second process beside the integration tests (a real Asterisk, database
# and broker: mostly waiting on calls), so the two overlap on the machine's cores instead of
# following each other. Both must pass; each prints its own report (the 25 slowest integration tests).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"$PY" -m pytest -q -p no:cacheprovider tests/unit >"$log" 2>&1 &
unit=$!
"$PY" -m pytest -q -p no:cacheprovider --durations=25 tests/integration
integration=$?
wait "$unit"
unit_rc=$?
echo
echo "== unit tests (run beside the integration tests) =="
cat "$log"
echo "integration: exit $integration; unit: exit $unit_rc"
[ "$integration" -eq 0 ] && [ "$unit_rc" -eq 0 ]
