"""A product of small HMMs against one HMM with as many parameters (hinton2002 sec. 11.1).

The claim of the section: one HMM carries what the past says about the
future in the choice of a single hidden state (log2 K bits for K states),
a product of M HMMs in M choices, so a few small HMMs can hold several
independent long-range regularities that one HMM of the same size cannot.

Data: :func:`skpoe.datasets.make_trigger_sequences`, random text over 8
background symbols with ``--pairs`` trigger/response pairs (a response only
after its trigger, like "shut ... up" in Fig. 13), sequences of
``--length`` symbols.

1. **Rule keeping.** Each model trains on rule-keeping sequences; test
   sequences keep the rules or break one (a pair in the wrong order, with
   the same symbols): ROC AUC of the per-sequence score (goodness for the
   product, log-likelihood for the HMM) at telling them apart.
2. **Families.** Four families of sequences over two pairs, each with its
   own order of the pairs (``reversed_pairs`` (), (0,), (1,), (0, 1)). One
   model per family; a logistic regression on the four scores, trained on
   held-out sequences (hinton2002 sec. 9), predicts the family. Only a
   sequence with both pairs complete tells its family for sure; with one
   it is one of two, so no classifier beats 2/3 on average.

Contenders: ``ProductOfHMMs`` with its defaults (8 HMMs of 4 states), and
a smaller product (4 HMMs of 3 states); against each, hmmlearn's
``CategoricalHMM`` with as many free parameters as possible without
exceeding the product's (start ``K - 1``, transitions ``K (K - 1)``,
outputs ``K (V - 1)`` per HMM), trained by EM with its defaults and up to
1,000 iterations, enough for its tolerance (0.01 in log-likelihood) to stop
it (18 states: about 700), in hmmlearn's scaled recursions
(``implementation="scaling"``: the same EM as the default log-space one,
several times faster). Each row is the mean and spread over ``--seeds``
seeds, all measured in this one run.

Run: ``python benchmarks/bench_hmm.py`` (about 30 minutes on 2 cores:
hmmlearn's EM with 18 states dominates), or ``--quick`` to check that it
runs (a minute). Needs hmmlearn (``pip install hmmlearn``).
"""

import argparse
import time

import numpy as np
from hmmlearn.hmm import CategoricalHMM
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpoe import ProductOfHMMs
from skpoe.datasets import make_trigger_sequences

N_BACKGROUND = 8


def n_parameters(n_states, n_symbols, n_hmms=1):
    """Free parameters of n_hmms HMMs: start, transition and output probabilities."""
    return n_hmms * ((n_states - 1) + n_states * (n_states - 1) + n_states * (n_symbols - 1))


def matching_hmm_states(n_params, n_symbols):
    """The most states one HMM can have without more than n_params parameters."""
    n = 1
    while n_parameters(n + 1, n_symbols) <= n_params:
        n += 1
    return n


def sequence_scores(model, X, lengths):
    """Goodness (product) or log-likelihood (hmmlearn) of each sequence."""
    if isinstance(model, ProductOfHMMs):
        return model.score_samples(X, lengths)
    # EM sets the probability of outputs never seen in training to 0, so some
    # test sequences are impossible: the log-space recursions give them -inf
    # (the scaled ones raise). They get 10 nats per symbol less than nothing,
    # far below uniformly random text (log 16 = 2.8 nats per symbol): the
    # lowest rank for the ROC, and a finite feature for the regression.
    model.set_params(implementation="log")
    bounds = np.r_[0, np.cumsum(lengths)]
    scores = np.array([model.score(X[a:b]) for a, b in zip(bounds[:-1], bounds[1:])])
    return np.maximum(scores, -10.0 * np.asarray(lengths))


def contenders(n_symbols, seed, quick):
    """(name, parameter count, unfitted model) pairs, each product beside its HMM."""
    out = []
    for K, M in [(4, 8), (3, 4)]:
        kwargs = {"n_iter": 20} if quick else {}
        product = ProductOfHMMs(K, n_experts=M, random_state=seed, **kwargs)
        n_params = n_parameters(K, n_symbols, M)
        name = "ProductOfHMMs()" if (K, M) == (4, 8) else f"ProductOfHMMs({K}, n_experts={M})"
        out.append((f"{name}: {M} x {K} states", n_params, product))
        n = matching_hmm_states(n_params, n_symbols)
        # implementation="scaling": the same EM (the same likelihoods to 1e-10),
        # 7 times faster than the default log-space recursions.
        hmm = CategoricalHMM(n, n_features=n_symbols, n_iter=20 if quick else 1000,
                             implementation="scaling", random_state=seed)
        out.append((f"CategoricalHMM({n})", n_parameters(n, n_symbols), hmm))
    return out


def fit(model, X, lengths):
    start = time.perf_counter()
    model.fit(X, lengths)
    return time.perf_counter() - start


