#!/usr/bin/python3
"""Peer benchmark: scikit-learn MLPClassifier 784-100-10 (logistic), adam, batch 200,
5 epochs of the 60,000 MNIST training images -> training samples/s.

Prints one JSON line. One warm-up fit (1 epoch), then --repeats timed fits of 5 epochs;
the median is reported. tol=0 and n_iter_no_change above max_iter, so every fit runs
all 5 epochs; the ConvergenceWarning this causes is silenced.
"""

import peer_common as pc

import warnings  # noqa: E402

import sklearn  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

EPOCHS = 5


def make(epochs):
    return MLPClassifier(hidden_layer_sizes=(100,), activation="logistic", solver="adam",
                         batch_size=200, learning_rate_init=0.001, max_iter=epochs, tol=0.0,
                         n_iter_no_change=epochs + 1, shuffle=True, random_state=0)


def main():
    args = pc.parse_args(__doc__)
    tx, ty, vx, vy = pc.load_mnist(args.mnist)
    x = tx.reshape(-1, 784)
    times = []
    clf = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        make(1).fit(x, ty)  # warm-up
        for _ in range(args.repeats):
            clf = make(EPOCHS)
            secs, _ = pc.timed(lambda: clf.fit(x, ty))
            times.append(secs)
    if clf.n_iter_ != EPOCHS:
        raise SystemExit("MLPClassifier stopped after %d epochs, expected %d" % (clf.n_iter_, EPOCHS))
    samples = x.shape[0] * EPOCHS
    pc.report("sklearn_mlp", "scikit-learn " + sklearn.__version__,
              model="MLPClassifier(hidden_layer_sizes=(100,), activation='logistic', solver='adam', "
                    "batch_size=200, max_iter=5, tol=0, shuffle=True)",
              dtype=str(clf.coefs_[0].dtype), repeats=args.repeats, samples=samples,
              seconds_median=round(pc.median(times), 4),
              samples_per_s=round(samples / pc.median(times), 1),
              samples_per_s_all=[round(samples / t, 1) for t in times],
              final_loss=round(float(clf.loss_), 4), test_accuracy=round(float(clf.score(vx.reshape(-1, 784), vy)), 4))


if __name__ == "__main__":
    main()
