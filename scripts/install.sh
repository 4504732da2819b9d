#!/usr/bin/env bash
# Builds the release tools and installs them, with the Agoric slog sender, under PREFIX.
#
# usage: scripts/install.sh [PREFIX]          (default /usr/local; DESTDIR=… stages a package;
#                                             FLIGHT_RECORDER_BUILD_PATH=DIR builds in DIR
#                                             instead of .build)
#
# Installs PREFIX/bin/{slog-record,slog-tail,slog-diff,slog-demo} and
# PREFIX/share/flight-recorder/{flight-recorder-sender.js,package.json,README.md,PROTOCOL.md}.
#
# The tools are built with --static-swift-stdlib: the Swift runtime is linked in, so a binary
# copied to a validator host without a Swift toolchain starts (a default build carries a
# RUNPATH into the toolchain and does not). Each installed binary is checked with readelf: no
# RUNPATH/RPATH naming the toolchain, and no libswift*.so among its needed libraries; the
# script fails otherwise. What remains needed is the C library and libstdc++ (listed at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
case $prefix in /*) ;; *) prefix=$PWD/$prefix ;; esac
dest=${DESTDIR:-}
tools=(slog-record slog-tail slog-diff slog-demo)
sender_dir=integrations/agoric
# package.json marks the directory as ES modules: node < 22 refuses `export` in a .js file without it.
sender_files=(flight-recorder-sender.js package.json README.md PROTOCOL.md)

for file in "${sender_files[@]}"; do
    [[ -f $sender_dir/$file ]] || { echo "install.sh: $sender_dir/$file is missing" >&2; exit 1; }
done

build=(swift build -c release --static-swift-stdlib)
if [[ -n ${FLIGHT_RECORDER_BUILD_PATH:-} ]]; then build+=(--scratch-path "$FLIGHT_RECORDER_BUILD_PATH"); fi
for tool in "${tools[@]}"; do
    "${build[@]}" --product "$tool"
done
bin=$("${build[@]}" --show-bin-path)

toolchain=$(dirname "$(dirname "$(command -v swift)")")
status=0
for tool in "${tools[@]}"; do
    dynamic=$(readelf -d "$bin/$tool")
    if grep -E 'R(UN)?PATH' <<<"$dynamic" | grep -qiE "swift|$toolchain"; then
        echo "install.sh: $tool has a RUNPATH into the Swift toolchain:" >&2
        grep -E 'R(UN)?PATH' <<<"$dynamic" >&2
        status=1
    fi
    if grep -E 'NEEDED' <<<"$dynamic" | grep -q 'libswift'; then
        echo "install.sh: $tool needs a Swift runtime library:" >&2
        grep -E 'NEEDED.*libswift' <<<"$dynamic" >&2
        status=1
    fi
done
[[ $status == 0 ]] || exit 1

install -d -m 0755 "$dest$prefix/bin" "$dest$prefix/share/flight-recorder"
for tool in "${tools[@]}"; do
    install -m 0755 "$bin/$tool" "$dest$prefix/bin/$tool"
done
for file in "${sender_files[@]}"; do
    install -m 0644 "$sender_dir/$file" "$dest$prefix/share/flight-recorder/$file"
done

echo "installed into $dest$prefix:"
for tool in "${tools[@]}"; do
    echo "  bin/$tool ($("$dest$prefix/bin/$tool" --version)); needs:" \
        "$(readelf -d "$dest$prefix/bin/$tool" | sed -n 's/.*NEEDED.*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
done
echo "  share/flight-recorder/: ${sender_files[*]}"
echo "enable on the node: SLOGSENDER=$prefix/share/flight-recorder/flight-recorder-sender.js (see docs/OPERATORS.md)"
