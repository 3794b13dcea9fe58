"""Oracle for the stats stage: writes stats_golden.json, replayed by src/stats/*_test.cc.

References: SciPy (special functions, pearsonr, spearmanr, ttest_rel, wilcoxon), statsmodels
(mcnemar), scikit-learn (average_precision_score, f1_score), and two implementations written here:
DeLong's test by the O(m n) Mann-Whitney kernel (no ranks, no placements shortcut), and the
paired stratified bootstrap with the same generator as the C++ code (xoshiro256** seeded by
splitmix64, Lemire's bounded integers), so the C++ interval must match draw for draw.

Every case carries its tolerances ("tolerance" for statistics and intervals, "p_tolerance" for
p-values): a value passes when |got - want| <= max(abs, rel * |want|).
NaN is written as null and must be NaN in C++; +/-inf as the strings "inf" / "-inf".

Run: .venv/bin/python tests/golden/stats/gen_stats_golden.py   (from the repository root)
"""

import json
import math
import os
import warnings

import numpy as np
import scipy
import sklearn
import statsmodels
from scipy import special, stats
from sklearn.metrics import average_precision_score, f1_score
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(61129)

TIGHT = {"abs": 0.0, "rel": 1e-12}  # distribution functions evaluated directly by both sides
STANDARD = {"abs": 1e-12, "rel": 1e-9}  # test statistics, intervals
# p-values: relative, extreme tails included (abs only for values that underflow to 0).
P_VALUE = {"abs": 1e-300, "rel": 1e-9}
# SciPy's exact Wilcoxon upper tail is 1 - (sum of the rest), so it is only absolutely accurate.
ABSOLUTE = {"abs": 1e-12, "rel": 0.0}


def num(v):
    v = float(v)
    if math.isnan(v):
        return None
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def vec(a):
    return [float(v) for v in np.asarray(a, dtype=float)]


# --------------------------------------------------------------------------------------------
# Distribution functions


def distribution_cases():
    cases = []

    def add(function, args, want, tol=TIGHT):
        cases.append({"function": function, "args": [float(a) for a in args],
                      "expected": num(want), "tolerance": tol})

    for z in [-37.0, -8.0, -1.0, 0.0, 0.3, 1.959963984540054, 5.0, 12.0, 30.0, 37.0]:
        add("normal_cdf", [z], special.ndtr(z))
        add("normal_sf", [z], special.ndtr(-z))
    for p in [1e-300, 1e-20, 1e-8, 0.025, 0.3, 0.5, 0.8, 0.975, 1 - 1e-10]:
        add("normal_quantile", [p], special.ndtri(p))
    for df in [1.0, 2.5, 9.0, 99.0, 1e4, 1e6]:
        for t in [-3.0, 0.0, 0.1, 2.0, 10.0, 60.0]:
            add("student_t_sf", [t, df], stats.t.sf(t, df))
        for p in [1e-12, 0.025, 0.6, 0.975, 0.995]:
            add("student_t_quantile", [p, df], stats.t.ppf(p, df))
    for df in [1.0, 3.0, 10.0]:
        for x in [1e-10, 0.01, 0.5, 3.841458820694124, 20.0, 300.0, 1400.0]:
            add("chi_square_sf", [x, df], stats.chi2.sf(x, df))
    for k, n, p in [(0, 1, 0.5), (3, 10, 0.5), (5, 10, 0.5), (0, 40, 0.5), (12, 41, 0.5),
                    (400, 1000, 0.5), (4800, 10000, 0.5), (499, 1000, 0.5), (7, 30, 0.3),
                    (150, 200, 0.9), (10, 10, 0.5), (-1, 10, 0.5)]:
        add("binomial_cdf", [k, n, p], stats.binom.cdf(k, n, p))
    for a, b, x in [(0.5, 0.5, 0.3), (2.0, 3.0, 0.999), (50.0, 0.5, 0.9), (0.5, 50.0, 0.01),
                    (30.0, 40.0, 0.2), (30.0, 40.0, 0.6), (500.0, 500.0, 0.45),
                    (5e5, 0.5, 0.99999), (1e4, 2e4, 0.34), (1e4, 2e4, 0.3)]:
        add("incomplete_beta_lower", [a, b, x], special.betainc(a, b, x))
        add("incomplete_beta_upper", [a, b, x], special.betaincc(a, b, x))
    for a, x in [(0.5, 1e-6), (0.5, 2.0), (0.5, 400.0), (3.0, 0.5), (3.0, 10.0), (40.0, 30.0),
                 (40.0, 55.0), (1000.0, 900.0)]:
        add("incomplete_gamma_lower", [a, x], special.gammainc(a, x))
        add("incomplete_gamma_upper", [a, x], special.gammaincc(a, x))
    return cases


