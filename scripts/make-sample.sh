#!/usr/bin/env bash
# Regenerates the committed sample incident, samples/pypi-2024-03/: scenario
# pypi-2024-03, seed 1, scale 1, Fastly logs; the snapshot's CSV files are
# gzipped (as an export might be) to keep the repository small.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="$(go env GOFLAGS) -tags=duckdb_arrow" # the log ingest needs duckdb-go's Arrow interface
out=samples/pypi-2024-03
rm -rf "$out"
go run . samples generate --scenario pypi-2024-03 --seed 1 --scale 1 --log-format fastly-pypi --out "$out" >/dev/null
gzip -9n "$out"/snapshot/*.csv
du -sh "$out"
