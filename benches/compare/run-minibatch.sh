#!/usr/bin/env bash
# Mini-batch k-means: this crate's MiniBatchKMeans against its full fit (Refine::None and the
# default) and scikit-learn's MiniBatchKMeans with the same batch size, on the comparison
# harness's six make_blobs configurations and Fränti's sets. Not part of CI.
#
#   benches/compare/run-minibatch.sh
#   SETS=1000000x32x100,s1 SEEDS=5 benches/compare/run-minibatch.sh
#
# Prints a markdown table at the end (minibatch.py report); raw JSON lines in $OUT.
set -euo pipefail
{
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
CONFIGS="100000x2x16,100000x16x64,50000x784x10,200000x64x256,1000000x32x100,20000x128x1000"
FRANTI="s1,s2,s3,s4,a1,a2,a3,birch1,birch2,unbalance"
SETS="${SETS:-$CONFIGS,$FRANTI}"
VENV="${VENV:-/work/venv}"
FRANTI_DIR="${FRANTI_DIR:-/work/shared/datasets/sipu}"
DATA_DIR="${DATA_DIR:-$ROOT/target/minibatch-data}"
OUT="${OUT:-$ROOT/target/minibatch-results-$(date +%Y%m%d-%H%M%S).jsonl}"
BATCH="${BATCH:-1024}"
SEEDS="${SEEDS:-3}"
FULL_SEEDS="${FULL_SEEDS:-3}"
THREADS="${THREADS:-2}"
PY=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" "$HERE/minibatch.py")

# Only the sets asked for are generated: configurations are the names with an x, the rest are
# Fränti's.
configs=() franti=()
IFS=, read -ra all <<< "$SETS"
for s in "${all[@]}"; do
    if [[ $s =~ ^[0-9]+x[0-9]+x[0-9]+$ ]]; then configs+=("$s"); else franti+=("$s"); fi
done
"${PY[@]}" gen --cache "$DATA_DIR" --configs "$(IFS=,; echo "${configs[*]}")" \
    --franti "$FRANTI_DIR" --sets "$(IFS=,; echo "${franti[*]}")"

(cd "$HERE/rust-ours" && cargo build --release --quiet --bin minibatch)
TARGET="${CARGO_TARGET_DIR:-$HERE/rust-ours/target}"
: > "$OUT"
for s in "${all[@]}"; do
    "$TARGET/release/minibatch" --dir "$DATA_DIR" --sets "$s" --batch "$BATCH" \
        --seeds "$SEEDS" --full-seeds "$FULL_SEEDS" --threads "$THREADS" | tee -a "$OUT"
    "${PY[@]}" bench --cache "$DATA_DIR" --sets "$s" --batch "$BATCH" --seeds "$SEEDS" \
        --threads "$THREADS" | tee -a "$OUT"
done
echo "results: $OUT"
"${PY[@]}" report "$OUT"
exit
}
