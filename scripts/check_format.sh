#!/usr/bin/env bash
# Fails when a C file of the gateway, its tests or its load-test tools is
# not formatted as the committed .clang-format says (clang-format 14, the
# Debian 12 version), naming each file and the first lines that differ.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "clang-format is not installed"; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
bad=0
checked=0
while IFS= read -r f; do
    checked=$((checked + 1))
    if ! diff -u "$f" <(clang-format --style=file "$f") >"$out" 2>&1; then
        echo "not formatted: $f"
        sed -n '3,12p' "$out"
        bad=$((bad + 1))
    fi
done < <(git ls-files '*.c' '*.h')
echo "format: $((checked - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
