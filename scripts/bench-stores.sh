#!/usr/bin/env bash
# Reproduces the "Stores and instances" table of BENCHMARKS.md: SQLite with
# one instance against PostgreSQL with one, two and three `kabinet serve`
# processes on one database, for sync-idle (beside /healthz), payday and
# dispatch, with the same client (cmd/kabinet-load) in one session.
#
#   scripts/bench-stores.sh                 # all four rows
#   ROWS="sqlite:1 postgres:3" scripts/bench-stores.sh
#
# Settings (environment): EMPLOYEES (1000), CONCURRENCY (100), DURATION
# (15s per scenario), PGURL (postgres://postgres@127.0.0.1:5432, trust
# auth), PORT (19000: instances on PORT+i, their /metrics on PORT+10+i, the
# push fakes on PORT+20 and PORT+21), OUT (/tmp/bench-stores: binaries,
# logs, one JSON report per row). Every row gets a fresh SQLite file or a
# fresh PostgreSQL database (dropped afterwards). Needs psql and jq.
set -euo pipefail
cd "$(dirname "$0")/.."

EMPLOYEES=${EMPLOYEES:-1000}
CONCURRENCY=${CONCURRENCY:-100}
DURATION=${DURATION:-15s}
PGURL=${PGURL:-postgres://postgres@127.0.0.1:5432}
PORT=${PORT:-19000}
OUT=${OUT:-/tmp/bench-stores}
ROWS=${ROWS:-sqlite:1 postgres:1 postgres:2 postgres:3}
export KABINET_BOOTSTRAP_TOKEN=bench-stores-operator-token-0123456789

mkdir -p "$OUT/bin"
go build -o "$OUT/bin/kabinet" ./cmd/kabinet
go build -o "$OUT/bin/kabinet-load" ./cmd/kabinet-load

pids=()
dbname=""
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	pids=()
	if [ -n "$dbname" ]; then
		psql "$PGURL/postgres" -qc "DROP DATABASE IF EXISTS $dbname WITH (FORCE)" >/dev/null
		dbname=""
	fi
}
trap cleanup EXIT

row() { # store instances
	local store=$1 n=$2 name="$1-$2" dir db targets="" metrics="" i
	dir="$OUT/$name"
	rm -rf "$dir" && mkdir -p "$dir"
	if [ "$store" = sqlite ]; then
		db="$dir/kabinet.db"
	else
		dbname="kabinet_bench_${n}_$$"
		psql "$PGURL/postgres" -qc "CREATE DATABASE $dbname" >/dev/null
		db="$PGURL/$dbname"
	fi
	KABINET_DB=$db "$OUT/bin/kabinet" migrate >"$dir/migrate.log" 2>&1
	for ((i = 0; i < n; i++)); do
		targets+="${targets:+,}http://127.0.0.1:$((PORT + i))"
		metrics+="${metrics:+,}http://127.0.0.1:$((PORT + 10 + i))"
	done
	# The harness starts the fakes and writes push.env, then waits for the
	# servers, which must be started with those variables.
	"$OUT/bin/kabinet-load" --target "$targets" --metrics "$metrics" \
		--employees "$EMPLOYEES" --months 1 --concurrency "$CONCURRENCY" --duration "$DURATION" \
		--scenario sync-idle,dispatch,payday --settle 1s \
		--push-fakes "$dir/fakes" --fake-fcm "127.0.0.1:$((PORT + 20))" --fake-apns "127.0.0.1:$((PORT + 21))" \
		--json "$dir/report.json" >"$dir/load.log" 2>&1 &
	local load=$!
	pids+=("$load")
	for _ in $(seq 100); do [ -f "$dir/fakes/push.env" ] && break; sleep 0.1; done
	for ((i = 0; i < n; i++)); do
		env $(cat "$dir/fakes/push.env") KABINET_DB="$db" KABINET_ADDR="127.0.0.1:$((PORT + i))" \
			KABINET_METRICS_ADDR="127.0.0.1:$((PORT + 10 + i))" \
			"$OUT/bin/kabinet" serve >"$dir/serve-$i.log" 2>&1 &
		pids+=("$!")
	done
	local rc=0
	wait "$load" || rc=$?
	cleanup
	if [ $rc -ne 0 ]; then
		echo "$name: kabinet-load failed (exit $rc); see $dir/load.log" >&2
		tail -20 "$dir/load.log" >&2
		exit 1
	fi
	echo "$name done" >&2
}

for r in $ROWS; do row "${r%%:*}" "${r##*:}"; done

# The table: requests/s, p99 and the servers' CPU per request (µs, summed
# over the instances) for each scenario.
echo
echo "| store, instances | healthz req/s | sync-idle req/s (÷ healthz) | sync-idle p99 ms | CPU µs/req healthz / sync-idle | payday req/s, p99 ms | payday CPU µs/req | dispatch reminders/s, p50/p99 ms (arrived/planned) | dispatch CPU µs/reminder | RSS peak MB |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for r in $ROWS; do
	jq -r --arg row "${r%%:*} × ${r##*:}" '
		def s(n): (.scenarios[] | select(.scenario == n));
		def f(x): if x == null then "–" else (x | . * 10 | round / 10 | tostring) end;
		def i(x): if x == null then "–" else (x | round | tostring) end;
		"| \($row) | \(i(s("healthz").rps)) | \(i(s("sync-idle").rps)) (\(f(s("sync-idle").rps / s("healthz").rps * 100))%) | \(f(s("sync-idle").p99_ms))"
		+ " | \(i(s("healthz").extra.server_cpu_us_per_request)) / \(i(s("sync-idle").extra.server_cpu_us_per_request))"
		+ " | \(i(s("payday").rps)), \(f(s("payday").p99_ms)) | \(i(s("payday").extra.server_cpu_us_per_request))"
		+ " | \(i(s("dispatch").rps)), \(i(s("dispatch").p50_ms))/\(i(s("dispatch").p99_ms)) (\(i(s("dispatch").extra.reminders_arrived))/\(i(s("dispatch").extra.reminders_planned)))"
		+ " | \(i(s("dispatch").extra.server_cpu_us_per_request)) | \(i(.rss_peak_mb)) |"' "$OUT/${r%%:*}-${r##*:}/report.json"
done
