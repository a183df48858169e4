"""Salakhutdinov & Hinton (2009) on MNIST: a 784-500-1000 deep Boltzmann machine.

Side by side in one run, on MNIST binarized at 0.5 (60,000 training images,
the official 10,000 test images):

1. ``DeepBeliefNet((500, 1000))``: training time and its variational bound on
   the test log-likelihood (``log_likelihood_bound``, the top RBM's log Z by AIS).
2. ``DeepBoltzmannMachine((500, 1000))`` trained within a time budget
   (pretraining included): the mean-field bound on the test log-likelihood
   with log Z by AIS (``score_samples - log_partition``), and the curve of
   that bound against training time (snapshots taken during training,
   evaluated afterwards with a cheaper AIS).
3. Classification: the DBM's mean-field features (both layers) into a
   ``LogisticRegression``; and the DBM as the initialization of a
   784-500-1000-10 ``MLPClassifier`` (logistic units) fine-tuned by
   backpropagation: its first layer gets ``2 W1`` (the doubled bottom-up
   pass that starts the mean field), its second ``W2``.

The paper: -84.62 nats and 0.95% test error after about 300,000 updates
(MNIST binarized stochastically; ``--binarize sample`` does that once).
Run: ``python benchmarks/bench_dbm.py`` (about an hour on 2 cores with the
default 30-minute budget; ``--quick`` checks the script in a few minutes).
"""

import argparse
import copy
import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from skpoe import DeepBeliefNet, DeepBoltzmannMachine
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def binarized(subset, how, n):
    X, y = load_mnist(subset)
    X, y = X[:n], y[:n]
    if how == "sample":  # once, with a fixed seed, as Salakhutdinov & Murray (2008)
        X = np.random.default_rng(0 if subset == "train" else 1).random(X.shape) < X
    else:
        X = X > 0.5
    return X.astype(np.float32), y


def train_dbm(dbm, X, budget, curve_every):
    """Pretraining, then epochs of joint training while the budget lasts.

    Returns the model, its training time and snapshots (time, updates, model)
    taken about every ``curve_every`` seconds of training.
    """
    start = time.perf_counter()
    dbm.set_params(n_iter=0).fit(X)  # pretraining and composition only
    elapsed = time.perf_counter() - start
    snapshots = [(elapsed, 0, copy.deepcopy(dbm))]
    epoch_time = 0.0
    while elapsed + epoch_time <= budget:
        start = time.perf_counter()
        dbm.partial_fit(X)
        epoch_time = time.perf_counter() - start
        elapsed += epoch_time
        if elapsed >= snapshots[-1][0] + curve_every:
            snapshots.append((elapsed, dbm.n_updates_, copy.deepcopy(dbm)))
    if snapshots[-1][1] != dbm.n_updates_:
        snapshots.append((elapsed, dbm.n_updates_, copy.deepcopy(dbm)))
    return dbm, elapsed, snapshots


