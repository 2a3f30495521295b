#!/usr/bin/env python3
"""Generate scikit-learn k-means reference values as a Rust source file.

Usage (from the crate root):

    /work/venv/bin/python tests/reference/make_sklearn_reference.py > tests/reference/sklearn_cases.rs

Requirements: numpy, scikit-learn, threadpoolctl (e.g. in a venv:
``python3 -m venv /work/venv && /work/venv/bin/pip install numpy scikit-learn threadpoolctl``).
If ``rustfmt`` is on PATH the output is piped through ``rustfmt --edition 2024`` so that
the generated file passes ``rustfmt --check``; otherwise the raw text is printed and a
warning goes to stderr (run ``rustfmt --edition 2024 tests/reference/sklearn_cases.rs``).

What each case is:

* All data is float64 and rounded to 6 decimals *before* fitting (each value is the double
  nearest to its 6-decimal string), so the printed literals are exactly the fitted data.
* Start centroids are ``k`` rows of the data chosen with
  ``numpy.random.default_rng(seed=case_index).choice(n, k, replace=False)``, except for
  the ``empty_cluster`` case whose start is constructed by hand (one start centroid is far
  away from all points, so its cluster is empty in the first iteration and scikit-learn
  relocates it to the point farthest from its assigned centre).
* Fit: ``KMeans(n_clusters=k, init=start, n_init=1, max_iter=300, tol=1e-4,
  algorithm="lloyd").fit(X)`` under ``threadpoolctl.threadpool_limits(1)``.  Recorded:
  ``labels_``, ``cluster_centers_``, ``inertia_``, ``n_iter_``.
* A second fit with ``tol=0.0`` is recorded as an extra case ``<name>_tol0`` only if its
  result differs from the ``tol=1e-4`` fit; otherwise a comment says it is identical.

scikit-learn's Lloyd semantics (for whoever writes the tests): the absolute tolerance is
``tol * mean(np.var(X, axis=0))``; an iteration assigns every point to the nearest current
centre and recomputes the centres; it stops if the labels equal the previous iteration's
labels ("strict convergence") or if the sum over centres of the squared centre shift is
``<= tol_abs``; ``n_iter_`` counts the iterations run including the last one.  Without
strict convergence the labels are recomputed from the final centres.  Internally the data
(and start centres) are mean-centred before fitting, so results agree with a plain
implementation only up to rounding.

Every fit is also cross-checked against an independent numpy re-implementation of the same
algorithm (including empty-cluster relocation), which also reports in which iterations an
empty cluster occurred; that is written as a comment in front of each case.

Clustering scores (``METRIC_CASES``): for data (again rounded to 6 decimals) and labels (the
truth of ``make_blobs``, a scikit-learn fit, or random labels), scikit-learn's
``silhouette_score``, ``silhouette_samples``, ``calinski_harabasz_score`` and
``davies_bouldin_score``. Each value is cross-checked against a direct computation written
here (distances as ``sqrt(sum((x - y)**2))``, every sum by ``math.fsum``): scikit-learn's
distances use the ``|x|^2 - 2 x.y + |y|^2`` form, so its values differ from exact ones by
rounding; the script fails if a score differs by more than 1e-13 relative or a per-row
silhouette by more than 1e-13 absolute, and the largest differences are written as a comment
in front of each case.
"""

import math
import subprocess
import shutil
import sys
import warnings

import numpy as np
import sklearn
import threadpoolctl
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)

MAX_ITER = 300
TOL = 1e-4


def round6(a):
    """Exact nearest double to each value's 6-decimal representation (no -0.0)."""
    a = np.asarray(a, dtype=np.float64)
    out = np.array([float(f"{v:.6f}") for v in a.ravel()], dtype=np.float64)
    return out.reshape(a.shape) + 0.0


def random_start(X, k, seed):
    idx = np.random.default_rng(seed=seed).choice(X.shape[0], k, replace=False)
    return X[idx].copy(), idx