# --------------------------------------------------------------------------------------------
# Data for the paired tests: new and previous scores of one classifier family, with ties


def correlated_scores(n, rho, decimals=None):
    z = RNG.standard_normal((n, 2))
    x = z[:, 0]
    y = rho * z[:, 0] + math.sqrt(1 - rho * rho) * z[:, 1]
    new, prev = special.expit(x), special.expit(0.8 * y + 0.1)
    if decimals is not None:
        new, prev = np.round(new, decimals), np.round(prev, decimals)
    return new, prev


def paired_data():
    data = {}
    data["n2"] = (np.array([0.2, 0.7]), np.array([0.4, 0.1]))
    data["n3"] = (np.array([0.2, 0.7, 0.5]), np.array([0.4, 0.9, 0.45]))
    data["n40_strong"] = correlated_scores(40, 0.9)
    data["n500_moderate"] = correlated_scores(500, 0.35)
    data["n300_ties"] = correlated_scores(300, 0.6, decimals=1)
    data["n200_negative"] = correlated_scores(200, -0.5)
    data["n2000_near_perfect"] = correlated_scores(2000, 0.999)
    data["n60_independent"] = correlated_scores(60, 0.0)
    return data


def correlation_cases(data):
    cases = []
    for name, (x, y) in data.items():
        p = stats.pearsonr(x, y)
        s = stats.spearmanr(x, y)
        cases.append({"name": name, "x": vec(x), "y": vec(y),
                      "pearson": [num(p.statistic), num(p.pvalue)],
                      "spearman": [num(s.statistic), num(s.pvalue)], "tolerance": STANDARD, "p_tolerance": P_VALUE})
    x = RNG.random(10)
    cases.append({"name": "constant", "x": vec(x), "y": [0.5] * 10, "pearson": [None, None],
                  "spearman": [None, None], "tolerance": STANDARD, "p_tolerance": P_VALUE})
    return cases


def ttest_cases(data):
    cases = []
    extra = {
        "all_zero": (np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.1, 0.2, 0.3, 0.4])),
        "constant_shift": (np.array([2.0, 3.0, 4.0]), np.array([1.0, 2.0, 3.0])),
    }
    for name, (a, b) in {**data, **extra}.items():
        for level in [0.95, 0.9]:
            r = stats.ttest_rel(a, b)
            ci = r.confidence_interval(level)
            cases.append({"name": f"{name}_level{level}", "a": vec(a), "b": vec(b),
                          "level": level, "statistic": num(r.statistic), "p_value": num(r.pvalue),
                          "df": num(r.df), "mean_difference": num(np.mean(a - b)),
                          "ci": [num(ci.low), num(ci.high)], "tolerance": STANDARD, "p_tolerance": P_VALUE})
    return cases


def dyadic(x, steps_per_unit):
    """Rounds to multiples of 1 / steps_per_unit (a power of two), so that a - b is exact."""
    return np.round(np.asarray(x) * steps_per_unit) / steps_per_unit


