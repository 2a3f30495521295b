#!/usr/bin/env python3
"""Python side of the k-means comparison harness (see README.md beside this file).

Subcommands:

  gen     generate the datasets (make_blobs) and start centroids as raw little-endian files
  bench   time scikit-learn (lloyd, elkan), scikit-learn-intelex (oneDAL) or faiss on one dataset
  gemm    numpy square GEMM GFLOP/s (the machine's peak) and which BLAS kernel numpy runs
  mem     one fit of a peer, for peak-memory measurement under /usr/bin/time -v
  report  read the JSON-lines results and print the markdown tables

Every measurement is printed as one JSON object per line (appended to --out when given).
"""

import argparse
import json
import math
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

# scikit-learn warns when a fit from the given start ends with fewer distinct clusters than k
# (duplicate-looking points in high dimension); the harness records inertia instead.
warnings.filterwarnings("ignore", message="Number of distinct clusters")

CONFIGS = [
    (100_000, 2, 16),
    (100_000, 16, 64),
    (50_000, 784, 10),
    (200_000, 64, 256),
    (1_000_000, 32, 100),
    (20_000, 128, 1000),
]
DTYPES = {"f32": np.float32, "f64": np.float64}


def label(m, n, k):
    return f"{m}x{n}x{k}"


def parse_label(s):
    m, n, k = (int(v) for v in s.split("x"))
    return m, n, k


# --------------------------------------------------------------------------------------------
# gen


def cmd_gen(a):
    from sklearn.datasets import make_blobs

    for cfg in a.configs.split(","):
        m, n, k = parse_label(cfg)
        d = Path(a.cache) / cfg
        meta = d / "meta.json"
        if meta.exists():
            print(f"gen: {cfg}: cached in {d}", file=sys.stderr)
            continue
        d.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        x, _ = make_blobs(n_samples=m, n_features=n, centers=k, cluster_std=2.0, random_state=0)
        x = np.ascontiguousarray(x, dtype="<f8")
        idx = np.random.default_rng(0).choice(m, k, replace=False)
        start = np.ascontiguousarray(x[idx])
        x.tofile(d / "x_f64.bin")
        start.tofile(d / "start_f64.bin")
        x.astype("<f4").tofile(d / "x_f32.bin")
        start.astype("<f4").tofile(d / "start_f32.bin")
        meta.write_text(
            json.dumps(
                {
                    "m": m,
                    "n": n,
                    "k": k,
                    "make_blobs": "n_samples=m, n_features=n, centers=k, cluster_std=2.0, random_state=0",
                    "start_rows": "np.random.default_rng(0).choice(m, k, replace=False)",
                    "layout": "raw little-endian, row-major; x_f32 = x_f64 rounded",
                }
            )
        )
        print(f"gen: {cfg}: {time.perf_counter() - t:.1f} s", file=sys.stderr)


def load(cache, cfg, dtype):
    m, n, k = parse_label(cfg)
    d = Path(cache) / cfg
    dt = np.dtype("<f4" if dtype == "f32" else "<f8")
    x = np.fromfile(d / f"x_{dtype}.bin", dtype=dt).reshape(m, n)
    start = np.fromfile(d / f"start_{dtype}.bin", dtype=dt).reshape(k, n)
    return x.astype(DTYPES[dtype], copy=False), start.astype(DTYPES[dtype], copy=False)


# --------------------------------------------------------------------------------------------
# bench

_out = None


def emit(rec):
    line = json.dumps(rec)
    print(line, flush=True)
    if _out is not None:
        with open(_out, "a") as f:
            f.write(line + "\n")


class Peer:
    """One peer implementation: how to set its thread count and run one fit."""

    name = ""

    def threads(self, t):
        """Context manager limiting the library to t threads."""
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=t)

    def supports(self, dtype):
        return True

    def fixed(self, x, start, iters):
        """Fit `iters` iterations (tolerance 0) from `start`: returns (seconds, n_iter, inertia)."""
        raise NotImplementedError

    def conv(self, x, start):
        """Fit from `start` with the default tolerance: (seconds, n_iter, inertia) or None."""
        return None

    def e2e(self, x, k, seed):
        """Default fit with the library's own seeding: (seconds, n_iter, inertia) or None."""
        return None