def make_cases():
    """Return a list of (name, description, X, k, init); the list index is the case index."""
    out = []

    def add_random_start(name, desc, X, k):
        index = len(out)
        X = round6(X)
        init, idx = random_start(X, k, index)
        desc += (
            f"; start = rows {idx.tolist()} "
            f"(default_rng(seed={index}).choice({X.shape[0]}, {k}, replace=False))"
        )
        out.append((name, desc, X, k, init))

    # 0
    X, _ = make_blobs(n_samples=60, n_features=2, centers=3, cluster_std=1.0, random_state=1)
    add_random_start("blobs3_2d", "make_blobs(n_samples=60, n_features=2, centers=3, cluster_std=1.0, random_state=1)", X, 3)

    # 1: overlapping blobs, several Lloyd iterations
    X, _ = make_blobs(n_samples=120, n_features=5, centers=4, cluster_std=3.0, random_state=7)
    add_random_start("blobs4_5d_overlap", "make_blobs(n_samples=120, n_features=5, centers=4, cluster_std=3.0, random_state=7)", X, 4)

    # 2
    X = np.random.default_rng(3).uniform(-1, 1, (80, 3))
    add_random_start("uniform_k5", "numpy default_rng(3).uniform(-1, 1, (80, 3))", X, 5)

    # 3
    X, _ = make_blobs(n_samples=200, n_features=10, centers=8, cluster_std=2.5, random_state=11)
    add_random_start("blobs_k8_10d", "make_blobs(n_samples=200, n_features=10, centers=8, cluster_std=2.5, random_state=11)", X, 8)

    # 4: empty cluster in the first iteration.  Three groups of 10 points spread along x
    # (centred at x = 0, 4, 8, small y noise).  Start centroids: a point of the x=0 group,
    # a point of the x=4 group and (20, 20), which is farther from every point than the
    # other two start centroids, so cluster 2 gets no points in iteration 1.
    rng = np.random.default_rng(seed=4)
    xs = np.concatenate([rng.normal(c, 0.6, 10) for c in (0.0, 4.0, 8.0)])
    ys = rng.normal(0.0, 0.2, 30)
    X = round6(np.column_stack([xs, ys]))
    init = np.array([X[0], X[10], [20.0, 20.0]])
    desc = (
        "3 groups of 10 points along x (x ~ N(0|4|8, 0.6), y ~ N(0, 0.2), default_rng(4)); "
        "start = rows [0, 10] and the far point (20, 20), whose cluster is empty in iteration 1"
    )
    out.append(("empty_cluster", desc, X, 3, init))

    # 5: larger clusters, so single label changes move the centres by less than tol: the
    # tol=1e-4 fit stops on the centre-shift test before the labels are stable and the
    # tol=0 refit (recorded as uniform_tol_1000_tol0) goes on to strict convergence.
    X = np.random.default_rng(5).uniform(-1, 1, (1000, 2))
    add_random_start("uniform_tol_1000", "numpy default_rng(5).uniform(-1, 1, (1000, 2))", X, 3)
    return out


def sk_fit(X, init, tol):
    with threadpoolctl.threadpool_limits(limits=1):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # e.g. fewer distinct clusters than k
            km = KMeans(
                n_clusters=init.shape[0],
                init=init.copy(),
                n_init=1,
                max_iter=MAX_ITER,
                tol=tol,
                algorithm="lloyd",
            ).fit(X.copy())
    return (
        km.labels_.astype(np.int64),
        km.cluster_centers_.copy(),
        float(km.inertia_),
        int(km.n_iter_),
    )


