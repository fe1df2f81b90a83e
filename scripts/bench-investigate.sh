#!/usr/bin/env bash
# Investigate benchmark: the whole investigation of the PyPI-size incident
# (scenario pypi-2024-03 at scale 400: ~800k accounts, ~13M events, ~34M log
# lines) at every default, end to end, as an admin would run it. Prints the
# machine, wall time and peak RSS, when each step ran (from the debug log;
# steps that overlap show it), and the verdict, so a fast run that found the
# wrong thing cannot pass for a good one.
# Target (issue 18): <= 90 s and <= 2 GiB peak RSS on the 2-core reference machine.
#
# Usage: scripts/bench-investigate.sh [WORKDIR]   (default: a temporary directory)
# INCIDENT=DIR reuses a generated incident (its logs/, snapshot/ and truth.csv);
# otherwise one is generated into WORKDIR/incident-400 (about 9 minutes, 7 GB)
# and kept for the next run. Needs Go and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="$(go env GOFLAGS) -tags=duckdb_arrow" # the log ingest needs duckdb-go's Arrow interface
work=${1:-$(mktemp -d)}
mkdir -p "$work"
echo "workdir: $work" >&2

go build -buildvcs=auto -o "$work/freezeframe" .
ff="$work/freezeframe"
inc=${INCIDENT:-$work/incident-400}
if [ ! -s "$inc/truth.csv" ]; then
	rm -rf "$inc"
	"$ff" --quiet samples generate --scenario pypi-2024-03 --seed 1 --pypi-size --out "$inc" >/dev/null
fi

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "freezeframe: $("$ff" version | tr '\n' ' ')"
out="$work/report"
/usr/bin/time -v "$ff" --log-level debug investigate --force --out "$out" \
	--snapshot "$inc/snapshot" --logs "$inc"/logs/* >"$work/stdout.txt" 2>"$work/stderr.txt" ||
	{ tail -30 "$work/stderr.txt" >&2; exit 1; }

wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/stderr.txt" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/stderr.txt")
printf 'investigate: %.1f s, peak RSS %.0f MiB\n' "$wall" "$(echo "$rss / 1024" | bc -l)"

# When each step began and ended, in seconds from the first log line:
# logs from the first detected format to the last ingested file, the
# snapshot from its first staged file to "snapshot ingested", analyze from
# its memory limit to its commit, the report after that to the end.
awk -v wall="$wall" '
function secs(ts,   t) { t = substr(ts, 18); return substr(ts, 12, 2) * 3600 + substr(ts, 15, 2) * 60 + t }
/^time=/ {
	t = secs(substr($1, 6)); if (t0 == "") t0 = t
	if ($0 ~ /msg="detected log format"/ && !("logs" in b)) b["logs"] = t
	if ($0 ~ /msg="log ingested"/) e["logs"] = t
	if ($0 ~ /msg=staging/ && !("snapshot" in b)) b["snapshot"] = t
	if ($0 ~ /msg="snapshot ingested"/) e["snapshot"] = t
	if ($0 ~ /msg="analysis memory limit"/) b["analyze"] = t
	if ($0 ~ /msg=committed elapsed=/) { e["analyze"] = t; b["report"] = t }
}
END {
	n = split("logs snapshot analyze report", steps, " ")
	for (i = 1; i <= n; i++) {
		s = steps[i]
		if (!(s in b)) { printf "  %-9s not in the log\n", s; continue }
		end = (s in e) ? e[s] - t0 : wall
		printf "  %-9s %6.1f .. %6.1f s  (%.1f s)\n", s, b[s] - t0, end, end - (b[s] - t0)
	}
}' "$work/stderr.txt"

want=$(awk -F, 'NR > 1 && $3 == "compromised"' "$inc/truth.csv" | wc -l)
got=$(($(wc -l <"$out/freeze-list.csv") - 1))
grep -E '^(verdict|compromised|exposed|results sha256)' "$work/stdout.txt" | sed 's/^/  /'
echo "  freeze list: $got accounts; the truth has $want compromised"
