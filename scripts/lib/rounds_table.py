"""The Markdown tables the tool-vs-tool scripts (bench-tcp, bench-udp) print.

Each probe wrote `round|test|value` lines: bit/s for streams, transactions/s for
request/response, `nan` when the tool failed. A figure is the median of its rounds
with min and max; a ratio is taken within each round first, so that the host's
drift from round to round moves both tools of a pair alike.
"""
import os
import statistics


def read(paths):
    """{test: {round: value}} from the files that exist, in the order the tests first appear."""
    rows = {}
    for path in paths:
        if not os.path.exists(path):
            continue
        for line in open(path):
            parts = line.rstrip("\n").split("|")
            if len(parts) != 3:
                continue
            r, name, v = parts
            try:
                rows.setdefault(name, {})[int(r)] = float(v)
            except ValueError:
                rows.setdefault(name, {})[int(r)] = float("nan")
    return rows


def median_range(values):
    """(median, min, max) of the values that are numbers; NaNs when none is."""
    values = [v for v in values if v == v]
    return (statistics.median(values), min(values), max(values)) if values else (float("nan"),) * 3


def figure(name, v):
    if v != v:
        return "n/a"
    latency = "rr" in name.lower() or "lat" in name.lower()
    return f"{v:,.0f} trans/s" if latency else f"{v/1e9:.2f} Gbit/s"


def print_tests(rows):
    print("| test | median | min | max |\n| --- | ---: | ---: | ---: |")
    for name, by_round in rows.items():
        m, lo, hi = median_range(by_round.values())
        print(f"| {name} | {figure(name, m)} | {figure(name, lo)} | {figure(name, hi)} |")


def print_ratios(rows, specs):
    """One row per spec `A/B|goal`. `A/B+C` divides by the best of B and C in each round;
    a goal of `—` shows the ratio without judging it."""
    print("\n| ratio (per round, then median) | goal | median | min | max | met |\n| --- | ---: | ---: | ---: | ---: | --- |")
    for spec in specs:
        pair, goal = spec.split("|")
        a, bs = pair.split("/", 1)
        bs = bs.split("+")
        ratios = []
        for r in rows.get(a, {}):
            best = max((rows[b][r] for b in bs if r in rows.get(b, {}) and rows[b][r] == rows[b][r]), default=0)
            if best > 0:
                ratios.append(rows[a][r] / best)
        m, lo, hi = median_range(ratios)
        judged = goal != "—"
        met = ("yes" if m == m and m >= float(goal) else "no") if judged else ""
        name = bs[0] if len(bs) == 1 else "best of " + ", ".join(bs)
        print(f"| {a} ÷ {name} | {'≥ ' + goal if judged else '—'} | {m:.2f} | {lo:.2f} | {hi:.2f} | {met} |")


def print_errors(out):
    path = os.path.join(out, "errors")
    if os.path.exists(path) and os.path.getsize(path):
        print("\nErrors seen:\n```\n" + open(path).read().strip()[:2000] + "\n```")
