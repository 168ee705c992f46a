#!/usr/bin/env bash
# Builds and runs chord-fuzz, the libFuzzer target over the wire decoder and one node's state
# machine (Tools/fuzz/harness; the input format is in FuzzInput.swift).
#
#   Tools/fuzz/run.sh [SECONDS] [libFuzzer options...]   fuzz for SECONDS (default 60)
#   Tools/fuzz/run.sh --build                             only build
#   Tools/fuzz/run.sh --seeds                             rewrite the seed corpus Tools/fuzz/corpus
#   Tools/fuzz/run.sh --replay FILE...                    run inputs once (a crash file reproduces;
#                                                         CHORD_FUZZ_TRACE=1 prints every step)
#
# Everything it builds or finds goes under .build-fuzz/ (git-ignored): the binary, the corpus it
# grows (corpus/, seeded from Tools/fuzz/corpus, kept between runs), crash files (crashes/) and
# the log. It rebuilds only what changed: ChordCore (Sources/ChordCore, about 25 s) is its own
# module, compiled with -enable-testing so the harness can build rings by hand with the core's
# test fixtures; ChordWire's sources and the harness form the second module. Exits non-zero if
# the fuzzer found a crash or a broken check (the input is left in .build-fuzz/crashes/).
set -euo pipefail

# Everything is in main, which bash reads whole before running it: editing this file while a
# long run is under way cannot change what that run does next.
main() {
    cd "$(dirname "$0")/../.."

    out=.build-fuzz
    seeds=Tools/fuzz/corpus
    flags=(-O -sanitize=fuzzer,address -parse-as-library -swift-version 6)
    mkdir -p "$out/crashes" "$out/corpus"

    # A target is stale if it is missing or any of its sources (or this script) is newer.
    stale() {
        local target=$1
        shift
        [[ ! -e $target ]] && return 0
        [[ -n $(find "$@" Tools/fuzz/run.sh -newer "$target" -print -quit) ]]
    }

    build() {
        local started=$SECONDS
        if stale "$out/ChordCore.o" Sources/ChordCore; then
            echo "chord-fuzz: compiling ChordCore"
            # shellcheck disable=SC2046
            swiftc "${flags[@]}" -enable-testing -whole-module-optimization -module-name ChordCore \
                -emit-module -emit-module-path "$out/ChordCore.swiftmodule" \
                -c $(find Sources/ChordCore -name '*.swift' | sort) -o "$out/ChordCore.o"
            touch "$out/ChordCore.o"  # swiftc leaves an unchanged output's time alone
            rm -f "$out/chord-fuzz"
        fi
        if stale "$out/chord-fuzz" Sources/ChordWire Tools/fuzz/harness; then
            echo "chord-fuzz: compiling ChordWire and the harness"
            # ld.gold warns "Cannot export local symbol" for the sanitizers' symbols: harmless.
            # shellcheck disable=SC2046
            swiftc "${flags[@]}" -whole-module-optimization -module-name ChordWire -I "$out" \
                $(find Sources/ChordWire Tools/fuzz/harness -name '*.swift' | sort) "$out/ChordCore.o" \
                -o "$out/chord-fuzz" 2> >(grep -v 'Cannot export local symbol' >&2)
        fi
        echo "chord-fuzz: built in $((SECONDS - started)) s"
    }

    # Checks whose findings are reported and whose fix is pending (Tools/fuzz/skip-checks; the
    # environment's CHORD_FUZZ_SKIP wins, so CHORD_FUZZ_SKIP= turns every check on).
    export CHORD_FUZZ_SKIP=${CHORD_FUZZ_SKIP-$(sed 's/#.*//' Tools/fuzz/skip-checks | xargs | tr ' ' ',')}

    # Deterministic hashing: the same input takes the same path (Dictionary order) in every process.
    export SWIFT_DETERMINISTIC_HASHING=1
    # Leaks count as crashes (a retain cycle in the core would leak a node per execution); a small
    # quarantine, so freed memory is reused sooner (fewer page faults, a flat RSS).
    export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=16}
    # Swift's own backtracer would fight ASan's over a trap (and can hang).
    export SWIFT_BACKTRACE=enable=no

    case ${1:-} in
    --build)
        build
        exit 0
        ;;
    --seeds)
        build
        rm -rf "$out/seeds"
        mkdir -p "$out/seeds"
        CHORD_FUZZ_WRITE_SEEDS=$out/seeds "$out/chord-fuzz"
        rm -rf "$seeds"
        mv "$out/seeds" "$seeds"
        exit 0
        ;;
    --replay)
        shift
        build
        exec "$out/chord-fuzz" -artifact_prefix="$out/crashes/" "$@"
        ;;
    esac

    seconds=60
    if [[ ${1:-} =~ ^[0-9]+$ ]]; then
        seconds=$1
        shift
    fi
    build

    log=$out/fuzz.log
    echo "chord-fuzz: fuzzing for $seconds s (log: $log)${CHORD_FUZZ_SKIP:+; checks skipped: $CHORD_FUZZ_SKIP}"
    status=0
    # -max_len: datagrams of the seeds are at most a few KB; sequences of several fit in 8 KB.
    # -timeout: an execution takes milliseconds, but a paused virtual machine once stretched
    # one past 10 s; a real hang still stops the run.
    "$out/chord-fuzz" "$out/corpus" "$seeds" \
        -max_total_time="$seconds" -max_len=8192 -timeout=60 -rss_limit_mb=2048 \
        -artifact_prefix="$out/crashes/" -print_final_stats=1 -print_pcs=0 "$@" >"$log" 2>&1 || status=$?

    # Summary: executions, speed, corpus, crashes.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
    corpus=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | sed 's/corp: //' || true)
    crashes=$(grep -c '^artifact_prefix=.*Test unit written to' "$log" || true)
    echo "chord-fuzz: ${runs:-?} executions, ${speed:-?} exec/s, corpus ${corpus:-?} (inputs/bytes), $crashes crash(es)"
    if [[ $status -ne 0 ]]; then
        grep -E 'chord-fuzz check failed|Fatal error|ERROR: (libFuzzer|AddressSanitizer)|SUMMARY|Test unit written|^Base64:' "$log" | head -20 >&2 || true
        echo "chord-fuzz: FAILED (exit status $status); full output in $log" >&2
        echo "chord-fuzz: replay with Tools/fuzz/run.sh --replay <crash file>" >&2
        exit 1
    fi
}

main "$@"
exit
