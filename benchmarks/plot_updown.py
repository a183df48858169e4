"""The up-down curves of ``RESULTS.md`` as a figure: test error against wall time.

Reads ``figures/updown_curves.csv`` (one row per evaluation of an hour run
of ``bench_updown.py``: its table in ``RESULTS.md``, or the rows that
``bench_updown.py --csv`` appends) and draws ``figures/updown.png``: the
test and validation error of each run against minutes (greedy training
included) and against up-down epochs, with the paper's 1.39% and each
run's network best on validation marked.

Run: ``python benchmarks/plot_updown.py`` (no training; matplotlib needed).
"""

import argparse
import csv
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = Path(__file__).parent


def read_runs(path):
    """{run name: list of rows as dicts of floats}, in the file's order."""
    runs = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            values = {key: float(row[key]) for key in
                      ("up_down_epochs", "validation", "test", "minutes")}
            runs.setdefault(row["run"], []).append(values)
    return runs


def best_on_validation(rows):
    """The row the paper's protocol picks: the first with the lowest
    validation error (the greedy net included)."""
    return min(rows, key=lambda r: r["validation"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", default=str(HERE / "figures" / "updown_curves.csv"))
    parser.add_argument("--out", default=str(HERE / "figures" / "updown.png"))
    args = parser.parse_args()
    runs = read_runs(args.csv)

    fig, (by_time, by_epoch) = plt.subplots(1, 2, figsize=(12, 4.8), sharey=True)
    for name, rows in runs.items():
        minutes = [r["minutes"] for r in rows]
        epochs = [r["up_down_epochs"] for r in rows]
        line, = by_time.plot(minutes, [r["test"] for r in rows], marker=".", label=name)
        by_epoch.plot(epochs, [r["test"] for r in rows], marker=".", color=line.get_color())
        by_epoch.plot(epochs, [r["validation"] for r in rows], ls=":",
                      color=line.get_color())
        best = best_on_validation(rows)
        by_time.plot(best["minutes"], best["test"], "o", ms=9, mfc="none",
                     color=line.get_color())
        print(f"{name}: best on validation {best['validation']:.2f}% after "
              f"{best['up_down_epochs']:.0f} epochs, test {best['test']:.2f}% at "
              f"{best['minutes']:.1f} minutes")
    for ax in (by_time, by_epoch):
        ax.axhline(1.39, color="k", lw=0.8, ls="--")
        ax.set_ylim(1.2, 3.3)  # the binary-states run peaks at 3.87%, off the top
        ax.grid(alpha=0.3)
    by_time.text(1, 1.41, "the paper: 1.39% after 300 epochs (a week)", fontsize=8)
    by_time.set(xlabel="minutes on 2 cores (greedy training included)",
                ylabel="MNIST test error (%)",
                title="Up-down fine-tuning: test error (circle: best on validation)")
    by_epoch.set(xlabel="up-down epochs", title="against epochs (dotted: validation)")
    by_epoch.legend(*by_time.get_legend_handles_labels(), fontsize=7, loc="upper right")
    fig.tight_layout()
    fig.savefig(args.out, dpi=100)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
