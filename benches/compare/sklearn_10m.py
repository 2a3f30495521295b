"""scikit-learn's default KMeans on the rows of a raw little-endian f32 file, timed, and peak RSS.

    python benches/compare/sklearn_10m.py --make FILE 10000000 32 100   # write make_blobs rows
    python benches/compare/sklearn_10m.py FILE 10000000 32 100          # time KMeans(k).fit

Run each side under `/usr/bin/time -v` for the peak memory; ours on the same file:
    target/compare-ours/release/partitions --config 10000000x32x100 --parts 0 --input FILE
"""
import sys
import time

import numpy as np


def main():
    if sys.argv[1] == "--make":
        from sklearn.datasets import make_blobs

        path, m, n, k = sys.argv[2], *map(int, sys.argv[3:6])
        x, _ = make_blobs(n_samples=m, n_features=n, centers=k, cluster_std=2.0, random_state=0)
        x.astype("<f4").tofile(path)
        return
    from sklearn.cluster import KMeans

    path, m, n, k = sys.argv[1], *map(int, sys.argv[2:5])
    x = np.fromfile(path, dtype="<f4").reshape(m, n)
    t = time.perf_counter()
    model = KMeans(n_clusters=k, random_state=0).fit(x)
    s = time.perf_counter() - t
    print(f"{m}x{n}x{k} f32 scikit-learn default fit: {s:.2f} s, inertia {model.inertia_:.6e}, n_iter {model.n_iter_}")


if __name__ == "__main__":
    main()
