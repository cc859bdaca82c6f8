"""digits (scikit-learn's bundled 8×8 images), 64-64-10 sigmoid/softmax, categorical
cross-entropy, SGD 0.1, batch 32, 50 epochs; train/test split fixed (test_size=0.25,
random_state=0), pixels scaled by 1/16.

    python benchmarks/bench_digits.py IMPL [--repeats N] [--seeds N]

IMPL: chainrule (``fit``, as the README shows it), numpy, torch, sklearn. Prints one JSON line: median training
time of ``--repeats`` trainings from the same initial weights, the test accuracy of that
training, and the mean and standard deviation of the test accuracy over ``--seeds`` trainings
from different initial weights and example orders (scikit-learn: ``random_state`` 0, 1, …),
since one seed's accuracy moves by about a percent from one seed to the next.

Each training starts from the same initial weights (chainrule sets them with
``set_weights``) and visits the examples in the orders ``fit(seed=seed + 1)`` draws.
"""

from __future__ import annotations

import argparse
import statistics

from common import glorot, median_time, report

EPOCHS, BATCH, LR, HIDDEN = 50, 32, 0.1, 64


def data():
    import numpy as np
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float64)
    x_train, x_test, y_train, y_test = train_test_split(x, digits.target, test_size=0.25,
                                                        random_state=0)
    return x_train, np.eye(10)[y_train], x_test, y_test


def weights(seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return [glorot(rng, 64, HIDDEN), np.zeros(HIDDEN), glorot(rng, HIDDEN, 10), np.zeros(10)]


def orders(n, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed + 1)  # as fit(seed=seed + 1, shuffle=True) draws them
    return np.array([rng.permutation(n) for _ in range(EPOCHS)])


def accuracy(params, x, labels):
    import numpy as np

    w1, b1, w2, b2 = params
    h = 1 / (1 + np.exp(-(x @ w1 + b1)))
    return float(np.mean(np.argmax(h @ w2 + b2, axis=1) == labels))


def chainrule_train(x, y, seed=0):
    """``fit`` as the README shows it: ``Sequential`` … ``compile`` … ``fit(x, y, epochs=50,
    batch_size=32, seed=seed + 1, verbose=0)`` from the peers' initial weights."""
    import chainrule as cr

    def train():
        model = cr.Sequential([cr.layers.Dense(HIDDEN, activation="sigmoid", input_dim=64),
                               cr.layers.Dense(10, activation="softmax")])
        model.compile(loss="categorical_crossentropy",
                      optimizer=cr.optimizers.SGD(learning_rate=LR))
        model.set_weights(weights(seed))
        model.fit(x, y, epochs=EPOCHS, batch_size=BATCH, seed=seed + 1, verbose=0)
        return model.get_weights()
    return train


def numpy_train(x, y, seed=0):
    import numpy as np

    order = orders(len(x), seed)

    def train():
        w1, b1, w2, b2 = weights(seed)
        for epoch in order:
            for start in range(0, len(x), BATCH):
                index = epoch[start:start + BATCH]
                xb, yb = x[index], y[index]
                h = 1 / (1 + np.exp(-(xb @ w1 + b1)))
                z = h @ w2 + b2
                p = np.exp(z - z.max(1, keepdims=True))
                p /= p.sum(1, keepdims=True)
                d2 = (p - yb) / len(index)
                d1 = (d2 @ w2.T) * h * (1 - h)
                w2 -= LR * (h.T @ d2)
                b2 -= LR * d2.sum(0)
                w1 -= LR * (xb.T @ d1)
                b1 -= LR * d1.sum(0)
        return [w1, b1, w2, b2]
    return train


def torch_train(x, y, seed=0):
    import torch

    torch.set_default_dtype(torch.float64)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y).argmax(1)
    order = torch.from_numpy(orders(len(x), seed))

    def train():
        params = [torch.tensor(a, requires_grad=True) for a in weights(seed)]
        w1, b1, w2, b2 = params
        for epoch in order:
            for start in range(0, len(x), BATCH):
                index = epoch[start:start + BATCH]
                z = torch.sigmoid(xt[index] @ w1 + b1) @ w2 + b2
                torch.nn.functional.cross_entropy(z, yt[index]).backward()
                with torch.no_grad():
                    for p in params:
                        p -= LR * p.grad
                        p.grad = None
        return [p.detach().numpy() for p in params]
    return train


def sklearn_train(x, y, seed=0):
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    def train():
        model = MLPClassifier(hidden_layer_sizes=(HIDDEN,), activation="logistic",
                              solver="sgd", learning_rate_init=LR, batch_size=BATCH,
                              max_iter=EPOCHS, momentum=0.0, nesterovs_momentum=False,
                              alpha=0.0, tol=0.0, n_iter_no_change=EPOCHS + 1, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(x, y.argmax(1))
        return [model.coefs_[0], model.intercepts_[0], model.coefs_[1], model.intercepts_[1]]
    return train


RUNS = {"chainrule": chainrule_train, "numpy": numpy_train, "torch": torch_train,
        "sklearn": sklearn_train}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("impl", choices=sorted(RUNS))
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    x, y, x_test, labels = data()
    train = RUNS[args.impl](x, y)
    params = train()  # warm-up
    seconds, times = median_time(train, args.repeats)
    scores = [accuracy(RUNS[args.impl](x, y, seed)(), x_test, labels)
              for seed in range(args.seeds)]
    report(job="digits", impl=args.impl, train_s=round(seconds, 4),
           accuracy=round(accuracy(params, x_test, labels), 4),
           accuracy_mean=round(statistics.mean(scores), 4),
           accuracy_sd=round(statistics.stdev(scores), 4) if len(scores) > 1 else None,
           accuracies=[round(a, 4) for a in scores], times=[round(s, 4) for s in times])


if __name__ == "__main__":
    main()
