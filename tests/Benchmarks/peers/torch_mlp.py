#!/usr/bin/python3
"""Peer benchmark: PyTorch MLP 784-100-10 (sigmoid), Adam, batch 200, one epoch of the
60,000 MNIST training images -> training samples/s.

Prints one JSON line. One warm-up epoch, then --repeats timed epochs (each from freshly
initialised weights, reshuffled with a fixed seed); the median is reported.
"""

import peer_common as pc

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

BATCH = 200


def epoch(model, opt, x, y, perm):
    loss_fn = nn.CrossEntropyLoss()
    loss = None
    for i in range(0, x.shape[0], BATCH):
        idx = perm[i:i + BATCH]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return float(loss)


def main():
    args = pc.parse_args(__doc__)
    torch.set_num_threads(pc.THREADS)
    torch.manual_seed(0)
    tx, ty, vx, vy = pc.load_mnist(args.mnist)
    x = torch.from_numpy(tx.reshape(-1, 784))
    y = torch.from_numpy(ty)
    rng = np.random.default_rng(0)
    times, losses = [], []
    model = None
    for run in range(args.repeats + 1):
        model = nn.Sequential(nn.Linear(784, 100), nn.Sigmoid(), nn.Linear(100, 10))
        opt = torch.optim.Adam(model.parameters(), lr=0.001)
        perm = torch.from_numpy(rng.permutation(x.shape[0]))
        secs, loss = pc.timed(lambda: epoch(model, opt, x, y, perm))
        if run > 0:  # run 0 is the warm-up
            times.append(secs)
            losses.append(loss)
    with torch.no_grad():
        acc = float((model(torch.from_numpy(vx.reshape(-1, 784))).argmax(1) == torch.from_numpy(vy))
                    .float().mean())
    n = x.shape[0]
    pc.report("torch_mlp", "torch " + torch.__version__,
              model="784-100-10 sigmoid, softmax cross-entropy, Adam(lr=0.001), batch 200, 1 epoch",
              repeats=args.repeats, samples=n, seconds_median=round(pc.median(times), 4),
              samples_per_s=round(n / pc.median(times), 1),
              samples_per_s_all=[round(n / t, 1) for t in times],
              last_batch_loss=round(losses[-1], 4), test_accuracy=round(acc, 4))


if __name__ == "__main__":
    main()