def fine_tune(dbm, X, y, X_test, y_test, epochs, learning_rate):
    """The DBM's weights into an MLPClassifier, then backpropagation.

    What ``PretrainedMLPClassifier(pretraining="dbm")`` does after training
    its own DBM, done here on the DBM this script trained within its time
    budget: the weights into ``coefs_``/``intercepts_`` after a
    ``partial_fit`` that builds the net, then ``warm_start``.
    """
    (W1, W2), (b1, b2) = dbm.components_, dbm.intercepts_hidden_
    mlp = MLPClassifier((W1.shape[0], W2.shape[0]), activation="logistic", solver="sgd",
                        learning_rate_init=learning_rate, momentum=0.9, batch_size=100,
                        alpha=1e-5, max_iter=epochs, n_iter_no_change=epochs, tol=0.0,
                        random_state=0)
    mlp.partial_fit(X[:100], y[:100], classes=np.unique(y))  # builds the layers
    mlp.coefs_[0][...] = 2 * W1.T  # the bottom-up pass that starts the mean field
    mlp.coefs_[1][...] = W2.T
    mlp.intercepts_[0][...] = b1
    mlp.intercepts_[1][...] = b2
    mlp.set_params(warm_start=True).fit(X, y)
    return 100 * np.mean(mlp.predict(X_test) != y_test)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=1800.0,
                        help="seconds of DBM training, pretraining included")
    parser.add_argument("--curve-every", type=float, default=300.0,
                        help="seconds of training between snapshots of the curve")
    parser.add_argument("--n-betas", type=int, default=14500, help="AIS temperatures")
    parser.add_argument("--curve-betas", type=int, default=3000,
                        help="AIS temperatures for the curve's points")
    parser.add_argument("--n-chains", type=int, default=100, help="AIS runs")
    parser.add_argument("--fine-tune-epochs", type=int, default=50)
    parser.add_argument("--fine-tune-learning-rate", type=float, default=0.1)
    parser.add_argument("--binarize", choices=["threshold", "sample"], default="threshold")
    parser.add_argument("--n-train", type=int, default=60000)
    parser.add_argument("--quick", action="store_true",
                        help="a check of the script: 10,000 images, short budget, short AIS")
    args = parser.parse_args()
    if args.quick:
        args.n_train, args.budget, args.curve_every = 10000, 120.0, 40.0
        args.n_betas, args.curve_betas, args.fine_tune_epochs = 1000, 300, 2

    X, y = binarized("train", args.binarize, args.n_train)
    X_test, y_test = binarized("test", args.binarize, 10000)
    DeepBoltzmannMachine((4, 4), n_iter=1).fit(X[:100])  # Numba compilation, not timed
    print(f"MNIST binarized ({args.binarize}), {len(X)} train / {len(X_test)} test; "
          f"DBM budget {args.budget:.0f} s; AIS {args.n_betas} temperatures x "
          f"{args.n_chains} chains\n", flush=True)

    start = time.perf_counter()
    dbn = DeepBeliefNet((500, 1000), random_state=0).fit(X)
    t_dbn = time.perf_counter() - start
    log_z, std = dbn.layers_[-1].log_partition("ais", n_betas=args.n_betas,
                                               n_chains=args.n_chains, return_std=True)
    dbn_bound = dbn.log_likelihood_bound(X_test, log_partition=log_z).mean()
    print(f"DeepBeliefNet: trained in {t_dbn:.0f} s, test bound {dbn_bound:.2f} "
          f"+- {std:.2f} nats", flush=True)

    dbm, t_dbm, snapshots = train_dbm(DeepBoltzmannMachine((500, 1000), random_state=0),
                                      X, args.budget, args.curve_every)
    log_z, std = dbm.log_partition("ais", n_betas=args.n_betas, n_chains=args.n_chains,
                                   return_std=True)
    dbm_bound = dbm.score_samples(X_test).mean() - log_z
    train_bound = dbm.score_samples(X[:10000]).mean() - log_z
    print(f"DeepBoltzmannMachine: trained in {t_dbm:.0f} s ({dbm.n_updates_} joint updates, "
          f"{dbm.n_iter_} epochs), test bound {dbm_bound:.2f} +- {std:.2f} nats "
          f"(train {train_bound:.2f})", flush=True)

    print(f"\nbound against training time (AIS {args.curve_betas} temperatures):")
    print(f"{'time (s)':>9s} {'updates':>8s} {'test bound':>11s}")
    for elapsed, updates, model in snapshots:
        z = model.log_partition("ais", n_betas=args.curve_betas, n_chains=args.n_chains)
        print(f"{elapsed:9.0f} {updates:8d} {model.score_samples(X_test).mean() - z:11.2f}",
              flush=True)

    start = time.perf_counter()
    clf = LogisticRegression(max_iter=1000).fit(dbm.transform(X), y)
    error_lr = 100 * np.mean(clf.predict(dbm.transform(X_test)) != y_test)
    t_lr = time.perf_counter() - start
    start = time.perf_counter()
    error_mlp = fine_tune(dbm, X, y, X_test, y_test, args.fine_tune_epochs,
                          args.fine_tune_learning_rate)
    t_mlp = time.perf_counter() - start

    print(f"\n{'model':52s} {'train time':>10s} {'test bound':>11s} {'test error':>10s}")
    print(f"{'DeepBeliefNet((500, 1000))':52s} {t_dbn:9.0f}s {dbn_bound:11.2f} {'':>10s}")
    print(f"{'DeepBoltzmannMachine((500, 1000))':52s} {t_dbm:9.0f}s {dbm_bound:11.2f} {'':>10s}")
    print(f"{'  mean-field features + LogisticRegression':52s} {t_lr:9.0f}s {'':>11s} "
          f"{error_lr:9.2f}%")
    name = f"  fine-tuned MLP, {args.fine_tune_epochs} epochs"
    print(f"{name:52s} {t_mlp:9.0f}s {'':>11s} {error_mlp:9.2f}%")


if __name__ == "__main__":
    main()
