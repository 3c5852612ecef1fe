#!/usr/bin/env bash
# Runs every test: installs dependencies, builds with -Werror, runs ctest
# (unit, fuzz corpus replay, integration against kinesalite and moto,
# infrastructure checks), then builds again with AddressSanitizer +
# UndefinedBehaviorSanitizer and runs the unit, fuzz and integration tests
# under them.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)

bash scripts/install-deps.sh

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSG_WERROR=ON >/dev/null
cmake --build build -j"$JOBS"
ctest --test-dir build --output-on-failure -j2

cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSG_WERROR=ON \
    -DSG_SANITIZE=address,undefined >/dev/null
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -LE infra -j2