def wilcoxon_data():
    data = {}
    d = RNG.permutation(np.arange(1, 11)) * np.where(RNG.random(10) < 0.3, -1, 1) * 0.01
    data["exact_n10"] = d
    data["exact_all_positive_n20"] = RNG.random(20) + 0.01
    data["exact_n50"] = RNG.standard_normal(50) + 0.3
    data["normal_n51"] = RNG.standard_normal(51) + 0.3
    data["permutation_ties_n8"] = np.array([0.5, -0.5, 1.0, 2.0, 2.0, -2.0, 3.0, 0.25])
    data["permutation_zeros_n12"] = np.array([0, 3, -1, 7, 2, 0, 9, 11, -4, 6, 8, 5]) / 16
    data["permutation_zeros_n13"] = dyadic(RNG.standard_normal(13), 4)
    data["normal_ties_n14"] = dyadic(RNG.standard_normal(14) + 0.5, 1)
    data["normal_zeros_ties_n30"] = dyadic(RNG.standard_normal(30) + 0.2, 4)
    data["normal_ties_n1000"] = dyadic(RNG.standard_normal(1000) * 0.2 + 0.02, 64)
    data["all_zero_n5"] = np.zeros(5)
    data["all_zero_n20"] = np.zeros(20)
    cases = []
    for name, d in data.items():
        # Express the differences as a - b with b a fixed baseline, as the caller does.
        b = dyadic(RNG.random(len(d)), 1024)
        a = b + d
        d_used = a - b  # what SciPy and the C++ side both see
        r = stats.wilcoxon(a, b)
        nz = d_used[d_used != 0]
        has_ties = len(np.unique(np.abs(nz))) < len(nz)
        n_zero = int(np.sum(d_used == 0))
        if len(d_used) <= 50 and not has_ties and n_zero == 0:
            method = "exact"
        elif len(d_used) <= 13:
            method = "permutation"
        else:
            method = "normal"
        tol = ABSOLUTE if method == "exact" else P_VALUE
        ranks = stats.rankdata(np.abs(nz))
        cases.append({"name": name, "a": vec(a), "b": vec(b), "statistic": num(r.statistic),
                      "p_value": num(r.pvalue), "w_plus": float(ranks[nz > 0].sum()),
                      "n_zero": n_zero, "method": method, "tolerance": STANDARD,
                      "p_tolerance": tol})
    return cases


def mcnemar_cases():
    cases = []
    for b, c in [(0, 0), (1, 0), (5, 5), (3, 12), (12, 3), (10, 30), (0, 40), (200, 260),
                 (1000, 1200), (7, 0)]:
        table = np.array([[50, b], [c, 60]])
        exact = mcnemar(table, exact=True)
        if b + c == 0:
            chi, chi_p = 0.0, 1.0  # the seed's convention (statsmodels gives inf, 0)
        else:
            chi = (abs(b - c) - 1) ** 2 / (b + c)
            corrected = mcnemar(table, exact=False, correction=True)
            assert math.isclose(corrected.statistic, chi, rel_tol=1e-15)
            chi_p = corrected.pvalue
        cases.append({"b": b, "c": c, "chi_square": num(chi), "chi_square_p_value": num(chi_p),
                      "exact_p_value": num(exact.pvalue), "tolerance": STANDARD, "p_tolerance": P_VALUE})
    return cases


def holm_cases():
    families = {
        "three_classes": [0.012, 0.04, 0.03],
        "ties_and_ones": [0.01, 0.01, 0.2, 1.0, 0.5, 0.01],
        "random_20": list(RNG.random(20) ** 3),
        "tiny": [1e-30, 3e-12, 0.049, 0.0],
        "with_nan": [0.02, float("nan"), 0.01, 0.3],
    }
    cases = []
    for name, p in families.items():
        p = np.asarray(p, dtype=float)
        adjusted = np.full_like(p, np.nan)
        keep = ~np.isnan(p)
        adjusted[keep] = multipletests(p[keep], method="holm")[1]
        cases.append({"name": name, "p_values": [num(v) for v in p],
                      "adjusted": [num(v) for v in adjusted],
                      "tolerance": {"abs": 0.0, "rel": 1e-15}})
    return cases


# --------------------------------------------------------------------------------------------
# DeLong by the Mann-Whitney kernel, O(m n)


def delong_kernel(labels, new, prev, level):
    labels = np.asarray(labels)
    pos, neg = labels == 1, labels == 0
    m, n = pos.sum(), neg.sum()
    v10, v01, aucs = [], [], []
    for s in (np.asarray(new, float), np.asarray(prev, float)):
        x, y = s[pos][:, None], s[neg][None, :]
        psi = (x > y).astype(float) + 0.5 * (x == y)
        aucs.append(psi.mean())
        v10.append(psi.mean(axis=1))
        v01.append(psi.mean(axis=0))
    s10 = np.cov(np.array(v10))
    s01 = np.cov(np.array(v01))
    cov = s10 / m + s01 / n
    diff = aucs[0] - aucs[1]
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    se = math.sqrt(max(var, 0.0))
    z = 0.0 if diff == 0 else diff / se
    p = 2 * stats.norm.sf(abs(z))
    q = stats.norm.ppf(0.5 + level / 2)
    return {"auc_new": aucs[0], "auc_previous": aucs[1], "difference": diff, "variance": var,
            "z": z, "p_value": p, "ci": [diff - q * se, diff + q * se]}