def _timed_fit(est, x):
    t = time.perf_counter()
    est.fit(x)
    return time.perf_counter() - t, int(est.n_iter_), float(est.inertia_)


class Sklearn(Peer):
    def __init__(self, algorithm, cls=None, name=None):
        if cls is None:
            from sklearn.cluster import KMeans as cls
        self.cls = cls
        self.algorithm = algorithm
        self.name = name or f"sk-{algorithm}"

    def fixed(self, x, start, iters):
        est = self.cls(
            n_clusters=len(start), init=start, n_init=1, max_iter=iters, tol=0.0, algorithm=self.algorithm
        )
        return _timed_fit(est, x)

    def conv(self, x, start):
        est = self.cls(n_clusters=len(start), init=start, n_init=1, algorithm=self.algorithm)
        return _timed_fit(est, x)

    def e2e(self, x, k, seed):
        if self.algorithm != "lloyd":
            return None
        return _timed_fit(self.cls(n_clusters=k, random_state=seed), x)


class Sklearnex(Sklearn):
    def __init__(self):
        import logging

        from sklearnex.cluster import KMeans

        # Log a fallback to stock scikit-learn, if any, so it shows in the run's output.
        logging.getLogger("sklearnex").setLevel(logging.WARNING)
        super().__init__("lloyd", cls=KMeans, name="sklearnex")

    def threads(self, t):
        import daal4py

        daal4py.daalinit(t)  # oneDAL's TBB pool; threadpoolctl does not reach it
        assert daal4py.num_threads() == t, daal4py.num_threads()
        return super().threads(t)


class Faiss(Peer):
    name = "faiss"

    def __init__(self):
        import faiss

        self.faiss = faiss

    def threads(self, t):
        import contextlib

        self.faiss.omp_set_num_threads(t)
        return contextlib.nullcontext()

    def supports(self, dtype):
        return dtype == np.float32

    def fixed(self, x, start, iters):
        km = self.faiss.Kmeans(
            x.shape[1],
            len(start),
            niter=iters,
            seed=0,
            max_points_per_centroid=10**9,
            min_points_per_centroid=1,
            verbose=False,
        )
        t = time.perf_counter()
        km.train(x, init_centroids=start)
        secs = time.perf_counter() - t
        # obj[i] is the objective of iteration i's assignment, before its update.
        return secs, iters, float(km.obj[-1])


def make_peer(name):
    if name in ("sk-lloyd", "sk-elkan"):
        return Sklearn(name.split("-")[1])
    if name == "sklearnex":
        return Sklearnex()
    if name == "faiss":
        return Faiss()
    raise SystemExit(f"unknown peer {name}")


def ints(s):
    return [int(v) for v in str(s).split(",") if v != ""]


def cmd_bench(a):
    global _out
    _out = a.out
    cfg = a.config
    m, n, k = parse_label(cfg)
    peers = [make_peer(p) for p in a.impls.split(",") if p]
    slow = set(a.slow.split(",")) if a.slow else set()
    modes = set(a.modes.split(","))
    for dtype in a.dtypes.split(","):
        x, start = load(a.cache, cfg, dtype)
        for p in peers:
            base = {"impl": p.name, "config": cfg, "dtype": dtype}
            if "fixed" in modes:
                repeats = 1 if p.name in slow else a.repeats
                iters = a.slow_iters if p.name in slow else a.iters
                if not p.supports(x.dtype):
                    continue  # faiss is f32 only
                for t in ints(a.threads):
                    with p.threads(t):
                        if p.name not in slow:
                            p.fixed(x, start, 1)  # warm-up
                        runs = [p.fixed(x, start, iters) for _ in range(repeats)]
                    times = [r[0] for r in runs]
                    secs = statistics.median(times)
                    n_iter = runs[-1][1]
                    emit(
                        dict(
                            base,
                            kind="fixed",
                            threads=t,
                            iters=iters,
                            n_iter=n_iter,
                            time_s=secs,
                            s_per_iter=secs / max(n_iter, 1),
                            inertia=runs[-1][2],
                            repeats=repeats,
                            times=times,
                        )
                    )
            if "conv" in modes:
                for t in ints(a.conv_threads):
                    with p.threads(t):
                        r = p.conv(x, start)
                    if r is None:
                        break
                    emit(dict(base, kind="conv", threads=t, time_s=r[0], n_iter=r[1], inertia=r[2]))
            if "e2e" in modes and dtype in a.e2e_dtypes.split(","):
                for t in ints(a.e2e_threads):
                    for seed in range(a.seeds):
                        with p.threads(t):
                            r = p.e2e(x, k, seed)
                        if r is None:
                            break
                        emit(
                            dict(base, kind="e2e", threads=t, seed=seed, time_s=r[0], n_iter=r[1], inertia=r[2])
                        )


