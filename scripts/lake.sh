#!/usr/bin/env bash
# Queries the local lake (the directory deploy/local/delivery.mjs writes,
# default ./lake) with DuckDB through views named like the Glue tables and
# Athena views: events, events_raw, events_dedup, bad_events, and one view per
# event type of the catalog (payment_order_completed for
# payment:order:completed: typed columns, one row per event_uuid):
#   scripts/lake.sh tables
#   scripts/lake.sh query "SELECT event_type, count(*) FROM events GROUP BY 1"
#   scripts/lake.sh query "SELECT amount, currency FROM payment_order_completed"
#   scripts/lake.sh --lake /some/dir --json query "SELECT * FROM events_raw LIMIT 3"
# STREAMGATE_LAKE_DIR sets the lake directory too, STREAMGATE_CATALOG_DIR (or
# --catalog DIR) the catalog. See docs/local-lake.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -d "$ROOT/node_modules/@duckdb/node-api" ]; then
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
fi
exec node "$ROOT/deploy/local/lake.mjs" "$@"
