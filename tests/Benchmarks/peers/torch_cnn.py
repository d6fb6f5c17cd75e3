#!/usr/bin/python3
"""Peer benchmark: the course CNN in PyTorch -> training and inference samples/s.

Model (Keras terms): Conv2D(28, (3,3)) with no activation, MaxPooling2D((2,2)), Flatten,
Dense(128, relu), Dropout(0.2), Dense(10, softmax); sparse categorical cross-entropy
(torch: CrossEntropyLoss on the logits, the same function), Adam(lr=0.001, eps=1e-7).
Training: one epoch of the 60,000 MNIST training images, batch 32, shuffled with a fixed
seed, dropout active. Inference: the 10,000 test images, no_grad, eval mode, at batch
1000 and also at batch 100 (torch 1.13's CPU convolution is many times slower per image at
batch 1000 than at 100 here, so both are reported; the faster one is the fair peer).
torch's own layout (NCHW) is used, as a learner using torch would.

Prints one JSON line. One warm-up run (--warmup-batches training batches and one
inference pass), then --repeats timed runs; the medians are reported.
"""

import peer_common as pc

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

BATCH = 32
INFER_BATCHES = (1000, 100)


def make_model():
    return nn.Sequential(
        nn.Conv2d(1, 28, kernel_size=3), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(28 * 13 * 13, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))


def train(model, opt, x, y, perm, batches=None):
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    n = x.shape[0] if batches is None else batches * BATCH
    loss = None
    for i in range(0, n, BATCH):
        idx = perm[i:i + BATCH]
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return float(loss)


def infer(model, x, batch):
    model.eval()
    preds = []
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            preds.append(model(x[i:i + batch]).argmax(1))
    return torch.cat(preds)


def main():
    args = pc.parse_args(__doc__, repeats=3, extra=lambda ap: ap.add_argument(
        "--warmup-batches", type=int, default=200, help="training batches in the warm-up run (default 200)"))
    torch.set_num_threads(pc.THREADS)
    torch.manual_seed(0)
    tx, ty, vx, vy = pc.load_mnist(args.mnist)
    x = torch.from_numpy(tx).unsqueeze(1).contiguous()   # (N, 1, 28, 28)
    y = torch.from_numpy(ty)
    tvx = torch.from_numpy(vx).unsqueeze(1).contiguous()
    tvy = torch.from_numpy(vy)
    rng = np.random.default_rng(0)

    model = make_model()
    opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
    train(model, opt, x, y, torch.from_numpy(rng.permutation(x.shape[0])), args.warmup_batches)
    for b in INFER_BATCHES:
        infer(model, tvx, b)

    train_times, accs = [], []
    infer_times = {b: [] for b in INFER_BATCHES}
    for _ in range(args.repeats):
        model = make_model()
        opt = torch.optim.Adam(model.parameters(), lr=0.001, eps=1e-7)
        perm = torch.from_numpy(rng.permutation(x.shape[0]))
        secs, _ = pc.timed(lambda: train(model, opt, x, y, perm))
        train_times.append(secs)
        for b in INFER_BATCHES:
            secs, pred = pc.timed(lambda: infer(model, tvx, b))
            infer_times[b].append(secs)
        accs.append(float((pred == tvy).float().mean()))
    n, m = x.shape[0], tvx.shape[0]
    pc.report("torch_cnn", "torch " + torch.__version__,
              model="Conv2D(28,3x3) MaxPool(2) Flatten Dense(128,relu) Dropout(0.2) Dense(10); "
                    "Adam(lr=0.001, eps=1e-7)",
              repeats=args.repeats,
              train={"samples": n, "batch": BATCH, "seconds_median": round(pc.median(train_times), 3),
                     "samples_per_s": round(n / pc.median(train_times), 1),
                     "samples_per_s_all": [round(n / t, 1) for t in train_times]},
              inference=[{"samples": m, "batch": b, "seconds_median": round(pc.median(infer_times[b]), 4),
                          "samples_per_s": round(m / pc.median(infer_times[b]), 1),
                          "samples_per_s_all": [round(m / t, 1) for t in infer_times[b]]}
                         for b in INFER_BATCHES],
              test_accuracy_after_one_epoch=round(accs[-1], 4))


if __name__ == "__main__":
    main()