def labelled_scores(n, prevalence, separation_new, separation_prev, decimals=None):
    labels = (RNG.random(n) < prevalence).astype(int)
    latent = RNG.standard_normal(n)
    new = special.expit(separation_new * (labels - 0.5) + latent)
    prev = special.expit(separation_prev * (labels - 0.5) + 0.7 * latent
                         + 0.7 * RNG.standard_normal(n))
    if decimals is not None:
        new, prev = np.round(new, decimals), np.round(prev, decimals)
    return labels, new, prev


def delong_cases():
    cases = []
    sets = {
        "n12_small": labelled_scores(12, 0.5, 1.0, 0.5),
        "n500_continuous": labelled_scores(500, 0.3, 1.5, 1.0),
        "n400_ties": labelled_scores(400, 0.2, 1.2, 1.2, decimals=1),
        "n1500_rare": labelled_scores(1500, 0.05, 2.0, 1.6),
    }
    labels, new, _ = sets["n500_continuous"]
    sets["identical_scorers"] = (labels, new, new.copy())
    for name, (labels, new, prev) in sets.items():
        for level in [0.95, 0.99]:
            cases.append({"name": f"{name}_level{level}", "labels": [int(v) for v in labels],
                          "new": vec(new), "previous": vec(prev), "level": level,
                          **{k: (num(v) if not isinstance(v, list) else [num(u) for u in v])
                             for k, v in delong_kernel(labels, new, prev, level).items()},
                          "tolerance": STANDARD, "p_tolerance": P_VALUE})
    # Multiclass: one-vs-rest per class is a binary DeLong on the same rows.
    n, k = 300, 3
    y = RNG.integers(0, k, n)
    logits_new = RNG.standard_normal((n, k)) + 1.5 * np.eye(k)[y]
    logits_prev = RNG.standard_normal((n, k)) + 1.0 * np.eye(k)[y]
    p_new, p_prev = special.softmax(logits_new, axis=1), special.softmax(logits_prev, axis=1)
    for c in range(k):
        labels = (y == c).astype(int)
        cases.append({"name": f"multiclass_ovr_class{c}", "labels": [int(v) for v in labels],
                      "new": vec(p_new[:, c]), "previous": vec(p_prev[:, c]), "level": 0.95,
                      **{kk: (num(v) if not isinstance(v, list) else [num(u) for u in v])
                         for kk, v in delong_kernel(labels, p_new[:, c], p_prev[:, c],
                                                    0.95).items()},
                      "tolerance": STANDARD, "p_tolerance": P_VALUE})
    return cases


# --------------------------------------------------------------------------------------------
# Paired stratified bootstrap with the C++ generator

MASK = (1 << 64) - 1


