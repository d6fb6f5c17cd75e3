#!/usr/bin/env bash
# Reproduces data/fashion-mnist/*.gz from the Debian package dataset-fashion-mnist
# (0.0~git20200523.55506a9-1, Debian 12), which carries Zalando's four original IDX files, gzipped.
# Needs apt-get (no root: it only downloads the .deb), dpkg-deb, gzip and sha256sum.
# Usage: data/fetch-fashion-mnist.sh    (writes data/fashion-mnist/, then verifies the checksums)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get download -q dataset-fashion-mnist=0.0~git20200523.55506a9-1 >/dev/null && dpkg-deb -x dataset-fashion-mnist_*.deb root)
src="$work/root/usr/share/datasets/fashion-mnist"

# The uncompressed training images, as Zalando publishes them; anything else is not the original.
sum=$(gunzip -c "$src/train-images-idx3-ubyte.gz" | sha256sum | cut -d' ' -f1)
if [ "$sum" != "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888" ]; then
  echo "train-images-idx3-ubyte from dataset-fashion-mnist has SHA-256 $sum (uncompressed), expected c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888" >&2
  exit 1
fi

mkdir -p "$here/fashion-mnist"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  # Recompressed like data/mnist/ (-n: no name or time stamp), so the .gz files are byte-for-byte reproducible.
  gunzip -c "$src/$f.gz" | gzip -9 -n -c > "$here/fashion-mnist/$f.gz"
done
(cd "$here/fashion-mnist" && sha256sum -c SHA256SUMS)
