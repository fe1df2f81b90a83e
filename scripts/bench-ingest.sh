#!/usr/bin/env bash
# Ingest benchmark: generates a 2M-line and a 20M-line combined log, ingests
# each into a fresh case, and prints lines/s, wall time and peak RSS. On the
# 2M-line file it also times GoAccess and DuckDB's own SQL route (read_csv +
# regexp_extract + strptime into a table) and prints our speed as a ratio.
#
# Usage: scripts/bench-ingest.sh [WORKDIR]   (default: a temporary directory)
# Needs: Go, GNU time (/usr/bin/time), goaccess (apt-get install goaccess) for
# the comparison; about 5 GB of disk for the 20M-line file and its case.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -tags=duckdb_arrow" # the log ingest needs duckdb-go's Arrow interface
work=${1:-$(mktemp -d)}
mkdir -p "$work"
echo "workdir: $work" >&2

go build -buildvcs=auto -o "$work/freezeframe" .
go build -o "$work/genlog" ./scripts/genlog
ff="$work/freezeframe"

# measure CMD... -> prints "seconds peak_kb" of the command, output discarded.
measure() {
	/usr/bin/time -v "$@" >/dev/null 2>"$work/time.txt" || { cat "$work/time.txt" >&2; return 1; }
	local wall rss
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
	# wall is m:ss.xx or h:mm:ss
	echo "$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }') $rss"
}

row() { # name lines seconds rss_kb
	printf '%-34s %10d %9.2f %12.0f %9.0f\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)" "$(echo "$4 / 1024" | bc -l)"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)"
echo "freezeframe: $("$ff" version | tr '\n' ' ')"
printf '%-34s %10s %9s %12s %9s\n' "run" "lines" "seconds" "lines/s" "peak MiB"

declare -A secs
for n in 2000000 20000000; do
	log="$work/combined-$n.log"
	[ -s "$log" ] || "$work/genlog" -lines "$n" >"$log"
	rm -f "$work/case-$n.duckdb" "$work/case-$n.duckdb.wal"
	read -r s rss < <(measure "$ff" --quiet --case "$work/case-$n.duckdb" ingest logs --log-format combined "$log")
	got=$("$ff" --case "$work/case-$n.duckdb" query "SELECT lines_read FROM sources" | tail -1)
	[ "$got" = "$n" ] || { echo "ingest of $log recorded $got lines, want $n" >&2; exit 1; }
	row "freezeframe ingest ($n lines)" "$n" "$s" "$rss"
	secs[$n]=$s
done

# The storage ceiling: DuckDB writing the same 2M parsed rows from memory into
# a fresh case file, with no parsing at all. The first run only loads them
# into memory; the difference is DuckDB's cost of storing them.
load="ATTACH '$work/case-2000000.duckdb' AS src (READ_ONLY); CREATE TEMP TABLE m AS SELECT * FROM src.requests;"
rm -f "$work/ceiling.duckdb" "$work/ceiling.duckdb.wal"
read -r s0 _ < <(measure "$ff" --quiet --case "$work/ceiling.duckdb" query --write "$load")
rm -f "$work/ceiling.duckdb" "$work/ceiling.duckdb.wal"
read -r s1 rss < <(measure "$ff" --quiet --case "$work/ceiling.duckdb" query --write "$load INSERT INTO requests SELECT * FROM m;")
row "duckdb storing 2M parsed rows" 2000000 "$(echo "$s1 - $s0" | bc -l)" "$rss"

log2m="$work/combined-2000000.log"
if command -v goaccess >/dev/null; then
	read -r s rss < <(measure goaccess "$log2m" --log-format=COMBINED -o "$work/goaccess.html")
	row "goaccess $(goaccess --version | head -1 | awk '{print $3}' | sed 's/\.$//') (2M lines)" 2000000 "$s" "$rss"
	printf '  freezeframe is %.1fx GoAccess\n' "$(echo "$s / ${secs[2000000]}" | bc -l)"
else
	echo "goaccess not installed (apt-get install goaccess): comparison skipped"
fi

sqlcase="$work/case-sql.duckdb"
rm -f "$sqlcase" "$sqlcase.wal"
read -r s rss < <(measure "$ff" --quiet --case "$sqlcase" query --write "
CREATE TABLE r AS
SELECT strptime(m.ts, '%d/%b/%Y:%H:%M:%S %z') AS time, m.client, m.method, m.path, m.protocol,
       m.status::SMALLINT AS status, TRY_CAST(m.bytes AS BIGINT) AS bytes, m.referrer, m.user_agent
FROM (SELECT regexp_extract(line,
        '^(\S+) \S+ \S+ \[([^\]]+)\] \"(\S+) (\S+) (\S+)\" (\d{3}) (\S+) \"([^\"]*)\" \"(.*)\"\$',
        ['client', 'ts', 'method', 'path', 'protocol', 'status', 'bytes', 'referrer', 'user_agent']) AS m
      FROM read_csv('$log2m', columns = {'line': 'VARCHAR'}, delim = E'\\x01', quote = '', escape = '',
                    header = false, auto_detect = false))")
row "duckdb sql read_csv+regexp (2M)" 2000000 "$s" "$rss"
printf '  freezeframe is %.1fx the DuckDB SQL route\n' "$(echo "$s / ${secs[2000000]}" | bc -l)"
