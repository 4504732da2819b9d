#!/usr/bin/env bash
# Crash soak (docs/RELIABILITY.md): thousands of SIGKILLs of real recording processes with a live
# `slog-tail -f` attached, checking the ring after every kill (scripts/crash_soak.py says what).
#
# usage: scripts/crash-soak.sh [TRIALS] [stress|record|both]      (default 1000 each, both)
# Builds release tools into .build-soak; works in a private temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
trials=${1:-1000}
mode=${2:-both}
for product in slog-stress slog-record slog-tail; do
    swift build -c release --scratch-path .build-soak --product "$product" >/dev/null
done
bin=$(swift build -c release --scratch-path .build-soak --show-bin-path)
work=$(mktemp -d "${TMPDIR:-/tmp}/crash-soak-XXXXXX")
trap 'rm -rf "$work"' EXIT
python3 scripts/crash_soak.py "$bin" "$work" "$trials" "$mode"