def training_length(model):
    """CD updates of a product, EM iterations of an HMM."""
    return model.n_updates_ if isinstance(model, ProductOfHMMs) else model.monitor_.iter


def rule_keeping(args):
    n_symbols = N_BACKGROUND + 2 * args.pairs
    results = {}
    for seed in range(args.seeds):
        X, lengths, _ = make_trigger_sequences(
            args.n_train, length=args.length, n_pairs=args.pairs, random_state=seed)
        X_test, lengths_test, broken = make_trigger_sequences(
            args.n_test, length=args.length, n_pairs=args.pairs, broken=0.5,
            random_state=1000 + seed)
        for name, n_params, model in contenders(n_symbols, seed, args.quick):
            seconds = fit(model, X, lengths)
            auc = roc_auc_score(~broken, sequence_scores(model, X_test, lengths_test))
            results.setdefault((name, n_params), []).append(
                (auc, seconds, training_length(model)))
            print(f"  seed {seed}: {name:40s} AUC {auc:.4f} ({seconds:.1f} s)", flush=True)
    print(f"\nRule keeping: {args.pairs} pairs, {n_symbols} symbols, sequences of "
          f"{args.length}; {args.n_train} training sequences, {args.n_test} test (half "
          f"broken); {args.seeds} seeds\n")
    print("| model | parameters | ROC AUC (mean ± sd) | min | CD updates / EM iterations "
          "| fit s (mean) |")
    print("|---|---:|---:|---:|---:|---:|")
    for (name, n_params), rows in results.items():
        aucs, seconds, steps = np.array(rows).T
        print(f"| {name} | {n_params} | {aucs.mean():.4f} ± {aucs.std():.4f} | "
              f"{aucs.min():.4f} | {steps.mean():.0f} | {seconds.mean():.1f} |")


FAMILIES = [(), (0,), (1,), (0, 1)]


def families(args):
    n_pairs, n_symbols = 2, N_BACKGROUND + 4
    results = {}
    for seed in range(args.seeds):
        data = [make_trigger_sequences(args.n_train // 4 + args.n_test // 4, length=args.length,
                                       n_pairs=n_pairs, reversed_pairs=rules,
                                       random_state=100 * seed + c)
                for c, rules in enumerate(FAMILIES)]
        per_family = [(X.reshape(len(lengths), -1), lengths) for X, lengths, _ in data]
        for name, n_params, model in contenders(n_symbols, seed, args.quick):
            accuracy, seconds = classify(model, per_family, args.n_test // 4, seed)
            results.setdefault((name, n_params), []).append((accuracy, seconds))
            print(f"  seed {seed}: {name:40s} accuracy {accuracy:.4f} ({seconds:.1f} s)",
                  flush=True)
    print(f"\nFamilies: {len(FAMILIES)} families over {n_pairs} pairs, {n_symbols} symbols, "
          f"sequences of {args.length}; {args.n_train // 4} training sequences per family "
          f"(80% for the family models, 20% for the logistic regression), "
          f"{args.n_test // 4} test; best possible accuracy 2/3\n")
    print("| model (one per family) | parameters each | test accuracy (mean ± sd) | "
          "fit s (mean, all families) |")
    print("|---|---:|---:|---:|")
    for (name, n_params), rows in results.items():
        accuracy, seconds = np.array(rows).T
        print(f"| {name} | {n_params} | {accuracy.mean():.4f} ± {accuracy.std():.4f} | "
              f"{seconds.mean():.1f} |")


def classify(model, per_family, n_test, seed):
    """The recipe of the user guide: one model per family, a logistic
    regression on their scores of held-out sequences. Returns (test
    accuracy, seconds to fit the family models)."""
    from sklearn.base import clone

    split = [train_test_split(np.arange(len(S) - n_test), test_size=0.2, random_state=seed)
             for S, _ in per_family]
    models, seconds = [], 0.0
    for (S, lengths), (train, _) in zip(per_family, split):
        models.append(clone(model))
        seconds += fit(models[-1], S[train].reshape(-1, 1), lengths[train])

    def scores(rows_per_family):
        X = np.vstack([S[rows] for (S, _), rows in zip(per_family, rows_per_family)])
        lengths = np.full(len(X), X.shape[1])
        y = np.concatenate([np.full(len(rows), c) for c, rows in enumerate(rows_per_family)])
        features = np.column_stack([sequence_scores(m, X.reshape(-1, 1), lengths)
                                    for m in models])
        return features, y

    held_out = scores([held for _, held in split])
    test = scores([np.arange(len(S) - n_test, len(S)) for S, _ in per_family])
    final = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(*held_out)
    return final.score(*test), seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=4)
    parser.add_argument("--length", type=int, default=20)
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=2000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--quick", action="store_true",
                        help="a few sequences and iterations, to check the script runs")
    args = parser.parse_args()
    if args.quick:
        args.n_train, args.n_test, args.seeds = 200, 200, 1
    rule_keeping(args)
    families(args)


if __name__ == "__main__":
    main()