class Xoshiro:
    def __init__(self, seed):
        self.s = []
        x = seed
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
            self.s.append(z ^ (z >> 31))

    @staticmethod
    def rotl(x, k):
        return ((x << k) | (x >> (64 - k))) & MASK

    def next(self):
        s = self.s
        result = (self.rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = self.rotl(s[3], 45)
        return result

    def below(self, bound):
        product = self.next() * bound
        low = product & MASK
        if low < bound:
            threshold = ((1 << 64) - bound) % bound
            while low < threshold:
                product = self.next() * bound
                low = product & MASK
        return product >> 64


def paired_bootstrap(labels, new, prev, statistic, resamples, seed, level):
    labels = np.asarray(labels)
    strata = [np.flatnonzero(labels == v) for v in np.unique(labels)]
    rng = Xoshiro(seed)
    boot_labels = np.concatenate([labels[rows] for rows in strata])
    diffs = []
    for _ in range(resamples):
        idx = np.concatenate([rows[[rng.below(len(rows)) for _ in range(len(rows))]]
                              for rows in strata])
        diffs.append(statistic(boot_labels, new[idx]) - statistic(boot_labels, prev[idx]))
    diffs = np.array(diffs)
    alpha = 1 - level
    return {"estimate": statistic(labels, new) - statistic(labels, prev),
            "lower": float(np.quantile(diffs, alpha / 2)),
            "upper": float(np.quantile(diffs, 1 - alpha / 2)),
            "standard_error": float(np.std(diffs, ddof=1))}


def bootstrap_cases():
    labels, new, prev = labelled_scores(300, 0.3, 1.5, 1.0, decimals=2)
    statistics = {
        "average_precision": lambda y, s: average_precision_score(y, s),
        "f1_at_0.5": lambda y, s: f1_score(y, (s >= 0.5).astype(int), zero_division=0.0),
    }
    cases = []
    for name, fn in statistics.items():
        for seed, resamples, level in [(20261129, 200, 0.95), (7, 101, 0.9)]:
            out = paired_bootstrap(labels, new, prev, fn, resamples, seed, level)
            cases.append({"statistic": name, "seed": seed, "resamples": resamples, "level": level,
                          "labels": [int(v) for v in labels], "new": vec(new),
                          "previous": vec(prev), **out, "tolerance": STANDARD})
    rng = Xoshiro(42)
    draws = {"seed": 42, "bounds": [1, 2, 3, 10, 1000, 2**40 + 7, 2**63 + 1]}
    draws["values"] = [int(rng.below(b)) for b in draws["bounds"] for _ in range(5)]
    return cases, draws


# --------------------------------------------------------------------------------------------
# Large N: the data are regenerated by the C++ test from the same generator (too big to store)


def large_dataset(seed, n):
    """Labels (20% positive) and two correlated, heavily tied scores, from xoshiro256**."""
    rng = Xoshiro(seed)
    labels, new, prev = [], [], []
    for _ in range(n):
        label = 1 if rng.below(100) < 20 else 0
        shared = rng.below(1000)
        new.append((shared + rng.below(500) + 400 * label) / 2000)
        prev.append((shared + rng.below(700) + 250 * label) / 2200)
        labels.append(label)
    return np.array(labels), np.array(new), np.array(prev)


def delong_by_midranks(y, a, b, level):
    """The O(N log N) midrank form (Sun & Xu 2014), for sizes the kernel cannot handle."""
    y = np.asarray(y).astype(bool)
    m, n = y.sum(), (~y).sum()
    aucs, v10, v01 = [], [], []
    for s in (a, b):
        tz, tx, ty = stats.rankdata(s), stats.rankdata(s[y]), stats.rankdata(s[~y])
        aucs.append((tz[y].sum() - m * (m + 1) / 2) / (m * n))
        v10.append((tz[y] - tx) / n)
        v01.append(1.0 - (tz[~y] - ty) / m)
    cov = np.cov(np.array(v10)) / m + np.cov(np.array(v01)) / n
    diff = aucs[0] - aucs[1]
    var = cov[0, 0] + cov[1, 1] - 2 * cov[0, 1]
    se = math.sqrt(var)
    z = diff / se
    q = stats.norm.ppf(0.5 + level / 2)
    return {"auc_new": aucs[0], "auc_previous": aucs[1], "difference": diff, "variance": var,
            "z": z, "p_value": 2 * stats.norm.sf(abs(z)), "ci": [diff - q * se, diff + q * se]}


def large_case():
    seed, n = 145000, 200000
    labels, new, prev = large_dataset(seed, n)
    pearson, spearman = stats.pearsonr(new, prev), stats.spearmanr(new, prev)
    t = stats.ttest_rel(new, prev)
    w = stats.wilcoxon(new, prev)
    return {"seed": seed, "n": n, "tolerance": STANDARD, "p_tolerance": P_VALUE,
            "pearson": [num(pearson.statistic), num(pearson.pvalue)],
            "spearman": [num(spearman.statistic), num(spearman.pvalue)],
            "paired_t": [num(t.statistic), num(t.pvalue), num(t.confidence_interval(0.95).low),
                         num(t.confidence_interval(0.95).high)],
            "wilcoxon": [num(w.statistic), num(w.pvalue)],
            "delong": {k: (num(v) if not isinstance(v, list) else [num(u) for u in v])
                       for k, v in delong_by_midranks(labels, new, prev, 0.95).items()}}


def main():
    correlations = paired_data()
    bootstrap, draws = bootstrap_cases()
    golden = {
        "generator": {"scipy": scipy.__version__, "statsmodels": statsmodels.__version__,
                      "sklearn": sklearn.__version__, "numpy": np.__version__},
        "distributions": distribution_cases(),
        "correlation": correlation_cases(correlations),
        "paired_t": ttest_cases(correlations),
        "wilcoxon": wilcoxon_data(),
        "mcnemar": mcnemar_cases(),
        "holm": holm_cases(),
        "delong": delong_cases(),
        "bootstrap": bootstrap,
        "bounded_draws": draws,
        "large": large_case(),
    }
    path = os.path.join(HERE, "stats_golden.json")
    with open(path, "w") as f:
        json.dump(golden, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


if __name__ == "__main__":
    main()
