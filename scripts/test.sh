#!/usr/bin/env bash
# Runs every test: installs dependencies, builds with -Werror, runs ctest
# (unit, fuzz corpus replay, integration against kinesalite and moto,
# infrastructure checks), then builds again with AddressSanitizer +
# UndefinedBehaviorSanitizer and runs the unit, fuzz and integration tests
# under them, then the unit and main integration tests under ThreadSanitizer,
# and finally runs every libFuzzer harness for a bounded time
# (SG_FUZZ_SECONDS each, default 30) with clang.
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

# ThreadSanitizer over the unit tests and the integration tests that drive
# the HTTP threads, the sender and SIGHUP/SIGTERM concurrently (the timing-
# sensitive fault and credential-rotation tests stay under ASan only: TSan
# slows the gateway past their deadlines).
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DSG_WERROR=ON -DSG_SANITIZE=thread >/dev/null
cmake --build build-tsan -j"$JOBS"
TSAN_OPTIONS=halt_on_error=1 ctest --test-dir build-tsan --output-on-failure -j2 \
    -R '^(test_|fuzz_|integration_test_(kinesalite|shutdown|access|limits)$)'

CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSG_WERROR=ON \
    -DSG_FUZZ=ON >/dev/null
cmake --build build-fuzz -j"$JOBS"
for fuzzer in build-fuzz/tests/fuzz/fuzz_*; do
    case "$fuzzer" in *_replay|*.a) continue ;; esac
    [ -x "$fuzzer" ] || continue
    name=$(basename "$fuzzer")
    corpus=$(mktemp -d)
    cp -r "tests/fuzz/corpus/${name#fuzz_}/." "$corpus/" 2>/dev/null || true
    echo "libFuzzer: $name for ${SG_FUZZ_SECONDS:-30} s"
    log="$corpus.log"
    if ! "$fuzzer" -max_total_time="${SG_FUZZ_SECONDS:-30}" -print_final_stats=1 "$corpus" \
        >"$log" 2>&1; then
        tail -50 "$log"
        echo "fuzzing: $name crashed"
        exit 1
    fi
    grep -E "^(stat::number_of_executed_units|Done)" "$log" || true
    rm -rf "$corpus" "$log"
done
echo "fuzzing: no crash"
