#!/usr/bin/env python3
"""scikit-learn's side of the quality harness (see README.md here).

Fits scikit-learn's KMeans on the same 12 sets (raw data, float64, k = the reference k) with
the same seeds as the Rust binary and writes one JSON line per fit in the Rust binary's format
(set, method, seed, k, n, d, sse, time_s, n_iter, threads, version, centroids). The Rust
binary computes the Centroid Index of these runs from their centroids (`--include FILE`), so
both sides are scored by the same code.

    sklearn_quality.py --datasets DIR --out FILE [--seeds 30] [--sets s1,a1,...]
                       [--method sklearn[,sklearn_n_init10]] [--threads T]

Only the fit is timed (time.perf_counter around KMeans.fit). Threads: scikit-learn's default
(OpenMP, one thread per CPU) unless --threads caps OpenMP and BLAS with threadpoolctl; the number
used is recorded in every run.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans

# Same list and order as src/main.rs (reference k of ../shared/datasets/README.md).
SETS = [
    ("s1", 15), ("s2", 15), ("s3", 15), ("s4", 15),
    ("a1", 20), ("a2", 35), ("a3", 50),
    ("d31", 31), ("r15", 15), ("unbalance", 8),
    ("birch1", 100), ("birch2", 100),
]

# Method name -> estimator for k clusters and one seed. "sklearn" is scikit-learn's default:
# greedy k-means++, n_init="auto" (= 1 for k-means++), algorithm="lloyd", max_iter=300, tol=1e-4.
METHODS = {
    "sklearn": lambda k, seed: KMeans(n_clusters=k, random_state=seed),
    "sklearn_n_init10": lambda k, seed: KMeans(n_clusters=k, random_state=seed, n_init=10),
}


def effective_threads():
    try:
        from sklearn.utils._openmp_helpers import _openmp_effective_n_threads

        return int(_openmp_effective_n_threads())
    except Exception:  # private helper; fall back to the CPU count
        return os.cpu_count()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--datasets", required=True, help="directory holding sipu/")
    ap.add_argument("--out", required=True, help="JSON-lines output")
    ap.add_argument("--seeds", type=int, default=30)
    ap.add_argument("--sets", default=",".join(s for s, _ in SETS))
    ap.add_argument("--method", default="sklearn", help="comma-separated: " + ", ".join(METHODS))
    ap.add_argument("--threads", type=int, default=None, help="cap OpenMP/BLAS threads (default: scikit-learn's)")
    a = ap.parse_args()

    known = dict(SETS)
    sets = [s for s in a.sets.split(",") if s]
    for s in sets:
        if s not in known:
            sys.exit(f"unknown set {s!r}; known: {', '.join(known)}")
    methods = [m for m in a.method.split(",") if m]
    for m in methods:
        if m not in METHODS:
            sys.exit(f"unknown method {m!r}; known: {', '.join(METHODS)}")
    sipu = os.path.join(a.datasets, "sipu")
    if not os.path.isdir(sipu):
        print(f"sklearn_quality: no benchmark datasets at {a.datasets}; nothing to measure.")
        return

    if a.threads is not None:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(limits=a.threads):
            run(a, sets, methods, known, sipu)
    else:
        run(a, sets, methods, known, sipu)


def run(a, sets, methods, known, sipu):
    threads = a.threads if a.threads is not None else effective_threads()
    version = f"scikit-learn {sklearn.__version__}, numpy {np.__version__}"
    print(f"sklearn_quality: {version}; {threads} threads", file=sys.stderr)

    warmed_up = False
    with open(a.out, "w") as out:
        for name in sets:
            k = known[name]
            X = np.loadtxt(os.path.join(sipu, f"{name}.data.gz"), ndmin=2, dtype=np.float64)
            X = np.ascontiguousarray(X)
            n, d = X.shape
            print(f"{name}: n = {n}, d = {d}, k = {k}", file=sys.stderr)
            if not warmed_up:
                # Start the OpenMP pool and import lazily loaded code before anything is timed.
                KMeans(n_clusters=k, random_state=0, max_iter=3).fit(X)
                warmed_up = True
            for m in methods:
                t1 = time.perf_counter()
                for seed in range(a.seeds):
                    km = METHODS[m](k, seed)
                    t0 = time.perf_counter()
                    km.fit(X)
                    elapsed = time.perf_counter() - t0
                    rec = {
                        "set": name, "method": m, "seed": seed, "k": k, "n": n, "d": d,
                        "sse": float(km.inertia_), "time_s": elapsed, "n_iter": int(km.n_iter_),
                        "threads": threads, "version": version,
                        "centroids": km.cluster_centers_.ravel().tolist(),
                    }
                    out.write(json.dumps(rec) + "\n")
                    out.flush()
                print(f"  {m:>16}: {a.seeds} seeds ({time.perf_counter() - t1:.1f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
