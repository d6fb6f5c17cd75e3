#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages this repository needs beyond the .NET SDK, and only those
# that are missing, so running it twice does nothing the second time.
#
#   tests/install-debian-packages.sh               what the test suite needs
#   tests/install-debian-packages.sh --benchmarks  also the Python peers of the benchmark comparison
#
# Runs apt-get as root, or through sudo for another user.
set -euo pipefail

# git: the newcomer tests copy the repository's files as git lists them (git ls-files) and run README's commands
# on that copy. TorchSharp's fix for Debian 12 needs nothing installed: the library edits a copy of
# its native glue in C# (README, "TorchSharp on Debian 12").
# qemu-user and the arm64 C and C++ libraries: tests/ArmEmulation/run.sh runs the kernel tests on 64-bit Arm
# under emulation (the cross-compilers' copies of the libraries, which need no second architecture in apt).
packages=(git qemu-user libc6-arm64-cross libstdc++6-arm64-cross)
for arg in "$@"; do
    case "$arg" in
        --benchmarks) packages+=(python3-torch python3-sklearn libopenblas0-pthread) ;;
        -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option $arg (use --benchmarks or --help)" >&2; exit 2 ;;
    esac
done

if ! command -v dpkg-query >/dev/null || ! command -v apt-get >/dev/null; then
    echo "This script needs apt-get and dpkg (Debian or Ubuntu). Install by other means: ${packages[*]}" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" = "install ok installed" ]; then
        echo "already installed: $p"
    else
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "nothing to install"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null; then
    sudo=(sudo)
else
    echo "Installing ${missing[*]} needs root, and sudo is not available." >&2
    exit 1
fi
echo "installing: ${missing[*]}"
"${sudo[@]}" apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
