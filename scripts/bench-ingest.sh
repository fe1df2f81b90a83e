#!/usr/bin/env bash
# Ingest benchmark: generates a 2M-line and a 20M-line combined log and a
# 2M-line Fastly-PyPI log, ingests each into a fresh case, and prints lines/s,
# wall time and peak RSS. On the 2M-line combined file, in the same run, it
# times lnav, DuckDB's own SQL route (read_csv + regexp_extract + strptime
# into a table) and GoAccess, and prints freezeframe's speed as a ratio to
# the faster of lnav and the SQL route.
#
# Usage: scripts/bench-ingest.sh [WORKDIR]   (default: a temporary directory)
# BIG_LINES=0 skips the 20M-line run (default 20000000).
# Needs: Go, GNU time (/usr/bin/time), bc; lnav and goaccess for the
# comparisons (apt-get install lnav goaccess); about 5 GB of disk for the
# 20M-line file and its case.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="$(go env GOFLAGS) -tags=duckdb_arrow" # the log ingest needs duckdb-go's Arrow interface
work=${1:-$(mktemp -d)}
mkdir -p "$work"
echo "workdir: $work" >&2

go build -buildvcs=auto -o "$work/freezeframe" .
go build -o "$work/genlog" ./scripts/genlog
ff="$work/freezeframe"

# measure CMD... -> prints "seconds peak_kb cpu_seconds" of the command (cpu:
# user + system, which says more than the wall time on a machine doing other
# work); its output goes to $work/out.txt.
measure() {
	/usr/bin/time -v "$@" >"$work/out.txt" 2>"$work/time.txt" || { cat "$work/time.txt" >&2; return 1; }
	local wall rss cpu
	wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
	rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
	cpu=$(awk -F': ' '/(User|System) time \(seconds\)/ {s += $2} END {print s}' "$work/time.txt")
	# wall is m:ss.xx or h:mm:ss
	echo "$(echo "$wall" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }') $rss $cpu"
}