def numpy_lloyd(X, init, tol, max_iter=MAX_ITER):
    """Independent re-implementation of scikit-learn's Lloyd (dense, unit weights).

    Returns labels, centers, inertia, n_iter, and the list of (1-based) iterations in
    which at least one cluster was empty (with the empty cluster indices).
    """
    tol_abs = 0.0 if tol == 0 else float(np.mean(np.var(X, axis=0)) * tol)
    mean = X.mean(axis=0)
    Xc = X - mean
    centers = init - mean
    k = centers.shape[0]
    labels_old = np.full(X.shape[0], -1)
    empties = []
    strict = False

    def assign(c):
        d = ((Xc[:, None, :] - c[None, :, :]) ** 2).sum(axis=2)
        return d.argmin(axis=1)

    for it in range(max_iter):
        labels = assign(centers)
        counts = np.bincount(labels, minlength=k).astype(np.float64)
        sums = np.zeros_like(centers)
        np.add.at(sums, labels, Xc)
        empty = np.where(counts == 0)[0]
        if empty.size:
            empties.append((it + 1, empty.tolist()))
            dist = ((Xc - centers[labels]) ** 2).sum(axis=1)
            far = np.argpartition(dist, -empty.size)[: -empty.size - 1 : -1]
            for new_id, far_idx in zip(empty, far):
                old_id = labels[far_idx]
                sums[old_id] -= Xc[far_idx]
                sums[new_id] = Xc[far_idx]
                counts[new_id] = 1.0
                counts[old_id] -= 1.0
        new_centers = sums / counts[:, None]
        shift = ((new_centers - centers) ** 2).sum()
        centers = new_centers
        if np.array_equal(labels, labels_old):
            strict = True
            break
        if shift <= tol_abs:
            break
        labels_old = labels
    if not strict:
        labels = assign(centers)
    inertia = float(((Xc - centers[labels]) ** 2).sum())
    return labels, centers + mean, inertia, it + 1, empties, tol_abs, strict


def same_result(a, b):
    la, ca, ia, na = a
    lb, cb, ib, nb = b
    return np.array_equal(la, lb) and np.array_equal(ca, cb) and ia == ib and na == nb


def check_against_numpy(name, X, init, tol, res):
    labels, centers, inertia, n_iter = res
    nl, nc, ni, nn, empties, tol_abs, strict = numpy_lloyd(X, init, tol)
    ok = (
        np.array_equal(labels, nl)
        and n_iter == nn
        and np.allclose(centers, nc, rtol=1e-9, atol=1e-9)
        and abs(inertia - ni) <= 1e-9 * max(1.0, abs(inertia))
    )
    if not ok:
        raise SystemExit(
            f"{name} (tol={tol}): sklearn and numpy re-implementation disagree: "
            f"n_iter {n_iter} vs {nn}, inertia {inertia!r} vs {ni!r}"
        )
    if len(set(labels.tolist())) != init.shape[0]:
        raise SystemExit(f"{name}: fewer than k distinct labels")
    return empties, tol_abs, strict


def stop_reason(strict):
    return "stopped on unchanged labels" if strict else "stopped on centre shift <= tol"


def flit(v):
    """Rust literal for a float64 (Python repr: shortest string that round-trips)."""
    v = float(v)
    if not np.isfinite(v):
        raise ValueError(v)
    s = repr(v + 0.0)
    if "e" in s and "." not in s.split("e")[0]:
        mant, exp = s.split("e")
        s = f"{mant}.0e{exp}"
    return s


def farr(a):
    return "&[" + ", ".join(flit(v) for v in np.asarray(a).ravel()) + "]"


def uarr(a):
    return "&[" + ", ".join(str(int(v)) for v in np.asarray(a).ravel()) + "]"


