#!/usr/bin/env bash
# Queries the local lake (the directory deploy/local/delivery.mjs writes,
# default ./lake) with DuckDB through views named like the Glue tables:
#   scripts/lake.sh tables
#   scripts/lake.sh query "SELECT event_type, count(*) FROM events GROUP BY 1"
#   scripts/lake.sh --lake /some/dir --json query "SELECT * FROM events_raw LIMIT 3"
# STREAMGATE_LAKE_DIR sets the lake directory too. See docs/local-lake.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$ROOT/node_modules/@duckdb/node-api" ]; then
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$ROOT/deploy/local/lake.mjs" "$@"
