"""Hinton, Osindero & Teh (2006, sec. 6.1) on a laptop: greedy training, then up-down.

The paper's protocol: a 784-500-500-2000 net with 10 label units in the top
RBM, trained on 44,000 of the MNIST training images (the other 16,000 give
a 10,000-image validation set), each layer greedily for 30 epochs, then up
to 300 epochs of up-down fine-tuning in minibatches of 100 with 3, then 6,
then 10 Gibbs iterations in the top-level associative memory (a third of
the epochs each). The paper: 2.49% test error after greedy training, 1.39%
for the network best on the validation set after the 300 epochs (about a
week in Matlab), 1.25% after 59 more epochs on all 60,000.

This script runs that schedule for at most ``--minutes`` of wall time
(greedy training included) and prints the validation and test error every
``--every`` epochs of up-down, against epochs and wall time: the curve of
``benchmarks/RESULTS.md``. Up-down runs in pieces through
``warm_start=True``, which gives exactly the model of one long call. The
Gibbs iterations follow the schedule of ``--epochs`` epochs (by default 3
for the first third, 6, then 10; ``--gibbs-steps 10`` uses 10 throughout),
however far the time budget gets; ``--learning-rate`` can be such a schedule
too (``0.001,0.0003``: the rate falls halfway).

``--retrain-epochs N`` then takes the network best on the validation set and
goes on with up-down on all 60,000 training images for N epochs (the
paper: 59 more epochs, 1.25%, "until its error rate on the full training set
was as low as its final error rate had been on the original training set"),
printing the test and training errors every ``--every`` epochs, at
``--retrain-learning-rate`` (by default the last rate); this part has no
time budget. ``--save PATH`` pickles the network best on the validation set
(with its training error); ``--load PATH`` skips greedy training and up-down
and retrains a network so saved; ``--save-retrained PATH`` pickles the
retrained network after every ``--every`` epochs, which ``--load`` can then
retrain further. ``--stop-at-rule`` stops the retraining where the paper did, once
the training error is as low as before (the paper checked after every epoch:
``--every 1``). ``--csv PATH`` appends the up-down curve's rows to a CSV
file, which ``plot_updown.py`` draws (``figures/updown_curves.csv`` holds the
hour runs of ``RESULTS.md``).

Run: ``python benchmarks/bench_updown.py --minutes 60`` (nothing else on the
machine). ``--train 60000 --validation 0`` trains on all 60,000 images.
"""

import argparse
import copy
import csv
import datetime
import os
import pickle
import time

import numpy as np

from skpoe import BernoulliPoE, DeepBeliefNetClassifier
from _mnist import load_mnist  # the shared copy: see benchmarks/_mnist.py


def error(clf, X, y):
    return 100.0 * np.mean(clf.predict(X) != y)


