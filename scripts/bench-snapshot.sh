#!/usr/bin/env bash
# Snapshot-ingest benchmark: generates a Warehouse snapshot of 1M users and
# 10M user_events (plus emails, IPs and recovery codes) in psql's CSV export
# format, ingests it into a fresh case and prints rows/s, wall time and peak
# RSS. Target: <= 60 s and <= 2 GiB on the 2-core reference machine.
#
# Usage: scripts/bench-snapshot.sh [WORKDIR] [USERS] [EVENTS]
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="$(go env GOFLAGS) -tags=duckdb_arrow" # the log ingest needs duckdb-go's Arrow interface
work=${1:-$(mktemp -d)}
users=${2:-1000000}
events=${3:-10000000}
mkdir -p "$work"
echo "workdir: $work" >&2
go build -buildvcs=auto -o "$work/freezeframe" .
go build -o "$work/gensnapshot" ./scripts/gensnapshot
snap="$work/snapshot-$users-$events"
[ -s "$snap/user_events.csv" ] || "$work/gensnapshot" -users "$users" -events "$events" -ips $((users * 3 / 10)) -out "$snap"
rm -rf "$work/case.duckdb" "$work/case.duckdb.wal" "$work/case.duckdb.tmp"
/usr/bin/time -v "$work/freezeframe" --quiet --case "$work/case.duckdb" ingest snapshot "$snap" >"$work/out.txt" 2>"$work/time.txt" ||
	{ cat "$work/time.txt" >&2; exit 1; }
cat "$work/out.txt"
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
rows=$(awk '$1 == "total" {print $4}' "$work/out.txt")
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
printf 'snapshot of %d users, %d events: %d rows in %.1f s (%.0f rows/s), peak RSS %.0f MiB, input %s\n' \
	"$users" "$events" "$rows" "$wall" "$(echo "$rows / $wall" | bc -l)" "$(echo "$rss / 1024" | bc -l)" "$(du -sh "$snap" | cut -f1)"