row() { # name lines seconds rss_kb [cpu_seconds]
	printf '%-42s %10d %9.2f %10.0f %9.0f %8s\n' "$1" "$2" "$3" "$(echo "$2 / $3" | bc -l)" "$(echo "$4 / 1024" | bc -l)" "${5:--}"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "freezeframe: $("$ff" version | tr '\n' ' ')"
printf '%-42s %10s %9s %10s %9s %8s\n' "run" "lines" "seconds" "lines/s" "peak MiB" "cpu s"

declare -A secs cpus
big=${BIG_LINES:-20000000}
# ingest NAME FORMAT LINES: generates the log if needed, ingests it into a
# fresh case, checks every line was read, prints a row, and sets secs[NAME].
ingest() {
	local name=$1 format=$2 n=$3
	local log="$work/$name.log" case="$work/case-$name.duckdb"
	[ -s "$log" ] || "$work/genlog" -lines "$n" -format "$format" >"$log"
	rm -f "$case" "$case.wal"
	read -r s rss cpu < <(measure "$ff" --quiet --case "$case" ingest logs --log-format "$format" "$log")
	got=$("$ff" --case "$case" query "SELECT lines_read FROM sources" | tail -1)
	[ "$got" = "$n" ] || { echo "ingest of $log recorded $got lines, want $n" >&2; exit 1; }
	row "freezeframe $format ($n lines)" "$n" "$s" "$rss" "$cpu"
	secs[$name]=$s cpus[$name]=$cpu
}
ingest combined-2000000 combined 2000000
ingest fastly-2000000 fastly-pypi 2000000
if [ "$big" -gt 0 ]; then
	ingest "combined-$big" combined "$big"
fi

# The storage ceiling: DuckDB writing the same 2M parsed rows from memory into
# a fresh case file, with no parsing at all. The first run only loads them
# into memory; the difference is DuckDB's cost of storing them.
load="ATTACH '$work/case-combined-2000000.duckdb' AS src (READ_ONLY); CREATE TEMP TABLE m AS SELECT * FROM src.requests;"
rm -f "$work/ceiling.duckdb" "$work/ceiling.duckdb.wal"
read -r s0 _ _ < <(measure "$ff" --quiet --case "$work/ceiling.duckdb" query --write "$load")
rm -f "$work/ceiling.duckdb" "$work/ceiling.duckdb.wal"
read -r s1 rss _ < <(measure "$ff" --quiet --case "$work/ceiling.duckdb" query --write "$load INSERT INTO requests SELECT * FROM m;")
row "duckdb storing 2M parsed rows" 2000000 "$(echo "$s1 - $s0" | bc -l)" "$rss"

log2m="$work/combined-2000000.log"
ff2m=${secs[combined-2000000]}
peer=""    # the faster of lnav and the DuckDB SQL route
peer_s=""
peer_cpu=""
faster() { # name seconds cpu_seconds
	if [ -z "$peer_s" ] || [ "$(echo "$2 < $peer_s" | bc -l)" = 1 ]; then
		peer=$1 peer_s=$2 peer_cpu=$3
	fi
}

if command -v lnav >/dev/null; then
	# One SQL pass that reads every line's fields, so lnav parses each line
	# as freezeframe does; its answer is checked against the case's.
	q="SELECT count(*), count(c_ip), sum(sc_bytes), count(cs_user_agent) FROM access_log"
	lv=$(lnav -V | head -1)
	read -r s rss cpu < <(measure lnav -n -c ";$q" "$log2m")
	got=$(tail -1 "$work/out.txt" | awk '{print $1, $2, $3, $4}')
	want=$("$ff" --case "$work/case-combined-2000000.duckdb" query \
		"SELECT count(*), count(client), sum(bytes), count(user_agent) FROM requests" | tail -1 | tr ',' ' ')
	[ "$got" = "$want" ] || { echo "lnav read the 2M-line log as '$got', the case holds '$want'" >&2; exit 1; }
	row "$lv: fields of every line (2M)" 2000000 "$s" "$rss" "$cpu"
	faster "$lv" "$s" "$cpu"
	# Counting lines touches no field: lnav then only indexes the file.
	read -r s rss cpu < <(measure lnav -n -c ';SELECT count(*) FROM access_log' "$log2m")
	row "$lv: count(*) only, no fields" 2000000 "$s" "$rss" "$cpu"
else
	echo "lnav not installed (apt-get install lnav): comparison skipped"
fi

sqlcase="$work/case-sql.duckdb"
rm -f "$sqlcase" "$sqlcase.wal"
read -r s rss cpu < <(measure "$ff" --quiet --case "$sqlcase" query --write "
CREATE TABLE r AS
SELECT strptime(m.ts, '%d/%b/%Y:%H:%M:%S %z') AS time, m.client, m.method, m.path, m.protocol,
       m.status::SMALLINT AS status, TRY_CAST(m.bytes AS BIGINT) AS bytes, m.referrer, m.user_agent
FROM (SELECT regexp_extract(line,
        '^(\S+) \S+ \S+ \[([^\]]+)\] \"(\S+) (\S+) (\S+)\" (\d{3}) (\S+) \"([^\"]*)\" \"(.*)\"\$',
        ['client', 'ts', 'method', 'path', 'protocol', 'status', 'bytes', 'referrer', 'user_agent']) AS m
      FROM read_csv('$log2m', columns = {'line': 'VARCHAR'}, delim = E'\\x01', quote = '', escape = '',
                    header = false, auto_detect = false))")
row "duckdb sql read_csv+regexp (2M)" 2000000 "$s" "$rss" "$cpu"
faster "the DuckDB SQL route" "$s" "$cpu"

if command -v goaccess >/dev/null; then
	read -r s rss cpu < <(measure goaccess "$log2m" --log-format=COMBINED -o "$work/goaccess.html")
	row "goaccess $(goaccess --version | head -1 | awk '{print $3}' | sed 's/\.$//') (2M lines)" 2000000 "$s" "$rss" "$cpu"
	printf '  freezeframe is %.2fx GoAccess\n' "$(echo "$s / $ff2m" | bc -l)"
else
	echo "goaccess not installed (apt-get install goaccess): comparison skipped"
fi

printf 'freezeframe combined is %.2fx the faster peer (%s), target 1.5x; CPU seconds %s against its %s\n' \
	"$(echo "$peer_s / $ff2m" | bc -l)" "$peer" "${cpus[combined-2000000]}" "$peer_cpu"
printf 'freezeframe fastly-pypi runs at %.0f%% of its combined rate, target 80%%\n' "$(echo "100 * $ff2m / ${secs[fastly-2000000]}" | bc -l)"
