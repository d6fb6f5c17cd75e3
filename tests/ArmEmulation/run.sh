#!/usr/bin/env bash
# Runs the library's kernel tests on 64-bit Arm, the processor of an Apple Silicon Mac, from an x86-64
# Linux machine: publishes the tests for linux-arm64 and runs them under qemu's user-mode emulation,
# where .NET takes its Arm paths (128-bit NEON vectors, the multiply-add by lanes of the GEMM kernel).
# The emulation is slow, so by default it runs the tests of the kernels that have Arm paths of their own.
#
#   tests/ArmEmulation/run.sh          the kernel tests with Arm paths (about two minutes)
#   tests/ArmEmulation/run.sh FILTER   the tests whose full names contain one of FILTER's comma-separated parts
#                                      (a part after a minus leaves out the cases whose names and arguments contain it)
#
# Needs qemu-user and the arm64 C and C++ libraries: tests/install-debian-packages.sh installs them.
set -euo pipefail
case "${1:-}" in -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
cd "$(dirname "$0")/../.."

# Every SIMD kernel against its scalar twin; the GEMM micro-kernels to the bit against the general one
# and the products against the scalar reference; the convolutions, pooling and training kernels.
# The products 4,732 deep or wide (the CNN's) take half a minute each under emulation and are left out.
filter="${1:-Kernels.SimdTests,Kernels.GemmTests,Kernels.ZeroSkippingGemmTests,Kernels.DirectConvolutionTests,Kernels.TrainingKernelTests,Kernels.PixelConversionTests,-4732}"

case "$(uname -m)" in
    aarch64|arm64) qemu=() ;;   # on Arm already: run natively
    *)
        if ! command -v qemu-aarch64 >/dev/null || [ ! -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ]; then
            echo "missing qemu-aarch64 or the arm64 C library (/usr/aarch64-linux-gnu): run tests/install-debian-packages.sh" >&2
            exit 1
        fi
        qemu=(qemu-aarch64 -L /usr/aarch64-linux-gnu) ;;
esac

# A build tree of its own, so that publishing for another processor leaves the usual bin/ and obj/ alone
# (at the repository's root: inside a project's folder, its generated sources would be compiled again).
artifacts=artifacts/arm64
dotnet publish tests/ArmEmulation -c Release -r linux-arm64 --self-contained --artifacts-path "$artifacts" -nologo -v quiet
# .NET writes the code it compiles through a second, writable mapping of the executable pages (W^X). qemu
# watches the executable pages for rewritten code, so what is written through the other mapping can go
# unseen, and its translation of the code there before runs instead: with W^X on, tests failed once code
# compiled earlier had been replaced (a reflection stub that called another class's test, an illegal
# instruction), and passed each on its own. Off, every one passes.
DOTNET_EnableWriteXorExecute=0 "${qemu[@]}" "$artifacts/publish/ArmEmulation/release_linux-arm64/ArmEmulation" "$filter"
