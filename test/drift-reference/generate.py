"""Reference values for test/drift-reference.test.ts, computed once with numpy and scipy.

Writes test/fixtures/drift-reference/{reference,current}.csv (one column per case) and
expected.json (PSI, KS, Jensen-Shannon and chi-squared per column, plus chi-squared survival values),
so the test suite needs no Python. Run from the repository root with Debian's python3-numpy,
python3-pandas and python3-scipy:

    /usr/bin/python3 test/drift-reference/generate.py

The binning is the one docs/drift.md specifies: continuous columns over the exact reference deciles
(numpy's method='inverted_cdf', bins (-inf, e0], (e0, e1], ..., (e_last, inf)); columns with at most 20
distinct reference values over one bin per value plus one for other values; categorical columns over
the reference categories plus one for unseen ones. PSI smooths empty bins to a share of 1e-4.
"""
import json
import os

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, '..', 'fixtures', 'drift-reference')
N_REF, N_CUR = 4000, 3000
DISCRETE_MAX = 20


def exact_shares(values, shares, n, rng):
    counts = np.floor(np.array(shares) * n).astype(int)
    counts[0] += n - counts.sum()
    out = np.repeat(values, counts)
    rng.shuffle(out)
    return out


def columns(rng, n, current):
    sigma = 100.0
    month = 30 * 86400.0
    c = {}
    # A 0.5 sigma shift around 1e6 +- 100: value-relative sketches see one bin here.
    c['around_1e6'] = np.round(rng.normal(1e6 + (0.5 * sigma if current else 0), sigma, n), 4)
    # Unix timestamps, 0.5 sigma shift of a month-wide spread.
    c['unix_time'] = np.round(rng.normal(1.7e9 + (0.5 * month if current else 0), month, n)).astype(np.int64)
    # Integers 0..5 with ties; the current data swaps the shares of 2 and 3.
    shares = [0.1, 0.15, 0.3, 0.15, 0.2, 0.1]
    if current:
        shares = [0.1, 0.15, 0.15, 0.3, 0.2, 0.1]
    c['int_swap'] = exact_shares(np.arange(6), shares, n, rng)
    # Years 2010-2024, the current data leaning to recent years.
    years = np.arange(2010, 2025)
    weights = np.linspace(1, 3 if current else 1, len(years))
    c['year'] = rng.choice(years, n, p=weights / weights.sum())
    # Scale change.
    c['scaled'] = np.round(rng.normal(10, 3 if current else 2, n), 5)
    # Heavy ties: a spike at zero plus an exponential tail; the current spike is smaller.
    spike = rng.random(n) < (0.4 if current else 0.6)
    c['tied'] = np.where(spike, 0.0, np.round(rng.exponential(5, n), 2))
    # Heavy tails: Pareto, tail index 1.5 vs 1.2.
    c['heavy_tail'] = np.round((rng.pareto(1.2 if current else 1.5, n) + 1) * 100, 3)
    # No drift at all.
    c['same'] = np.round(rng.normal(5, 2, n), 5)
    # Categories, with a new one in the current data.
    cats = ['a', 'b', 'c', 'd', 'e', 'f'] if current else ['a', 'b', 'c', 'd', 'e']
    p = np.array([0.3, 0.25, 0.2, 0.15, 0.05, 0.05] if current else [0.35, 0.25, 0.2, 0.15, 0.05])
    c['category'] = rng.choice(cats, n, p=p / p.sum())
    return pd.DataFrame(c)


def psi(r, c):
    r = np.maximum(r / r.sum(), 1e-4)
    c = np.maximum(c / c.sum(), 1e-4)
    return float(np.sum((c - r) * np.log(c / r)))


def bins_of(ref, cur):
    if ref.dtype == object:
        keys = sorted(set(ref))
        r = np.array([np.sum(ref == k) for k in keys] + [0], float)
        c = np.array([np.sum(cur == k) for k in keys] + [np.sum(~np.isin(cur, keys))], float)
        return r, c, 'categorical'
    values = np.unique(ref)
    if len(values) <= DISCRETE_MAX:
        r = np.array([np.sum(ref == v) for v in values] + [0], float)
        c = np.array([np.sum(cur == v) for v in values] + [np.sum(~np.isin(cur, values))], float)
        return r, c, 'discrete'
    edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10, method='inverted_cdf'))
    r = np.bincount(np.searchsorted(edges, ref, side='left'), minlength=len(edges) + 1).astype(float)
    c = np.bincount(np.searchsorted(edges, cur, side='left'), minlength=len(edges) + 1).astype(float)
    return r, c, 'continuous'


def main():
    os.makedirs(OUT, exist_ok=True)
    ref = columns(np.random.default_rng(1), N_REF, False)
    cur = columns(np.random.default_rng(2), N_CUR, True)
    ref.to_csv(os.path.join(OUT, 'reference.csv'), index=False)
    cur.to_csv(os.path.join(OUT, 'current.csv'), index=False)
    # Read back what the CSV holds, so the values are those of the files.
    ref = pd.read_csv(os.path.join(OUT, 'reference.csv'))
    cur = pd.read_csv(os.path.join(OUT, 'current.csv'))
    features = {}
    for name in ref.columns:
        a = ref[name].to_numpy()
        b = cur[name].to_numpy()
        r, c, kind = bins_of(a, b)
        keep = (r + c) > 0
        chi2, p_chi2, df, _ = stats.chi2_contingency(np.array([r[keep], c[keep]]), correction=False)
        entry = {
            'kind': kind,
            'psi': psi(r, c),
            'js': float(jensenshannon(r / r.sum(), c / c.sum(), base=2)),
            'chi2': {'statistic': float(chi2), 'df': int(df), 'pValue': float(p_chi2)},
        }
        if kind != 'categorical':
            ks = stats.ks_2samp(a, b, method='asymp')
            entry['ks'] = {'statistic': float(ks.statistic), 'pValue': float(ks.pvalue)}
        features[name] = entry
    survival = [
        {'x': x, 'df': df, 'sf': float(stats.chi2.sf(x, df))}
        for x, df in [(0.5, 1), (3.84, 1), (10, 3), (30, 9), (100, 9), (21.666, 9), (200, 50), (1500, 999), (0.01, 5)]
    ]
    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(
            {
                'generator': 'test/drift-reference/generate.py',
                'numpy': np.__version__,
                'scipy': __import__('scipy').__version__,
                'pandas': pd.__version__,
                'features': features,
                'chiSquaredSurvival': survival,
            },
            f,
            indent=2,
        )
        f.write('\n')


if __name__ == '__main__':
    main()