# --------------------------------------------------------------------------------------------
# gemm


def blas_info():
    from threadpoolctl import threadpool_info

    out = []
    for i in threadpool_info():
        if i.get("user_api") == "blas" and "numpy" in i.get("filepath", ""):
            out.append(
                {
                    "internal_api": i.get("internal_api"),
                    "architecture": i.get("architecture"),
                    "version": i.get("version"),
                    "threading_layer": i.get("threading_layer"),
                    "filepath": os.path.basename(i.get("filepath", "")),
                }
            )
    return out


def cmd_gemm(a):
    global _out
    _out = a.out
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    env = {v: os.environ.get(v) for v in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS")}
    emit({"kind": "blas", "info": blas_info(), "env": env, "numpy": np.__version__})
    N = a.size
    for dtype in ("f64", "f32"):
        A = rng.standard_normal((N, N)).astype(DTYPES[dtype])
        B = rng.standard_normal((N, N)).astype(DTYPES[dtype])
        C = np.empty((N, N), dtype=DTYPES[dtype])
        for t in ints(a.threads):
            with threadpool_limits(limits=t, user_api="blas"):
                np.matmul(A, B, out=C)
                best = math.inf
                for _ in range(a.repeats):
                    s = time.perf_counter()
                    np.matmul(A, B, out=C)
                    best = min(best, time.perf_counter() - s)
            emit({"kind": "gemm", "dtype": dtype, "threads": t, "size": N, "gflops": 2 * N**3 / best / 1e9})


# --------------------------------------------------------------------------------------------
# mem


def cmd_mem(a):
    x, start = load(a.cache, a.config, a.dtype)
    if a.impl == "none":
        print(f"loaded {x.nbytes / 2**20:.0f} MiB")
        return
    p = make_peer(a.impl)
    with p.threads(a.threads):
        r = p.fixed(x, start, a.iters)
    print(f"{a.impl}: {r}")


# --------------------------------------------------------------------------------------------
# report

PEERS_FIXED = ["sk-lloyd", "sk-elkan", "sklearnex", "faiss", "linfa", "kmeans"]
PEERS_CONV = ["sk-lloyd", "sk-elkan", "sklearnex"]
# Ours to convergence with one algorithm forced: (record kind, column name).
OURS_CONV_ALGOS = [("conv-lloyd", "ours Lloyd"), ("conv-hamerly", "ours Hamerly"), ("conv-yinyang", "ours Yinyang")]


def fmt_ms(s):
    if s is None:
        return "—"
    ms = s * 1e3
    return f"{ms:.3g}" if ms < 100 else f"{ms:.0f}"


def fmt_s(s):
    return "—" if s is None else (f"{s:.3g}" if s < 100 else f"{s:.0f}")


def config_order(cfg):
    m, n, k = parse_label(cfg)
    try:
        return CONFIGS.index((m, n, k))
    except ValueError:
        return len(CONFIGS) + m


def cmd_report(a):
    recs = []
    for f in a.results:
        for line in Path(f).read_text().splitlines():
            line = line.strip()
            if line.startswith("{"):
                recs.append(json.loads(line))
    by = {}
    for r in recs:
        by.setdefault(r["kind"], []).append(r)

    gemm = {(r["dtype"], r["threads"]): r["gflops"] for r in by.get("gemm", [])}
    print("### Machine peak: numpy square GEMM\n")
    for r in by.get("blas", []):
        for i in r["info"]:
            print(
                f"numpy {r['numpy']} BLAS: {i['internal_api']} {i['version']}, kernel "
                f"`{i['architecture']}`, threading {i['threading_layer']} ({i['filepath']})"
            )
    if gemm:
        sizes = {r["size"] for r in by["gemm"]}
        print(f"\n| dtype | threads | GFLOP/s ({'/'.join(str(s) for s in sizes)}² matmul, best of repeats) |")
        print("|---|---|---|")
        for (dt, t), g in sorted(gemm.items()):
            print(f"| {dt} | {t} | {g:.1f} |")
    print()

    # ---- fixed iterations
    fixed = {}
    for r in by.get("fixed", []):
        fixed[(r["config"], r["dtype"], r["threads"], r["impl"])] = r
    keys = sorted({(c, d, t) for (c, d, t, _) in fixed}, key=lambda x: (config_order(x[0]), x[1], x[2]))
    present = [p for p in PEERS_FIXED if any(i == p for (_, _, _, i) in fixed)]
    if keys:
        iters = max(r["iters"] for r in by["fixed"])
        print(f"### Fixed Lloyd iterations from the same start (max_iter={iters}, tol=0): ms per iteration\n")
        print(
            f"`[n]` after a time: measured over n iterations instead of {iters}: the run stopped early "
            "because no label changed, or (slow peers on the largest configs) was run for fewer "
            "iterations. GFLOP/s = 2·m·n·k / (s/iteration); % peak = of numpy GEMM at the same dtype "
            "and threads. ours = `Algorithm::Lloyd`. ratio = ours / fastest peer (< 1: ours faster).\n"
        )
        head = ["m×n×k", "dtype", "thr", "ours", "GFLOP/s", "% peak"] + present + ["fastest peer", "ratio"]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for c, d, t in keys:
            m, n, k = parse_label(c)
            ours = fixed.get((c, d, t, "ours"))
            cells = [c, d, str(t)]
            if ours:
                spi = ours["s_per_iter"]
                tag = f" [{ours['n_iter']}]" if ours["n_iter"] != iters else ""
                gf = 2 * m * n * k / spi / 1e9
                peak = gemm.get((d, t))
                cells += [fmt_ms(spi) + tag, f"{gf:.1f}", f"{100 * gf / peak:.0f}%" if peak else "—"]
            else:
                cells += ["—", "—", "—"]
            best = None
            for p in present:
                r = fixed.get((c, d, t, p))
                if r is None:
                    cells.append("n/a" if (p == "faiss" and d == "f64") else "—")
                    continue
                tag = f" [{r['n_iter']}]" if r["n_iter"] != iters else ""
                cells.append(fmt_ms(r["s_per_iter"]) + tag)
                if best is None or r["s_per_iter"] < best[1]:
                    best = (p, r["s_per_iter"])
            if best:
                cells += [best[0], f"{ours['s_per_iter'] / best[1]:.2f}" if ours else "—"]
            else:
                cells += ["—", "—"]
            print("| " + " | ".join(cells) + " |")
        print()

    # ---- convergence
    # Peers' records and ours with Algorithm::Auto have kind "conv"; ours with one algorithm
    # forced have kind "conv-lloyd", "conv-hamerly", "conv-yinyang" (impl "ours" too), kept apart
    # here under their own column names.
    conv = {}
    for r in by.get("conv", []):
        conv[(r["config"], r["dtype"], r["threads"], r["impl"])] = r
    ours_algo = {}
    for kind, col in OURS_CONV_ALGOS:
        for r in by.get(kind, []):
            if r["impl"] == "ours":
                ours_algo[(r["config"], r["dtype"], r["threads"], col)] = r
    keys = sorted(
        {(c, d, t) for (c, d, t, _) in conv} | {(c, d, t) for (c, d, t, _) in ours_algo},
        key=lambda x: (config_order(x[0]), x[1], x[2]),
    )
    if keys:
        present = [p for p in PEERS_CONV if any(i == p for (_, _, _, i) in conv)]
        algos = [col for _, col in OURS_CONV_ALGOS if any(a == col for (_, _, _, a) in ours_algo)]
        print("### To convergence from the same start (default tol 1e-4, max_iter 300): seconds [iterations]\n")
        note = "ours = `Algorithm::Auto` (the default)"
        if algos:
            note += ", " + ", ".join(f"{c} = `Algorithm::{c.split()[1]}`" for c in algos)
        note += (
            ". Δinertia = (ours − sk-lloyd) / sk-lloyd at the same dtype (same solution ≈ 0). "
            "ratio = ours (Auto) / fastest peer at the same threads."
        )
        if algos:
            note += (
                " best ours / fastest peer: the fastest of ours (Auto and the forced algorithms; "
                "which one in parentheses) / the same fastest peer."
            )
        print(note + "\n")
        head = ["m×n×k", "dtype", "thr", "ours"] + algos + present + ["Δinertia", "fastest peer", "ratio"]
        if algos:
            head.append("best ours / fastest peer")
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for c, d, t in keys:
            ours = conv.get((c, d, t, "ours"))
            cells = [c, d, str(t), f"{fmt_s(ours['time_s'])} [{ours['n_iter']}]" if ours else "—"]
            ours_best = ("Auto", ours["time_s"]) if ours else None
            for col in algos:
                r = ours_algo.get((c, d, t, col))
                if r is None:
                    cells.append("—")
                    continue
                cells.append(f"{fmt_s(r['time_s'])} [{r['n_iter']}]")
                if ours_best is None or r["time_s"] < ours_best[1]:
                    ours_best = (col.split()[1], r["time_s"])
            best = None
            for p in present:
                r = conv.get((c, d, t, p))
                if r is None:
                    cells.append("—")
                    continue
                cells.append(f"{fmt_s(r['time_s'])} [{r['n_iter']}]")
                if best is None or r["time_s"] < best[1]:
                    best = (p, r["time_s"])
            ref = conv.get((c, d, t, "sk-lloyd")) or next(
                (conv[(c, d, tt, "sk-lloyd")] for (cc, dd, tt, ii) in conv if (cc, dd, ii) == (c, d, "sk-lloyd")),
                None,
            )
            cells.append(f"{(ours['inertia'] - ref['inertia']) / ref['inertia']:+.1e}" if ours and ref else "—")
            cells += [best[0], f"{ours['time_s'] / best[1]:.2f}" if ours else "—"] if best else ["—", "—"]
            if algos:
                cells.append(f"{ours_best[1] / best[1]:.2f} ({ours_best[0]})" if best and ours_best else "—")
            print("| " + " | ".join(cells) + " |")
        print()

    # ---- end to end
    e2e = {}
    for r in by.get("e2e", []):
        e2e.setdefault((r["config"], r["dtype"], r["threads"], r["impl"]), []).append(r)
    keys = sorted({(c, d, t) for (c, d, t, _) in e2e}, key=lambda x: (config_order(x[0]), x[1], x[2]))
    if keys:
        impls = [p for p in ["sk-lloyd", "sklearnex"] if any(i == p for (_, _, _, i) in e2e)]
        print("### Default end-to-end fits (own k-means++ seeding, to convergence): mean over seeds\n")
        print(
            "ours = `KMeans::new(k).seed(s)`; sk-lloyd = `KMeans(k, random_state=s)`; sklearnex the same "
            "through oneDAL. time s / mean inertia. t-ratio and i-ratio = ours / sk-lloyd at the same "
            "dtype and threads.\n"
        )
        head = ["m×n×k", "dtype", "thr", "seeds", "ours s", "ours inertia"]
        for p in impls:
            head += [f"{p} s", f"{p} inertia"]
        head += ["t-ratio", "i-ratio"]
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for c, d, t in keys:
            ours = e2e.get((c, d, t, "ours"))

            def stats(rs):
                return statistics.mean(r["time_s"] for r in rs), statistics.mean(r["inertia"] for r in rs)

            cells = [c, d, str(t), str(len(ours)) if ours else "—"]
            ot = oi = None
            if ours:
                ot, oi = stats(ours)
                cells += [fmt_s(ot), f"{oi:.6g}"]
            else:
                cells += ["—", "—"]
            ref_t = None
            for p in impls:
                rs = e2e.get((c, d, t, p))
                if rs:
                    pt, pi = stats(rs)
                    cells += [fmt_s(pt), f"{pi:.6g}"]
                    if p == "sk-lloyd":
                        ref_t = pt
                else:
                    cells += ["—", "—"]
            # Inertia does not depend on the thread count (ours is bit-identical; sklearn's
            # varies in the last bits): compare with sk-lloyd at any thread count.
            ref_i = next(
                (stats(rs)[1] for (cc, dd, _, ii), rs in e2e.items() if (cc, dd, ii) == (c, d, "sk-lloyd")),
                None,
            )
            cells.append(f"{ot / ref_t:.2f}" if ref_t and ours else "—")
            cells.append(f"{oi / ref_i:.4f}" if ref_i and ours else "—")
            print("| " + " | ".join(cells) + " |")
        print()

    # ---- memory
    mem = by.get("mem", [])
    if mem:
        print("### Peak memory (`/usr/bin/time -v`, Maximum resident set size)\n")
        print("| what | config | dtype | input MB | peak RSS MB | peak − input MB |")
        print("|---|---|---|---|---|---|")
        for r in mem:
            m, n, k = parse_label(r["config"])
            inp = m * n * (4 if r["dtype"] == "f32" else 8) / 1e6
            rss = r["max_rss_kb"] * 1024 / 1e6
            print(f"| {r['what']} | {r['config']} | {r['dtype']} | {inp:.0f} | {rss:.0f} | {rss - inp:.0f} |")
        print()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("gen", help="generate datasets")
    g.add_argument("--cache", required=True)
    g.add_argument("--configs", default=",".join(label(*c) for c in CONFIGS))
    g.set_defaults(func=cmd_gen)

    b = sub.add_parser("bench", help="time peers on one dataset")
    b.add_argument("--cache", required=True)
    b.add_argument("--config", required=True)
    b.add_argument("--impls", default="sk-lloyd,sk-elkan,sklearnex,faiss")
    b.add_argument("--dtypes", default="f32,f64")
    b.add_argument("--modes", default="fixed,conv,e2e")
    b.add_argument("--threads", default="1,2", help="thread counts for fixed iterations")
    b.add_argument("--conv-threads", default="2")
    b.add_argument("--e2e-threads", default="2")
    b.add_argument("--iters", type=int, default=10)
    b.add_argument("--repeats", type=int, default=3)
    b.add_argument("--slow", default="", help="peers timed once, over --slow-iters iterations")
    b.add_argument("--slow-iters", type=int, default=3)
    b.add_argument("--e2e-dtypes", default="f64")
    b.add_argument("--seeds", type=int, default=5)
    b.add_argument("--out")
    b.set_defaults(func=cmd_bench)

    m = sub.add_parser("gemm", help="numpy GEMM peak")
    m.add_argument("--size", type=int, default=4096)
    m.add_argument("--threads", default="1,2")
    m.add_argument("--repeats", type=int, default=3)
    m.add_argument("--out")
    m.set_defaults(func=cmd_gemm)

    e = sub.add_parser("mem", help="one fit, for /usr/bin/time -v")
    e.add_argument("--cache", required=True)
    e.add_argument("--config", required=True)
    e.add_argument("--dtype", default="f32")
    e.add_argument("--impl", required=True, help="sk-lloyd, sk-elkan, sklearnex, faiss or none")
    e.add_argument("--iters", type=int, default=10)
    e.add_argument("--threads", type=int, default=2)
    e.set_defaults(func=cmd_mem)

    r = sub.add_parser("report", help="markdown tables from results")
    r.add_argument("results", nargs="+")
    r.set_defaults(func=cmd_report)

    a = ap.parse_args()
    a.func(a)


if __name__ == "__main__":
    main()
