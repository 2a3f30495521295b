#!/usr/bin/env bash
# Quality harness: this crate and scikit-learn's default KMeans on the 12 centroid-structured
# sets of Fränti's basic benchmark, seeds 0..N, scored by the same Rust code. See README.md here.
#
#   benches/quality/run.sh                               # default method + sklearn, 12 sets x 30 seeds
#   benches/quality/run.sh --sets s1,a3,birch1 --seeds 5 # smoke test
#   benches/quality/run.sh --method default,n_init10 --no-sklearn
#
# Options: --method M[,M...] (ours; default "default"), --seeds N (30), --sets LIST (all 12),
# --threads T (both sides; default: each library's default, recorded), --datasets DIR,
# --no-sklearn. Env: VENV (/work/venv), OUT_DIR (target/quality-results), SK_METHOD (sklearn).
# Prints a markdown table; it and the raw JSON lines are saved under $OUT_DIR.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

DATASETS="${DATASETS:-$ROOT/../shared/datasets}"
VENV="${VENV:-/work/venv}"
OUT_DIR="${OUT_DIR:-$ROOT/target/quality-results}"
SK_METHOD="${SK_METHOD:-sklearn}"
METHOD="default"
SEEDS=30
SETS="s1,s2,s3,s4,a1,a2,a3,d31,r15,unbalance,birch1,birch2"
THREADS=""
SKLEARN=1

while [[ $# -gt 0 ]]; do
    case "$1" in
        --method|--methods) METHOD="$2"; shift 2 ;;
        --seeds) SEEDS="$2"; shift 2 ;;
        --sets) SETS="$2"; shift 2 ;;
        --threads) THREADS="$2"; shift 2 ;;
        --datasets) DATASETS="$2"; shift 2 ;;
        --no-sklearn) SKLEARN=0; shift ;;
        -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done

T0=$SECONDS
log() { printf '[%4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }

if [[ ! -d "$DATASETS/sipu" ]]; then
    echo "run.sh: no benchmark datasets at $DATASETS (expected its sipu/ folder); nothing to measure."
    exit 0
fi
DATASETS="$(cd "$DATASETS" && pwd)"

# ---- build -------------------------------------------------------------------------------------
TARGET="$ROOT/target/quality"
log "building the quality binary (release) into $TARGET"
(cd "$HERE" && CARGO_TARGET_DIR="$TARGET" cargo build --release --quiet)
BIN="$TARGET/release/quality"
THREAD_ARGS=()
[[ -n "$THREADS" ]] && THREAD_ARGS=(--threads "$THREADS")

# ---- Python virtualenv -------------------------------------------------------------------------
PY=()
if [[ "$SKLEARN" == 1 ]]; then
    if [[ ! -x "$VENV/bin/python" ]]; then
        log "creating virtualenv $VENV"
        python3 -m venv "$VENV"
    fi
    if ! "$VENV/bin/python" -c "import numpy, sklearn, threadpoolctl" 2>/dev/null; then
        log "installing numpy scikit-learn into $VENV"
        "$VENV/bin/pip" install --quiet numpy scikit-learn threadpoolctl
    fi
    # OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this kind of machine for old OpenBLAS
    # builds and slow a current numpy; they are unset for the benchmark's Python alone.
    PY=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python" "$HERE/sklearn_quality.py")
fi

# ---- runs: set by set, ours then scikit-learn's, so both see the same machine load ----------------
mkdir -p "$OUT_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
OURS="$OUT_DIR/ours-$STAMP.jsonl"
SK="$OUT_DIR/sklearn-$STAMP.jsonl"
REPORT="$OUT_DIR/report-$STAMP.md"
: > "$OURS"
[[ "$SKLEARN" == 1 ]] && : > "$SK"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
IFS=',' read -r -a SET_LIST <<< "$SETS"
for s in "${SET_LIST[@]}"; do
    log "$s: ours ($METHOD)"
    "$BIN" --datasets "$DATASETS" --sets "$s" --seeds "$SEEDS" --method "$METHOD" \
        ${THREAD_ARGS[@]+"${THREAD_ARGS[@]}"} --json "$TMP/ours.jsonl" > /dev/null
    cat "$TMP/ours.jsonl" >> "$OURS"
    if [[ "$SKLEARN" == 1 ]]; then
        log "$s: scikit-learn ($SK_METHOD)"
        "${PY[@]}" --datasets "$DATASETS" --sets "$s" --seeds "$SEEDS" --method "$SK_METHOD" \
            ${THREAD_ARGS[@]+"${THREAD_ARGS[@]}"} --out "$TMP/sk.jsonl"
        cat "$TMP/sk.jsonl" >> "$SK"
    fi
done

# ---- report ------------------------------------------------------------------------------------
INCLUDES=(--include "$OURS")
[[ "$SKLEARN" == 1 ]] && INCLUDES+=(--include "$SK")
REV="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
DIRTY="$(git -C "$ROOT" status --porcelain -- src Cargo.toml 2>/dev/null | wc -l)"
{
    echo "## Quality: $SETS, seeds 0..$SEEDS"
    echo
    echo "Crate at $REV$([[ "$DIRTY" -gt 0 ]] && echo " + uncommitted changes in src/ or Cargo.toml"); $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC')."
    echo
    "$BIN" --datasets "$DATASETS" --sets "$SETS" --no-run "${INCLUDES[@]}"
} | tee "$REPORT"
log "saved $REPORT and the runs in $OURS${PY:+ and $SK}"
