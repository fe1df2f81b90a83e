#!/usr/bin/env bash
# Analyze benchmark: generates labelled incidents (scenario pypi-2024-03) at
# the given scales, ingests each into a case once, then times freezeframe
# analyze on it and prints wall time, peak RSS and the case's size in events,
# log lines and login attempts, so the cost can be seen to grow linearly.
# Target: <= 60 s on the PyPI-size case (scale 400: ~800k accounts, >10M
# events, >20M log lines) on the 2-core reference machine.
#
# Usage: scripts/bench-analyze.sh [WORKDIR] [SCALE...]   (default scales: 100 400)
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="$(go env GOFLAGS) -tags=duckdb_arrow" # the log ingest needs duckdb-go's Arrow interface
work=${1:-$(mktemp -d)}
shift || true
scales=("$@")
[ ${#scales[@]} -gt 0 ] || scales=(100 400)
mkdir -p "$work"
echo "workdir: $work" >&2
go build -buildvcs=auto -o "$work/freezeframe" .
ff="$work/freezeframe"
echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
for scale in "${scales[@]}"; do
	inc="$work/incident-$scale"
	case="$work/case-$scale.duckdb"
	if [ ! -s "$case" ]; then
		rm -rf "$inc" "$case" "$case.wal"
		"$ff" --quiet samples generate --scenario pypi-2024-03 --seed 1 --scale "$scale" --out "$inc" >/dev/null
		"$ff" --quiet --memory-limit 1GB --case "$case" ingest logs "$inc"/logs/* >/dev/null
		"$ff" --quiet --memory-limit 1GB --case "$case" ingest snapshot "$inc/snapshot" >/dev/null
	fi
	# analyze at its defaults (its own 2GB memory limit) unless MEMORY_LIMIT is set
	/usr/bin/time -v "$ff" --quiet ${MEMORY_LIMIT:+--memory-limit "$MEMORY_LIMIT"} --case "$case" analyze >"$work/out-$scale.txt" 2>"$work/time-$scale.txt" ||
		{ cat "$work/time-$scale.txt" >&2; exit 1; }
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time-$scale.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time-$scale.txt")
	counts=$("$ff" --case "$case" query "SELECT (SELECT count(*) FROM account_events), (SELECT count(*) FROM requests), (SELECT count(*) FROM attempts), (SELECT count(*) FROM accounts)" | tail -1)
	IFS=, read -r events lines attempts accounts <<<"$counts"
	printf 'scale %s: %d accounts, %d events, %d log lines, %d login attempts: analyze %.1f s, peak RSS %.0f MiB\n' \
		"$scale" "$accounts" "$events" "$lines" "$attempts" "$wall" "$(echo "$rss / 1024" | bc -l)"
	grep -E 'compromised|campaigns|window' "$work/out-$scale.txt" | sed 's/^/    /'
done