HEADER = """\
//! Generated by `tests/reference/make_sklearn_reference.py` with scikit-learn {skl}, numpy {np}.
//! Do not edit by hand: rerun the script. Each case is `KMeans(n_clusters=k, init=<init>,
//! n_init=1, max_iter=300, tol=<tol>, algorithm="lloyd").fit(data)` (1 thread) on f64 data
//! rounded to 6 decimals, with init = k data rows from `default_rng(case_index).choice` (the
//! `empty_cluster` start is hand-made); `*_tol0` entries are the `tol=0.0` refits that differ.
//! `METRIC_CASES`: scikit-learn's `silhouette_score`, `silhouette_samples`,
//! `calinski_harabasz_score` and `davies_bouldin_score` on the data and labels given.

/// One scikit-learn k-means (Lloyd) reference fit.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy)]
pub struct SklearnCase {{
    /// Case name.
    pub name: &'static str,
    /// Number of features (columns).
    pub n_features: usize,
    /// Number of clusters.
    pub k: usize,
    /// row-major data, `n_rows x n_features`
    pub data: &'static [f64],
    /// row-major start centroids, `k x n_features`
    pub init: &'static [f64],
    /// scikit-learn's `tol` (relative to the mean per-feature variance)
    pub tol: f64,
    /// scikit-learn's `max_iter`.
    pub max_iter: usize,
    /// scikit-learn's `labels_`.
    pub labels: &'static [usize],
    /// scikit-learn's `cluster_centers_`, row-major `k x n_features`.
    pub centroids: &'static [f64],
    /// scikit-learn's `inertia_`.
    pub inertia: f64,
    /// scikit-learn's `n_iter_`.
    pub n_iter: usize,
}}

/// All reference cases.
#[allow(
    clippy::excessive_precision,
    clippy::unreadable_literal,
    clippy::approx_constant
)]
pub const CASES: &[SklearnCase] = &[
"""


def case_rust(name, comment_lines, X, k, init, tol, res):
    labels, centers, inertia, n_iter = res
    lines = [f"    // {c}" for c in comment_lines]
    lines.append("    SklearnCase {")
    lines.append(f'        name: "{name}",')
    lines.append(f"        n_features: {X.shape[1]},")
    lines.append(f"        k: {k},")
    lines.append(f"        data: {farr(X)},")
    lines.append(f"        init: {farr(init)},")
    lines.append(f"        tol: {flit(tol)},")
    lines.append(f"        max_iter: {MAX_ITER},")
    lines.append(f"        labels: {uarr(labels)},")
    lines.append(f"        centroids: {farr(centers)},")
    lines.append(f"        inertia: {flit(inertia)},")
    lines.append(f"        n_iter: {n_iter},")
    lines.append("    },")
    return "\n".join(lines)


def describe_empties(empties):
    if not empties:
        return "empty clusters: none"
    return "empty clusters: " + "; ".join(
        f"iteration {it}: cluster(s) {ids}" for it, ids in empties
    )


def make_metric_cases():
    """Return a list of (name, description, X, labels) for the clustering scores."""
    out = []

    X, y = make_blobs(n_samples=60, n_features=2, centers=3, cluster_std=1.0, random_state=1)
    out.append(("blobs3_2d_truth", "make_blobs(n_samples=60, n_features=2, centers=3, cluster_std=1.0, random_state=1), its labels", round6(X), y))

    X, y = make_blobs(n_samples=120, n_features=5, centers=4, cluster_std=3.0, random_state=7)
    out.append(("blobs4_5d_overlap_truth", "make_blobs(n_samples=120, n_features=5, centers=4, cluster_std=3.0, random_state=7), its labels (overlapping: negative silhouettes)", round6(X), y))

    X = round6(np.random.default_rng(3).uniform(-1, 1, (80, 3)))
    with threadpoolctl.threadpool_limits(limits=1):
        y = KMeans(n_clusters=5, n_init=1, random_state=0).fit_predict(X)
    out.append(("uniform_kmeans5", "numpy default_rng(3).uniform(-1, 1, (80, 3)), labels of KMeans(n_clusters=5, n_init=1, random_state=0)", X, y))

    # A singleton cluster (scikit-learn scores its row 0) and labels that are not 0..m.
    X, y = make_blobs(n_samples=40, n_features=3, centers=3, cluster_std=0.8, random_state=2)
    X = round6(np.vstack([X, [[15.0, 15.0, 15.0]]]))
    y = np.concatenate([y * 3 + 2, [40]])
    out.append(("singleton_sparse_labels", "make_blobs(n_samples=40, n_features=3, centers=3, cluster_std=0.8, random_state=2) plus the row (15, 15, 15); labels 3 * truth + 2, and 40 for the added row alone", X, y))

    X, y = make_blobs(n_samples=200, n_features=10, centers=8, cluster_std=2.5, random_state=11)
    out.append(("blobs8_10d_truth", "make_blobs(n_samples=200, n_features=10, centers=8, cluster_std=2.5, random_state=11), its labels", round6(X), y))

    # Coincident rows within and across clusters (rows with a = b = 0 score 0), random labels.
    rng = np.random.default_rng(6)
    X = rng.integers(0, 3, (50, 2)).astype(np.float64)
    y = rng.integers(0, 3, 50)
    out.append(("grid_duplicates_random_labels", "numpy default_rng(6): integers(0, 3, (50, 2)) as floats (many coincident rows), then labels integers(0, 3, 50)", X, y))
    return out