def up_down(clf, epochs, k, rate, X, y):
    """``epochs`` more up-down epochs (warm_start) with ``k`` Gibbs steps at
    ``rate``; returns the seconds per epoch."""
    start = time.perf_counter()
    clf.set_params(fine_tune_epochs=epochs, fine_tune_gibbs_steps=(k,),
                   fine_tune_learning_rate=rate).fit(X, y)
    return (time.perf_counter() - start) / epochs


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="wall-time budget")
    parser.add_argument("--greedy-epochs", type=int, default=30)
    parser.add_argument("--epochs", type=int, default=300, help="length of the Gibbs schedule")
    parser.add_argument("--gibbs-steps", default="3,6,10",
                        help="Gibbs iterations, comma-separated, each for an equal share "
                        "of --epochs")
    parser.add_argument("--retrain-epochs", type=int, default=0,
                        help="up-down epochs on all 60,000 images from the best network")
    parser.add_argument("--every", type=int, default=10, help="epochs between evaluations")
    parser.add_argument("--learning-rate", default="0.01",
                        help="fine_tune_learning_rate; comma-separated, a schedule like "
                        "--gibbs-steps' (the retraining uses the last)")
    parser.add_argument("--retrain-learning-rate", type=float, default=None,
                        help="the retraining's rate (default: the last --learning-rate)")
    parser.add_argument("--save", help="pickle the network best on validation here")
    parser.add_argument("--load", help="retrain a network saved by --save")
    parser.add_argument("--save-retrained", help="pickle the retrained network here")
    parser.add_argument("--stop-at-rule", action="store_true",
                        help="stop the retraining at the paper's rule: once its error on all "
                        "the training images is as low as the network's had been on its own "
                        "(checked every --every epochs; --every 1 checks as the paper did)")
    parser.add_argument("--train", type=int, default=44_000)
    parser.add_argument("--validation", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--csv", help="append the up-down curve's rows to this CSV file "
                        "(figures/updown_curves.csv is what plot_updown.py draws)")
    args = parser.parse_args()
    if args.load and not args.retrain_epochs:
        parser.error("--load retrains a saved network: give --retrain-epochs N")
    if args.save_retrained and not args.retrain_epochs:
        parser.error("--save-retrained saves the retrained network: give --retrain-epochs N")
    schedule = [int(k) for k in args.gibbs_steps.split(",")]
    rates = [float(r) for r in args.learning_rate.split(",")]

    X, y = load_mnist("train")
    X_test, y_test = load_mnist("test")
    order = np.random.default_rng(args.seed).permutation(len(X))
    train, validation = order[:args.train], order[args.train:args.train + args.validation]
    X_train, y_train = X[train], y[train]
    X_val, y_val = X[validation], y[validation]
    start = time.perf_counter()
    budget = 60.0 * args.minutes
    if args.load:
        with open(args.load, "rb") as f:
            best = pickle.load(f)
        retrained = best.get("retrained", 0)
        print(f"loaded {args.load}: {best['epochs']} up-down epochs, validation "
              f"{best['validation']:.2f}%, test {best['test']:.2f}%, training "
              f"{best['train']:.2f}%"
              + (f"; retrained for {retrained} epochs on all images" if retrained else ""))
        retrain(args, best, X, y, X_test, y_test, schedule[-1], rates[-1])
        return

    clf = DeepBeliefNetClassifier(
        (500, 500, 2000),
        layer=BernoulliPoE(batch_size=100, n_iter=args.greedy_epochs),
        fine_tune_epochs=0, fine_tune_learning_rate=rates[0], batch_size=100,
        warm_start=True, random_state=args.seed,
    ).fit(X_train, y_train)
    greedy = time.perf_counter() - start
    print(f"MNIST: {len(X_train)} training, {len(X_val)} validation, {len(X_test)} test "
          f"images; greedy {args.greedy_epochs} epochs per layer, up-down over "
          f"{args.epochs} epochs at rates {rates} with Gibbs steps {schedule}; budget "
          f"{args.minutes:g} minutes\n")
    print(f"{'up-down epochs':>14s} {'Gibbs steps':>11s} {'rate':>7s} {'validation':>10s} "
          f"{'test':>7s} {'minutes':>8s} {'s/epoch':>8s}")

    best = {"validation": np.inf}  # the network best on the validation set
    run_name = (f"seed {args.seed}, {args.gibbs_steps.replace(',', '/')} steps, rate "
                f"{args.learning_rate.replace(',', '/')} ({datetime.date.today()})")

    def append_to_csv(*row):
        new = not os.path.exists(args.csv)
        with open(args.csv, "a", newline="") as f:
            writer = csv.writer(f)
            if new:
                writer.writerow(["run", "up_down_epochs", "gibbs_steps", "validation",
                                 "test", "minutes"])
            writer.writerow([run_name, *row])

    def report(epochs, k, rate, seconds_per_epoch):
        val_error = error(clf, X_val, y_val) if len(X_val) else np.nan
        val = f"{val_error:9.2f}%" if len(X_val) else f"{'-':>10s}"
        test_error = error(clf, X_test, y_test)
        minutes = (time.perf_counter() - start) / 60
        print(f"{epochs:14d} {k:>11} {rate:>7} {val} {test_error:6.2f}% "
              f"{minutes:8.1f} {seconds_per_epoch:8.1f}", flush=True)
        if args.csv:
            append_to_csv(epochs, "" if k == "-" else k, f"{val_error:.2f}",
                          f"{test_error:.2f}", f"{minutes:.1f}")
        if val_error < best["validation"]:
            keep = args.retrain_epochs or args.save
            best.update(validation=val_error, test=test_error, epochs=epochs,
                        clf=copy.deepcopy(clf) if keep else None)

    report(0, "-", "-", 0.0)
    print(f"(greedy training: {greedy:.0f} s)")
    done = 0
    while done < args.epochs:
        k = schedule[min(len(schedule) * done // args.epochs, len(schedule) - 1)]
        rate = rates[min(len(rates) * done // args.epochs, len(rates) - 1)]
        piece = min(args.every, args.epochs - done)
        per_epoch = up_down(clf, piece, k, rate, X_train, y_train)
        done += piece
        report(done, k, f"{rate:g}", per_epoch)
        if time.perf_counter() - start + piece * per_epoch > budget:
            print(f"(stopped: the next {piece} epochs would pass the {args.minutes:g}-minute "
                  "budget)")
            break
    if len(X_val):
        print(f"\nbest on validation: {best['validation']:.2f}% after {best['epochs']} "
              f"epochs, test {best['test']:.2f}%")
    if (args.retrain_epochs or args.save) and len(X_val):
        best["train"] = error(best["clf"], X_train, y_train)
        print(f"its error on its {len(X_train)} training images: {best['train']:.2f}%")
    if args.save and len(X_val):
        with open(args.save, "wb") as f:
            pickle.dump(best, f)
    if args.retrain_epochs and len(X_val):
        retrain(args, best, X, y, X_test, y_test, schedule[-1], rates[-1])


def retrain(args, best, X, y, X_test, y_test, k, rate):
    """The paper's last step: more up-down on all the training images."""
    if args.retrain_learning_rate is not None:
        rate = args.retrain_learning_rate
    # The paper's stopping rule compares with the error on its own 44,000
    # images before any retraining (a saved retrained net keeps it).
    before = best.get("train_before_retraining", best["train"])
    print(f"\nRetraining the best network on all {len(X)} training images, "
          f"{k} Gibbs steps, rate {rate:g} (its error on its own training images "
          f"before: {before:.2f}%):")
    print(f"{'more epochs':>14s} {'test':>7s} {'training':>9s} {'minutes':>8s} {'s/epoch':>8s}")
    clf, retrain_start, done = best["clf"], time.perf_counter(), 0
    while done < args.retrain_epochs:
        piece = min(args.every, args.retrain_epochs - done)
        per_epoch = up_down(clf, piece, k, rate, X, y)
        done += piece
        test_error, train_error = error(clf, X_test, y_test), error(clf, X, y)
        print(f"{done:14d} {test_error:6.2f}% {train_error:8.2f}% "
              f"{(time.perf_counter() - retrain_start) / 60:8.1f} {per_epoch:8.1f}",
              flush=True)
        if args.save_retrained:
            # After every piece, so that a run cut off keeps its last net. (The
            # validation figure stays the one before retraining: the retraining
            # learns the validation images too.)
            with open(args.save_retrained, "wb") as f:
                pickle.dump(dict(best, test=test_error, train=train_error,
                                 train_before_retraining=before,
                                 retrained=best.get("retrained", 0) + done), f)
        if args.stop_at_rule and train_error <= before:
            print(f"(stopped by the paper's rule: {train_error:.4f}% on all {len(X)} "
                  f"training images, {before:.4f}% before on its own)")
            break


if __name__ == "__main__":
    main()
