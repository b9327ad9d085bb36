"""The peer of `mlready drift` in bench/drift.js: a straightforward pandas + numpy + scipy script that
measures the same thing on the same files — per numeric column PSI over the reference deciles (numpy's
inverted-CDF quantiles, the bins mlready uses), the two-sample KS test and the Jensen-Shannon distance;
per categorical column PSI and Jensen-Shannon over the categories; the missing rates.

    python3 bench/drift_pandas.py reference.csv current.csv   # prints one JSON object
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon


def psi(r, c):
    r = np.maximum(r / r.sum(), 1e-4)
    c = np.maximum(c / c.sum(), 1e-4)
    return float(np.sum((c - r) * np.log(c / r)))


def main():
    started = time.time()
    ref = pd.read_csv(sys.argv[1])
    cur = pd.read_csv(sys.argv[2])
    read = time.time() - started
    out = {}
    for col in ref.columns:
        a = ref[col].dropna()
        b = cur[col].dropna()
        missing = {'reference': float(ref[col].isna().mean()), 'current': float(cur[col].isna().mean())}
        if pd.api.types.is_numeric_dtype(a):
            edges = np.unique(np.quantile(a, np.arange(1, 10) / 10, method='inverted_cdf'))
            r = np.bincount(np.searchsorted(edges, a, side='left'), minlength=len(edges) + 1)
            c = np.bincount(np.searchsorted(edges, b, side='left'), minlength=len(edges) + 1)
            ks = stats.ks_2samp(a, b)
            out[col] = {
                'psi': psi(r, c),
                'ks': float(ks.statistic),
                'p': float(ks.pvalue),
                'js': float(jensenshannon(r / r.sum(), c / c.sum(), base=2)),
                'missing': missing,
            }
        else:
            vr = a.value_counts()
            vc = b.value_counts()
            keys = sorted(set(vr.index) | set(vc.index))
            r = np.array([vr.get(k, 0) for k in keys], float)
            c = np.array([vc.get(k, 0) for k in keys], float)
            out[col] = {'psi': psi(r, c), 'js': float(jensenshannon(r / r.sum(), c / c.sum(), base=2)), 'missing': missing}
    print(json.dumps({'readSeconds': read, 'totalSeconds': time.time() - started, 'features': out}))


if __name__ == '__main__':
    main()
