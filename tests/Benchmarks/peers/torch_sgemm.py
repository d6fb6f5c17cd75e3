#!/usr/bin/python3
"""Peer benchmark: torch.matmul (float32, 2 threads) on square matrices -> GFLOP/s.

Prints one JSON line. Each size: one warm-up product, then --repeats timed runs, each
long enough (at least --min-seconds) to time reliably; the median GFLOP/s is reported.
"""

import peer_common as pc

import torch  # noqa: E402

SIZES = (256, 512, 1024, 2048)


def main():
    args = pc.parse_args(__doc__, repeats=5,
                         extra=lambda ap: ap.add_argument("--min-seconds", type=float, default=0.3))
    torch.set_num_threads(pc.THREADS)
    gen = torch.Generator().manual_seed(0)
    results = {}
    for n in SIZES:
        a = torch.randn(n, n, generator=gen)
        b = torch.randn(n, n, generator=gen)
        c = torch.empty(n, n)
        torch.matmul(a, b, out=c)  # warm-up
        t, _ = pc.timed(lambda: torch.matmul(a, b, out=c))
        iters = max(1, int(args.min_seconds / max(t, 1e-6)))
        rates = []
        for _ in range(args.repeats):
            def loop():
                for _ in range(iters):
                    torch.matmul(a, b, out=c)
            secs, _ = pc.timed(loop)
            rates.append(2.0 * n ** 3 * iters / secs / 1e9)
        results[str(n)] = {"gflops_median": round(pc.median(rates), 2),
                           "gflops_all": [round(r, 2) for r in rates], "iterations_per_repeat": iters}
    pc.report("torch_sgemm", "torch " + torch.__version__, op="torch.matmul float32 n x n by n x n",
              repeats=args.repeats, sizes=results)


if __name__ == "__main__":
    main()
