#!/usr/bin/env bash
# Runs the README's walk-through, as written, against a fresh demo server, so
# that the documentation cannot drift from the code. cmd/kabinet's
# TestREADMEWalkthrough runs it (and so .ci/run); a person can too:
#
#   scripts/walkthrough.sh            # needs go, curl, jq
#
# It builds kabinet, starts `kabinet serve --demo` on a free database, takes
# the API key and E-003's activation code from what the server printed, then
# runs every ```sh block of the README between "## Walk-through" and
# "## Configuration" in one bash, with `set -euo pipefail`:
#   - the line that starts the demo server is skipped (it runs already);
#   - the lines where the reader pastes the key and the code get the real ones;
#   - localhost:8080 and 8081 become the ports chosen here, `go run
#     ./cmd/kabinet` the binary built here.
# It fails when a command fails or when an answer carries GraphQL "errors"
# (the README's one deliberate failure is piped to `jq .errors`, an array).
#
# Environment: KABINET_BIN (a built binary; default: build one), PORT and
# PORT2 (default 18080, 18081), WORKDIR (default: a temporary directory).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

for tool in curl jq; do
  command -v "$tool" >/dev/null || { echo "walkthrough: $tool is not installed" >&2; exit 1; }
done
own_workdir=
if [ -z "${WORKDIR:-}" ]; then WORKDIR=$(mktemp -d); own_workdir=1; fi
PORT=${PORT:-18080}
PORT2=${PORT2:-18081}
if [ -z "${KABINET_BIN:-}" ]; then
  KABINET_BIN=$WORKDIR/kabinet
  go build -o "$KABINET_BIN" ./cmd/kabinet
fi

server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
}
trap cleanup EXIT

# The demo server, as the README's first command starts it.
cd "$WORKDIR"
rm -f kabinet.db* operator.db*
KABINET_LOG_LEVEL=warn "$KABINET_BIN" serve --demo --addr "127.0.0.1:$PORT" >server.log 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -sf "localhost:$PORT/readyz" >/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat server.log >&2; echo "walkthrough: the demo server did not start" >&2; exit 1; }
  sleep 0.1
done
KEY=$(sed -n 's/.*export KABINET_KEY=\(kbn_[a-z0-9]*\).*/\1/p' server.log | head -1)
CODE=$(sed -n 's/^ *\([A-Z0-9]\{4\}-[A-Z0-9]\{4\}-[A-Z0-9]\{4\}\) .*(E-003)$/\1/p' server.log | head -1)
if [ -z "$KEY" ] || [ -z "$CODE" ]; then
  cat server.log >&2; echo "walkthrough: no API key or no code for E-003 in the demo's output" >&2; exit 1
fi

# The README's commands.
awk '/^## Walk-through/{on=1} /^## Configuration/{on=0} on && /^```/{inblock = !inblock && ($0 == "```sh"); next} on && inblock' "$ROOT/README.md" |
  grep -v 'serve --demo' |
  sed -e "s|^export KABINET_KEY=kbn_….*|export KABINET_KEY=$KEY|" \
      -e "s|^CODE=XXXX-XXXX-XXXX.*|CODE=$CODE|" \
      -e "s|localhost:8080|localhost:$PORT|g" \
      -e "s|localhost:8081|localhost:$PORT2|g" \
      -e "s|--addr :8081|--addr 127.0.0.1:$PORT2|g" \
      -e "s|go run \./cmd/kabinet|$KABINET_BIN|g" >walkthrough.sh
[ -s walkthrough.sh ] || { echo "walkthrough: no sh block found in README.md" >&2; exit 1; }

if ! bash -euo pipefail walkthrough.sh >walkthrough.out 2>walkthrough.err; then
  cat walkthrough.out walkthrough.err >&2
  echo "walkthrough: a command of the README failed (script: $WORKDIR/walkthrough.sh)" >&2
  exit 1
fi
# Lines starting with a letter are reports of kabinet itself (kabinet import), not JSON.
grep -v '^[A-Za-z]' walkthrough.out >answers.json || true
if ! jq -e -s 'map(select(type == "object" and has("errors"))) | length == 0' answers.json >/dev/null; then
  jq -c 'select(type == "object" and has("errors"))' answers.json >&2 || cat walkthrough.out >&2
  echo "walkthrough: an answer of the README's commands carries errors (script: $WORKDIR/walkthrough.sh)" >&2
  exit 1
fi
echo "walkthrough: $(grep -c . walkthrough.sh) lines of the README ran, $(jq -s length answers.json) answers without errors"
if [ -n "$own_workdir" ]; then cleanup; server_pid=; cd /; rm -rf "$WORKDIR"; fi