def exact_scores(X, labels):
    """The four scores computed directly (distances sqrt(sum((x - y)^2)), sums by math.fsum)."""
    n = X.shape[0]
    names = sorted(set(labels.tolist()))
    members = {c: np.where(labels == c)[0] for c in names}
    D = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(axis=2))
    sil = np.zeros(n)
    for i in range(n):
        own = members[labels[i]]
        if len(own) == 1:
            continue
        a = math.fsum(D[i, own]) / (len(own) - 1)
        b = min(math.fsum(D[i, members[c]]) / len(members[c]) for c in names if c != labels[i])
        sil[i] = 0.0 if max(a, b) == 0 else (b - a) / max(a, b)
    means = {c: np.array([math.fsum(X[members[c], f]) / len(members[c]) for f in range(X.shape[1])]) for c in names}
    mean = np.array([math.fsum(X[:, f]) / n for f in range(X.shape[1])])
    between = math.fsum(len(members[c]) * math.fsum((means[c] - mean) ** 2) for c in names)
    within = math.fsum(math.fsum(((X[members[c]] - means[c]) ** 2).ravel()) for c in names)
    m = len(names)
    ch = 1.0 if within == 0 else between * (n - m) / (within * (m - 1))
    spread = {c: math.fsum(np.sqrt(((X[members[c]] - means[c]) ** 2).sum(axis=1))) / len(members[c]) for c in names}
    worst = []
    for c in names:
        ratios = [0.0]
        for o in names:
            apart = math.sqrt(math.fsum((means[c] - means[o]) ** 2))
            if o != c and apart > 0:
                ratios.append((spread[c] + spread[o]) / apart)
        worst.append(max(ratios))
    db = math.fsum(worst) / m
    return math.fsum(sil) / n, sil, ch, db


def metric_scores(name, X, labels):
    """scikit-learn's four scores, checked against `exact_scores`; also the largest differences."""
    with threadpoolctl.threadpool_limits(limits=1):
        sk = (
            float(silhouette_score(X, labels)),
            silhouette_samples(X, labels),
            float(calinski_harabasz_score(X, labels)),
            float(davies_bouldin_score(X, labels)),
        )
    ex = exact_scores(X, labels)
    rel = lambda a, b: abs(a - b) / max(abs(b), 1e-300)
    diffs = {
        "silhouette": rel(sk[0], ex[0]),
        "samples (absolute)": float(np.max(np.abs(sk[1] - ex[1]))),
        "calinski_harabasz": rel(sk[2], ex[2]),
        "davies_bouldin": rel(sk[3], ex[3]),
    }
    for what, diff in diffs.items():
        if diff > 1e-13:
            raise SystemExit(f"{name}: scikit-learn and the direct computation differ in {what} by {diff!r}")
    return sk, diffs


METRIC_HEADER = """
/// One reference case of the clustering scores: scikit-learn's values on `data` and `labels`.
#[allow(dead_code)]
#[derive(Debug, Clone, Copy)]
pub struct MetricCase {
    /// Case name.
    pub name: &'static str,
    /// Number of features (columns).
    pub n_features: usize,
    /// row-major data, `n_rows x n_features`
    pub data: &'static [f64],
    /// The labels scored (arbitrary numbers).
    pub labels: &'static [usize],
    /// `sklearn.metrics.silhouette_score(data, labels)`.
    pub silhouette: f64,
    /// `sklearn.metrics.silhouette_samples(data, labels)`.
    pub silhouette_samples: &'static [f64],
    /// `sklearn.metrics.calinski_harabasz_score(data, labels)`.
    pub calinski_harabasz: f64,
    /// `sklearn.metrics.davies_bouldin_score(data, labels)`.
    pub davies_bouldin: f64,
}

/// All reference cases of the clustering scores.
#[allow(
    clippy::excessive_precision,
    clippy::unreadable_literal,
    clippy::approx_constant
)]
pub const METRIC_CASES: &[MetricCase] = &[
"""


