"""
Products of hidden Markov models
================================

Hinton (2002, sec. 11.1): an HMM passes what the past says about the future
through the choice of one hidden state, so remembering n independent facts
takes it 2**n states. A *product* of HMMs lets each HMM pick its own state,
and its memory grows with the number of HMMs. Fig. 13 of the paper is one
such expert: it waits for "shut", then allows "up".

The data are random text with three rules of that kind
(:func:`skpoe.datasets.make_trigger_sequences`): a response symbol may only
appear after its trigger, directly or much later. A
:class:`skpoe.ProductOfHMMs` of six 3-state HMMs, trained by contrastive
divergence on rule-keeping sequences, tells them from sequences that break
one rule (a pair in the wrong order, the same symbols) better than one
hmmlearn ``CategoricalHMM`` with as many parameters. ``benchmarks/bench_hmm.py``
repeats this with more data, seeds and sizes.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import RocCurveDisplay, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skpoe import ProductOfHMMs
from skpoe.datasets import make_trigger_sequences

n_pairs, length = 3, 16
X, lengths, _ = make_trigger_sequences(600, length=length, n_pairs=n_pairs, random_state=0)
X_test, lengths_test, broken = make_trigger_sequences(
    400, length=length, n_pairs=n_pairs, broken=0.5, random_state=1)
n_symbols = int(X.max()) + 1
names = [f"b{v}" for v in range(8)] + [f"{kind}{p}" for p in range(n_pairs)
                                       for kind in ("T", "R")]
print("a rule-keeping sequence:", " ".join(names[v] for v in X[:length, 0]))
print("a broken one:           ", " ".join(
    names[v] for v in X_test[np.argmax(broken) * length:][:length, 0]))

# %%
# A product of six small HMMs, and one HMM with as many parameters
# ----------------------------------------------------------------
# The training data hold only rule-keeping sequences; ``lengths`` says where
# each one ends (hmmlearn's layout: all sequences in one column). The
# product makes 3,000 CD updates; the HMM, as many states as the
# parameters allow, 100 EM iterations to keep this example quick
# (``benchmarks/bench_hmm.py`` runs EM until it converges).


def n_parameters(n_states, n_hmms=1):
    """Free parameters of HMMs over n_symbols: start, transitions, outputs."""
    return n_hmms * ((n_states - 1) + n_states * (n_states - 1) + n_states * (n_symbols - 1))


product = ProductOfHMMs(3, n_experts=6, n_iter=50, random_state=0).fit(X, lengths)
scores = {"ProductOfHMMs (6 HMMs x 3 states)": product.score_samples(X_test, lengths_test)}
print(f"product: {n_parameters(3, 6)} parameters, {product.n_updates_} CD updates")

try:
    from hmmlearn.hmm import CategoricalHMM
except ImportError:  # hmmlearn is optional: pip install hmmlearn
    CategoricalHMM = None
if CategoricalHMM is not None:
    n_states = max(n for n in range(1, 40) if n_parameters(n) <= n_parameters(3, 6))
    hmm = CategoricalHMM(n_states, n_features=n_symbols, n_iter=100,
                         implementation="scaling", random_state=0).fit(X, lengths)
    # Outputs never seen in training get probability 0, so a test sequence
    # can be impossible: the log-space recursions score it -inf (the scaled
    # ones, quicker for training, refuse it); it ranks below all others.
    hmm.set_params(implementation="log")
    bounds = np.r_[0, np.cumsum(lengths_test)]
    name = f"CategoricalHMM ({n_states} states)"
    log_likelihood = [hmm.score(X_test[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
    scores[name] = np.maximum(log_likelihood, np.finfo(float).min)
    print(f"one HMM: {n_parameters(n_states)} parameters, {hmm.monitor_.iter} EM iterations")

fig, ax = plt.subplots(figsize=(5, 4.5))
for name, score in scores.items():
    print(f"{name}: ROC AUC {roc_auc_score(~broken, score):.4f}")
    RocCurveDisplay.from_predictions(~broken, score, ax=ax, name=name)
ax.set_title("Rule-keeping against rule-breaking sequences")
plt.show()

# %%
# What the HMMs learned
# ---------------------
# Each row of a panel is a state's output distribution. An HMM that
# remembers a trigger has a state that never outputs the trigger's response
# (the rule is not yet open) and a state that does; the product multiplies
# the chosen states' outputs, so one HMM's veto is enough to forbid a
# response.
log_output = np.log(product.emissionprob_)
fig, axes = plt.subplots(2, 3, figsize=(11, 4.5), sharex=True, sharey=True,
                         layout="constrained")
for m, ax in enumerate(axes.ravel()):
    image = ax.imshow(log_output[m], aspect="auto", cmap="viridis",
                      vmin=log_output.min(), vmax=0)
    ax.set_title(f"HMM {m}")
    ax.set_xticks(range(n_symbols), names, rotation=90, fontsize=7)
    ax.set_yticks(range(3))
for ax in axes[:, 0]:
    ax.set_ylabel("state")
fig.colorbar(image, ax=axes, label="log output probability")
plt.show()

# %%
# Classifying families of sequences
# ---------------------------------
# Four families over two pairs, each with its own order of the pairs. One
# product per family scores every sequence, and a logistic regression
# trained on the scores of held-out sequences turns them into a decision
# (hinton2002 sec. 9: goodness is log p up to each model's own log Z, and
# the regression learns those offsets). Only a sequence in which both pairs
# are complete tells its family for sure, so no classifier gets beyond 2/3.
#
# :class:`skpoe.ClassConditionalPoEClassifier` cannot do this for sequences:
# it splits and scores X by rows, which here are time steps, not sequences,
# and it passes no ``lengths`` to the class models. The recipe is short:
families = [(), (0,), (1,), (0, 1)]
train, held_out, test = [], [], []
for c, rules in enumerate(families):
    X_c, lengths_c, _ = make_trigger_sequences(
        500, length=length, n_pairs=2, reversed_pairs=rules, random_state=10 + c)
    sequences = X_c.reshape(len(lengths_c), length)
    train.append(sequences[:250])
    held_out.append(sequences[250:300])
    test.append(sequences[300:])

models = [ProductOfHMMs(3, n_experts=4, n_iter=40, random_state=c).fit(
    S.reshape(-1, 1), np.full(len(S), length)) for c, S in enumerate(train)]


def goodness_features(per_family):
    """One goodness column per family model; the family of each sequence."""
    S = np.vstack(per_family)
    features = np.column_stack([m.score_samples(S.reshape(-1, 1), np.full(len(S), length))
                                for m in models])
    return features, np.repeat(np.arange(len(per_family)), [len(s) for s in per_family])


final = make_pipeline(StandardScaler(), LogisticRegression()).fit(*goodness_features(held_out))
print(f"family accuracy on new sequences: {final.score(*goodness_features(test)):.3f} "
      "(at most about 0.667)")
