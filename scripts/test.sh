#!/usr/bin/env bash
# Runs every test: installs dependencies, builds with -Werror, runs ctest
# (unit, fuzz corpus replay, integration against kinesalite and moto,
# infrastructure checks), then builds again with AddressSanitizer +
# UndefinedBehaviorSanitizer and runs the unit, fuzz and integration tests
# under them, then the unit and main integration tests under ThreadSanitizer,
# and finally runs every libFuzzer harness for a bounded time
# (SG_FUZZ_SECONDS each, default 30) with clang.
#
# Every configure states the options it relies on, so an earlier configure
# of the same directory (by run-local.sh, by hand) cannot switch the tests or
# a sanitizer off; every ctest stage fails when it finds no test.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS=$(nproc)

# configure DIR [cmake args...]: the test build options, then the stage's own.
configure() {
    local dir=$1
    shift
    cmake -S . -B "$dir" -DSG_WERROR=ON -DSG_BUILD_TESTS=ON -DSG_FUZZ=OFF -DSG_SANITIZE= "$@" >/dev/null
}
run_ctest() { ctest --output-on-failure --no-tests=error -j2 "$@"; }

bash scripts/install-deps.sh

configure build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$JOBS"
run_ctest --test-dir build

configure build-asan -DCMAKE_BUILD_TYPE=Debug -DSG_SANITIZE=address,undefined
cmake --build build-asan -j"$JOBS"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_ctest --test-dir build-asan -LE '^(infra|smoke)$'

# ThreadSanitizer over the unit tests and the integration tests that drive
# the HTTP threads, the sender and SIGHUP/SIGTERM concurrently, and the
# connection guard against slow clients (~25 s; it checks that the gateway
# exits 0, which a TSan report under halt_on_error does not). The timing-
# sensitive fault and credential-rotation tests stay under ASan only: TSan
# slows the gateway past their deadlines.
configure build-tsan -DCMAKE_BUILD_TYPE=Debug -DSG_SANITIZE=thread
cmake --build build-tsan -j"$JOBS"
TSAN_OPTIONS=halt_on_error=1:allocator_may_return_null=1 run_ctest --test-dir build-tsan \
    -R '^(test_|fuzz_|integration_test_(kinesalite|shutdown|access|limits|slow_clients)$)'

CC=clang configure build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSG_FUZZ=ON
cmake --build build-fuzz -j"$JOBS"
fuzzed=0
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
    fuzzed=$((fuzzed + 1))
done
[ "$fuzzed" -gt 0 ] || { echo "fuzzing: no libFuzzer harness was built"; exit 1; }
echo "fuzzing: $fuzzed harnesses, no crash"
