#!/usr/bin/env bash
# Builds and runs one libFuzzer target (docs/RELIABILITY.md "Fuzzing").
#
# usage: scripts/fuzz.sh TARGET [SECONDS]      TARGET: ring | frames | agoric | jsonl | json | diff | all
#        scripts/fuzz.sh --replay              runs every target over its seeds and regressions once
#
# The package's library sources (SlogRing and its C shim, SlogModel, FlightRecorder, SlogInput) are compiled
# straight with swiftc/clang into .build-fuzz/ with -sanitize=fuzzer,address (SwiftPM cannot
# link libFuzzer's main next to our executables), with the package's settings and the debug
# invariant checks on. Seeds are made anew from real files: the real slog in Tests/Fixtures/real-slog,
# rings written by slog-stress and slog-record, Agoric files built by Agoric's algorithm
# (Fuzz/make-seeds.py). The growing corpus stays in .build-fuzz/corpus/TARGET (not committed);
# crashing inputs land in .build-fuzz/findings/TARGET and belong, minimised
# (FUZZER -minimize_crash=1 -runs=10000 CRASH), in Fuzz/Regressions/TARGET with a test where the
# fix is. Fuzz/Corpus/TARGET keeps a small coverage-merged slice of the grown corpus
# (FUZZER -merge=1 -max_len=N OUT IN...), replayed by FuzzReplayTests in every swift test.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=$root/.build-fuzz
targets=(ring frames agoric jsonl json diff)
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] (TARGET: ${targets[*]} | all | --replay)}
seconds=${2:-60}
mkdir -p "$build/obj" "$build/findings"

flags=(-swift-version 6 -package-name flightrecorder -parse-as-library -O -g -D SLOG_INTERNAL_CHECKS
       -enable-upcoming-feature ExistentialAny -enable-upcoming-feature MemberImportVisibility
       -enable-upcoming-feature InternalImportsByDefault -sanitize=fuzzer,address -I "$build/obj")

module() {  # module NAME [extra flags...]: one object and one .swiftmodule per library target
    local name=$1; shift
    local sources=($(find "Sources/$name" -name '*.swift' | sort))
    local stamp="$build/obj/$name.o"
    if [[ -f $stamp ]] && [[ -z $(find "Sources/$name" -newer "$stamp" -name '*.swift' | head -1) ]]; then return; fi
    echo "fuzz.sh: compiling $name" >&2
    swiftc "${flags[@]}" "$@" -module-name "$name" -wmo -emit-module -emit-module-path "$build/obj/$name.swiftmodule" \
        -c "${sources[@]}" -o "$stamp"
}

build_libraries() {
    if [[ ! -f $build/obj/shims.o ]] || [[ -n $(find Sources/_SlogRingShims -newer "$build/obj/shims.o" | head -1) ]]; then
        for c in Sources/_SlogRingShims/*.c; do
            clang -O1 -g -fsanitize=fuzzer-no-link,address -ISources/_SlogRingShims/include -c "$c" \
                -o "$build/obj/shim-$(basename "$c" .c).o"
        done
        printf 'module _SlogRingShims {\n  header "%s"\n  export *\n}\n' \
            "$root/Sources/_SlogRingShims/include/SlogRingShims.h" >"$build/obj/module.modulemap"
        ld -r "$build"/obj/shim-*.o -o "$build/obj/shims.o"
    fi
    module SlogRing -strict-memory-safety
    module SlogModel -strict-memory-safety
    module FlightRecorder -strict-memory-safety
    module SlogInput -strict-memory-safety
    module ToolSupport -strict-memory-safety
}

build_target() {  # build_target NAME -> $build/fuzz-NAME
    local name=$1 extra=()
    case $name in
    json) ;;
    # slog-diff is an executable: its sources but main.swift are compiled into the target.
    diff) extra=(Fuzz/Targets/sources.swift $(find Sources/slog-diff -name '*.swift' ! -name main.swift | sort)) ;;
    *) extra=(Fuzz/Targets/sources.swift) ;;
    esac
    local binary=$build/fuzz-$name
    if [[ -f $binary ]] && [[ -z $(find Fuzz/Targets "$build/obj" Sources/slog-diff -newer "$binary" -type f | head -1) ]]; then return; fi
    echo "fuzz.sh: linking fuzz-$name" >&2
    swiftc "${flags[@]}" -module-name "Fuzz_$name" Fuzz/Targets/FuzzSupport.swift "${extra[@]}" "Fuzz/Targets/$name.swift" \
        "$build"/obj/SlogRing.o "$build"/obj/SlogModel.o "$build"/obj/FlightRecorder.o "$build"/obj/SlogInput.o \
        "$build"/obj/ToolSupport.o "$build"/obj/shims.o \
        -o "$binary"
}

make_seeds() {
    [[ -d $build/seeds/diff ]] && return
    echo "fuzz.sh: making seeds" >&2
    swift build --scratch-path .build-fuzz/spm --product slog-stress >/dev/null
    swift build --scratch-path .build-fuzz/spm --product slog-record >/dev/null
    local bin; bin=$(swift build --scratch-path .build-fuzz/spm --show-bin-path)
    local rings=$build/seed-rings
    rm -rf "$rings"; mkdir -p "$rings"
    local i=0
    for capacity in 4096 8192 16384 32768; do
        for count in 1 5 40 400; do
            "$bin/slog-stress" append --ring "$rings/s$i" --capacity $capacity --min-size 0 --max-size 300 \
                --count $count --seed $i >/dev/null
            i=$((i + 1))
        done
    done
    # slog-record over the real slog (markers, blocks, real JSON) into small rings.
    for slog in "$root"/Tests/Fixtures/real-slog/*.jsonl; do
        [[ -f $slog ]] || continue
        for capacity in 16384 65536; do
            head -c 300000 "$slog" | "$bin/slog-record" --ring "$rings/r$i" --capacity $capacity >/dev/null 2>&1 || true
            i=$((i + 1))
        done
    done
    python3 Fuzz/make-seeds.py "$build/seeds" "$rings"
}

run_one() {  # run_one NAME SECONDS
    local name=$1 secs=$2
    build_target "$name"
    mkdir -p "$build/corpus/$name" "$build/findings/$name"
    # New inputs go to the first directory only; the kept ones are read, never written.
    # frames starts from the ring seeds: the same images, checksums recomputed after mutation.
    local seeds=$build/seeds/$name
    [[ $name == frames ]] && seeds=$build/seeds/ring
    local dirs=("$build/corpus/$name" "$seeds")
    for kept in Fuzz/Regressions/$name Fuzz/Corpus/$name; do [[ -d $kept ]] && dirs+=("$kept"); done
    echo "fuzz.sh: fuzzing $name for ${secs}s" >&2
    "$build/fuzz-$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$build/findings/$name/" "${dirs[@]}"
}

build_libraries
make_seeds
case $target in
all) for t in "${targets[@]}"; do run_one "$t" "$seconds"; done ;;
--replay)
    for t in "${targets[@]}"; do
        build_target "$t"
        inputs=("$build/seeds/$t")
        [[ $t == frames ]] && inputs=("$build/seeds/ring")
        for kept in Fuzz/Regressions/$t Fuzz/Corpus/$t; do [[ -d $kept ]] && inputs+=("$kept"); done
        "$build/fuzz-$t" -runs=0 "${inputs[@]}"
    done ;;
ring | frames | agoric | jsonl | json | diff) run_one "$target" "$seconds" ;;
*) echo "fuzz.sh: unknown target $target (${targets[*]} | all | --replay)" >&2; exit 2 ;;
esac
