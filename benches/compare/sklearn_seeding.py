"""scikit-learn's greedy k-means++ (`kmeans_plusplus`, default 2 + int(ln k) candidates) timed on the
harness's data (`peers.py gen`), f32, to compare with `rust-ours`'s `seeding --data DIR --inits kpp
--fits seed` on the same rows. Prints the median of `repeats` seeds per configuration.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE python benches/compare/sklearn_seeding.py \\
        DATA_DIR 100000x2x16,100000x16x64 3 2        # data dir, configs, repeats, threads
"""

import sys
import time

import numpy as np
from sklearn.cluster import kmeans_plusplus
from threadpoolctl import threadpool_limits

cache, configs, repeats, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for cfg in configs.split(","):
    m, n, k = (int(v) for v in cfg.split("x"))
    x = np.fromfile(f"{cache}/{cfg}/x_f32.bin", dtype="<f4").reshape(m, n)
    times = []
    with threadpool_limits(threads):
        for seed in range(repeats):
            t = time.perf_counter()
            kmeans_plusplus(x, k, random_state=seed)
            times.append(time.perf_counter() - t)
    ms = sorted(1e3 * v for v in times)
    print(f"{cfg} sklearn kmeans_plusplus ms: median {ms[len(ms) // 2]:.1f} all {[round(v, 1) for v in ms]}", flush=True)
