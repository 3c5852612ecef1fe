#!/usr/bin/env bash
# Fails when a file outside a server/ folder includes a header private to it
# (one whose top comment says SG_PRIVATE_HEADER), as curl keeps
# lib/vtls/vtls_int.h to lib/vtls/. Tests (tests/unit, tests/kpl) may include it.
set -euo pipefail
cd "$(dirname "$0")/.."
bad=0
for h in $(grep -l "SG_PRIVATE_HEADER" server/*/*.h); do
    dir=$(dirname "$h")
    name="$(basename "$dir")/$(basename "$h")"
    while IFS= read -r f; do
        case "$f" in "$dir"/* | tests/unit/* | tests/kpl/*) continue ;; esac
        echo "$f includes $name, private to $dir/"
        bad=$((bad + 1))
    done < <(git ls-files 'server/*.c' 'server/*.h' 'tests/fuzz/*.c' 'tests/kpl/*.c' \
                'tests/catalog/*.c' 'loadtest/*.c' | xargs grep -l "#include \"$name\"" || true)
done
echo "private headers: $bad outside includes"
[ "$bad" -eq 0 ]
