#!/usr/bin/env python3
"""Mini-batch k-means: the data sets, scikit-learn's MiniBatchKMeans, and the report.

    minibatch.py gen    --cache DIR --configs 100000x2x16,... --franti /work/shared/datasets/sipu --sets s1,a1
    minibatch.py bench  --cache DIR --sets 100000x2x16,s1 --batch 1024 --seeds 3 --threads 2
    minibatch.py report RESULTS.jsonl

`gen` writes every set as DIR/NAME/x_f64.bin (raw little-endian, row-major) and
DIR/NAME/shape.txt ("m n k"): the harness configurations by the same make_blobs call as
peers.py gen (n_samples=m, n_features=n, centers=k, cluster_std=2.0, random_state=0), Fränti's
sets from NAME.data.gz with k = the number of reference labels. The Rust side
(rust-ours/src/bin/minibatch.rs) reads the same files, so both fit the same bits.

`bench` fits sklearn.cluster.MiniBatchKMeans(n_clusters=k, batch_size=B, random_state=seed)
(every other option its default: k-means++ on init_size = 3·B rows, n_init="auto" = 1,
max_iter=100, max_no_improvement=10, reassignment_ratio=0.01, tol=0) under
threadpoolctl(limits=threads) and prints one JSON line per fit with the fit's wall time and
inertia_ (computed by scikit-learn over every row after the fit). See run-minibatch.sh.
"""

import argparse
import gzip
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np


def shape_of(cache, name):
    m, n, k = (Path(cache) / name / "shape.txt").read_text().split()
    return int(m), int(n), int(k)


def cmd_gen(a):
    cache = Path(a.cache)
    for cfg in [c for c in a.configs.split(",") if c]:
        d = cache / cfg
        if (d / "shape.txt").exists():
            continue
        from sklearn.datasets import make_blobs

        m, n, k = (int(v) for v in cfg.split("x"))
        x, _ = make_blobs(n_samples=m, n_features=n, centers=k, cluster_std=2.0, random_state=0)
        d.mkdir(parents=True, exist_ok=True)
        np.ascontiguousarray(x, dtype="<f8").tofile(d / "x_f64.bin")
        (d / "shape.txt").write_text(f"{m} {n} {k}\n")
        print(f"gen: {cfg}", file=sys.stderr)
    for name in [s for s in a.sets.split(",") if s]:
        d = cache / name
        if (d / "shape.txt").exists():
            continue
        src = Path(a.franti)
        with gzip.open(src / f"{name}.data.gz", "rt") as f:
            x = np.loadtxt(f, ndmin=2)
        with gzip.open(src / f"{name}.labels0.gz", "rt") as f:
            labels = np.loadtxt(f, dtype=np.int64)
        k = len(set(labels.tolist()) - {0})
        d.mkdir(parents=True, exist_ok=True)
        np.ascontiguousarray(x, dtype="<f8").tofile(d / "x_f64.bin")
        (d / "shape.txt").write_text(f"{x.shape[0]} {x.shape[1]} {k}\n")
        print(f"gen: {name}: {x.shape[0]}x{x.shape[1]}, k = {k}", file=sys.stderr)


def cmd_bench(a):
    from sklearn.cluster import MiniBatchKMeans
    from threadpoolctl import threadpool_limits

    for name in [s for s in a.sets.split(",") if s]:
        m, n, k = shape_of(a.cache, name)
        x = np.fromfile(Path(a.cache) / name / "x_f64.bin", dtype="<f8").reshape(m, n)
        with threadpool_limits(limits=a.threads):
            for seed in range(a.seeds):
                km = MiniBatchKMeans(n_clusters=k, batch_size=a.batch, random_state=seed)
                t = time.perf_counter()
                km.fit(x)
                seconds = time.perf_counter() - t
                used = len(np.unique(km.labels_))
                print(
                    json.dumps(
                        {
                            "kind": "minibatch",
                            "impl": "sklearn",
                            "set": name,
                            "k": k,
                            "seed": seed,
                            "batch": a.batch,
                            "seconds": seconds,
                            "inertia": float(km.inertia_),
                            "n_iter": int(km.n_steps_),
                            "used": used,
                        }
                    ),
                    flush=True,
                )


def cmd_report(a):
    rows = []
    for path in a.files:
        for line in Path(path).read_text().splitlines():
            if line.strip().startswith("{"):
                rows.append(json.loads(line))
    by = defaultdict(list)
    order = []
    for r in rows:
        key = (r["set"], r["impl"], r["kind"])
        if r["set"] not in order:
            order.append(r["set"])
        by[key].append(r)

    def med(key, field):
        v = [r[field] for r in by.get(key, [])]
        return statistics.median(v) if v else float("nan")

    def mean(key, field):
        v = [r[field] for r in by.get(key, [])]
        return statistics.fmean(v) if v else float("nan")

    print(
        "| set | k | ours mini-batch: inertia / plain fit | time / plain fit | "
        "inertia / default fit | sklearn mini-batch: inertia / plain fit | "
        "ours / sklearn inertia | ours s | sklearn s | plain fit s | default fit s | "
        "fewest used centres ours / sklearn |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for s in order:
        ours, sk = (s, "ours", "minibatch"), (s, "sklearn", "minibatch")
        plain, default = (s, "ours", "full-plain"), (s, "ours", "full-default")
        k = by[ours][0].get("k", "") if by.get(ours) else ""
        i_ours, i_sk = mean(ours, "inertia"), mean(sk, "inertia")
        i_plain, i_def = mean(plain, "inertia"), mean(default, "inertia")
        t_ours, t_sk = med(ours, "seconds"), med(sk, "seconds")
        t_plain, t_def = med(plain, "seconds"), med(default, "seconds")
        used_ours = min((r["used"] for r in by.get(ours, [])), default="")
        used_sk = min((r["used"] for r in by.get(sk, [])), default="")
        print(
            f"| {s} | {k} | {i_ours / i_plain:.4f} | {t_ours / t_plain:.3f} | {i_ours / i_def:.4f} | "
            f"{i_sk / i_plain:.4f} | {i_ours / i_sk:.4f} | {t_ours:.3f} | {t_sk:.3f} | {t_plain:.3f} | "
            f"{t_def:.3f} | {used_ours} / {used_sk} |"
        )


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--cache", required=True)
    g.add_argument("--configs", default="")
    g.add_argument("--franti", default="/work/shared/datasets/sipu")
    g.add_argument("--sets", default="")
    b = sub.add_parser("bench")
    b.add_argument("--cache", required=True)
    b.add_argument("--sets", required=True)
    b.add_argument("--batch", type=int, default=1024)
    b.add_argument("--seeds", type=int, default=3)
    b.add_argument("--threads", type=int, default=2)
    r = sub.add_parser("report")
    r.add_argument("files", nargs="+")
    a = p.parse_args()
    {"gen": cmd_gen, "bench": cmd_bench, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