def metric_case_rust(name, desc, X, labels, sk, diffs):
    lines = [f"    // {name}: {desc}."]
    lines.append(f"    // n = {X.shape[0]}, {len(set(labels.tolist()))} clusters; largest difference from the direct computation: "
                 + ", ".join(f"{k} {v:.1e}" for k, v in diffs.items()) + ".")
    lines.append("    MetricCase {")
    lines.append(f'        name: "{name}",')
    lines.append(f"        n_features: {X.shape[1]},")
    lines.append(f"        data: {farr(X)},")
    lines.append(f"        labels: {uarr(labels)},")
    lines.append(f"        silhouette: {flit(sk[0])},")
    lines.append(f"        silhouette_samples: {farr(sk[1])},")
    lines.append(f"        calinski_harabasz: {flit(sk[2])},")
    lines.append(f"        davies_bouldin: {flit(sk[3])},")
    lines.append("    },")
    return "\n".join(lines)


def main():
    out = [HEADER.format(skl=sklearn.__version__, np=np.__version__)]
    summary = []
    for name, desc, X, k, init in make_cases():
        res = sk_fit(X, init, TOL)
        empties, tol_abs, strict = check_against_numpy(name, X, init, TOL, res)
        if name == "empty_cluster" and not (empties and empties[0][0] == 1):
            raise SystemExit("empty_cluster: no empty cluster in the first iteration")
        res0 = sk_fit(X, init, 0.0)
        empties0, _, strict0 = check_against_numpy(name + "_tol0", X, init, 0.0, res0)
        same = same_result(res, res0)
        comments = [
            f"{name}: {desc}.",
            f"n = {X.shape[0]}, absolute tol = {tol_abs!r}, n_iter = {res[3]} ({stop_reason(strict)}),",
            f"{describe_empties(empties)}.",
        ]
        if same:
            comments.append("A refit with tol=0.0 gives an identical result.")
        out.append(case_rust(name, comments, X, k, init, TOL, res))
        summary.append((name, res[3], res[2], empties))
        if not same:
            c0 = [
                f"{name}_tol0: as {name} but tol=0.0 (differs from the tol=1e-4 fit).",
                f"n_iter = {res0[3]} ({stop_reason(strict0)}), {describe_empties(empties0)}.",
            ]
            out.append(case_rust(name + "_tol0", c0, X, k, init, 0.0, res0))
            summary.append((name + "_tol0", res0[3], res0[2], empties0))
    out.append("];\n")
    out.append(METRIC_HEADER)
    for name, desc, X, labels in make_metric_cases():
        sk, diffs = metric_scores(name, X, labels)
        out.append(metric_case_rust(name, desc, X, labels, sk, diffs))
        print(f"{name}: silhouette={sk[0]!r} ch={sk[2]!r} db={sk[3]!r} diffs={diffs}", file=sys.stderr)
    out.append("];\n")
    text = "\n".join(out)

    for name, n_iter, inertia, empties in summary:
        print(f"{name}: n_iter={n_iter} inertia={inertia!r} {describe_empties(empties)}", file=sys.stderr)

    rustfmt = shutil.which("rustfmt")
    if rustfmt:
        text = subprocess.run(
            [rustfmt, "--edition", "2024", "--emit", "stdout"],
            input=text,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    else:
        print("warning: rustfmt not found; output is not formatted", file=sys.stderr)
    sys.stdout.write(text)


if __name__ == "__main__":
    main()
