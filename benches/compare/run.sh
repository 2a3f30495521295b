#!/usr/bin/env bash
# Comparison harness: this crate vs scikit-learn (lloyd, elkan), scikit-learn-intelex (oneDAL),
# faiss-cpu, linfa-clustering and kmeans, on the six datasets of issue 3. See README.md here.
#
#   benches/compare/run.sh                          # all six configs (about 25 minutes)
#   QUICK=1 benches/compare/run.sh 100000x2x16,20000x128x1000
#   CONFIGS=100000x16x64 THREADS=2 benches/compare/run.sh
#
# Not part of CI. Prints markdown tables at the end (also saved under $OUT_DIR).
set -euo pipefail

# The whole script is one compound command, so bash parses it before running it and an edit of
# this file during a run cannot change the running copy.
{
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"

ALL_CONFIGS="100000x2x16,100000x16x64,50000x784x10,200000x64x256,1000000x32x100,20000x128x1000"
CONFIGS="${1:-${CONFIGS:-$ALL_CONFIGS}}"
VENV="${VENV:-/work/venv}"
DATA_DIR="${DATA_DIR:-$ROOT/target/compare-data}"
OUT_DIR="${OUT_DIR:-$ROOT/target/compare-results}"
QUICK="${QUICK:-0}"
THREADS="${THREADS:-1,2}"            # fixed iterations (everyone) and to convergence (ours)
CONV_THREADS="${CONV_THREADS:-1,2}"  # to convergence, Python peers
E2E_THREADS="${E2E_THREADS:-1,2}"    # default end-to-end fits (ours and the Python peers)
E2E_DTYPES="${E2E_DTYPES:-f64}"      # dtypes of the end-to-end fits
ITERS="${ITERS:-10}"
if [[ "$QUICK" == 1 ]]; then
    REPEATS="${REPEATS:-1}"; SEEDS="${SEEDS:-2}"; GEMM_SIZE="${GEMM_SIZE:-2048}"
else
    REPEATS="${REPEATS:-3}"; SEEDS="${SEEDS:-5}"; GEMM_SIZE="${GEMM_SIZE:-4096}"
fi
# Configs whose iteration costs at least this many flops (2·m·n·k) time the slow peers once,
# over SLOW_ITERS iterations.
BIG_FLOPS="${BIG_FLOPS:-2000000000}"
SLOW_ITERS="${SLOW_ITERS:-3}"
SLOW_PEERS="sk-elkan,linfa,kmeans"
MEM="${MEM:-1}"
MEM_CONFIG="${MEM_CONFIG:-1000000x32x100}"

T0=$SECONDS
log() { printf '[%4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }

# ---- 1. Python virtualenv ---------------------------------------------------------------------
PY_PKGS=(numpy scikit-learn scikit-learn-intelex faiss-cpu threadpoolctl)
if [[ ! -x "$VENV/bin/python" ]]; then
    log "creating virtualenv $VENV"
    python3 -m venv "$VENV"
fi
if ! "$VENV/bin/python" -c "import numpy, sklearn, sklearnex, faiss, threadpoolctl" 2>/dev/null; then
    log "installing ${PY_PKGS[*]} into $VENV"
    "$VENV/bin/pip" install --quiet "${PY_PKGS[@]}"
fi
# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this kind of machine for old OpenBLAS builds;
# they slow a current numpy, so they are unset for the benchmark's Python alone.
PYTHON=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$VENV/bin/python")
PY=("${PYTHON[@]}" "$HERE/peers.py")

mkdir -p "$OUT_DIR" "$DATA_DIR"
STAMP="$(date +%Y%m%d-%H%M%S)"
RES="$OUT_DIR/results-$STAMP.jsonl"
: > "$RES"
log "results -> $RES"

# ---- 2. datasets ------------------------------------------------------------------------------
GEN="$CONFIGS"
[[ "$MEM" == 1 && ",$CONFIGS," != *",$MEM_CONFIG,"* ]] && GEN="$GEN,$MEM_CONFIG"
log "datasets in $DATA_DIR"
"${PY[@]}" gen --cache "$DATA_DIR" --configs "$GEN"

# ---- 3 and 5. build the Rust binaries -----------------------------------------------------------
log "building rust-ours (release)"
OURS_TARGET="$ROOT/target/compare-ours"
(cd "$HERE/rust-ours" && CARGO_TARGET_DIR="$OURS_TARGET" cargo build --release --quiet)
OURS=("$OURS_TARGET/release/compare-ours" --dir "$DATA_DIR")

PEERS_TARGET="$ROOT/target/compare-peers"
PEERS_BIN="$PEERS_TARGET/release/compare-peers"
RUST_PEERS=""
log "building rust-peers (release)"
if cargo +nightly --version >/dev/null 2>&1 &&
    (cd "$HERE/rust-peers" && CARGO_TARGET_DIR="$PEERS_TARGET" cargo +nightly build --release --quiet --features kmeans); then
    RUST_PEERS="linfa,kmeans"
else
    log "note: the kmeans crate needs a nightly toolchain (portable_simd) and is skipped"
    if (cd "$HERE/rust-peers" && CARGO_TARGET_DIR="$PEERS_TARGET" cargo build --release --quiet); then
        RUST_PEERS="linfa"
    else
        log "note: rust-peers did not build; linfa and kmeans are skipped"
    fi
fi

# ---- 4. machine peak ----------------------------------------------------------------------------
log "numpy GEMM ${GEMM_SIZE}² (threads $THREADS)"
"${PY[@]}" gemm --size "$GEMM_SIZE" --threads "$THREADS" --out "$RES" >/dev/null

# ---- 3, 4, 5. per dataset ---------------------------------------------------------------------------
IFS=, read -ra CFG_LIST <<< "$CONFIGS"
for cfg in "${CFG_LIST[@]}"; do
    IFS=x read -r m n k <<< "$cfg"
    slow=""
    peer_repeats="$REPEATS"
    peer_iters="$ITERS"
    if (( 2 * m * n * k >= BIG_FLOPS )); then
        slow="$SLOW_PEERS"
        peer_repeats=1
        peer_iters="$SLOW_ITERS"
    fi
    for dtype in f32 f64; do
        log "$cfg $dtype: ours (fixed, conv with Auto, Lloyd, Hamerly, Yinyang; threads $THREADS)"
        "${OURS[@]}" --config "$cfg" --dtype "$dtype" --threads "$THREADS" --iters "$ITERS" \
            --repeats "$REPEATS" --modes fixed,conv,conv-lloyd,conv-hamerly,conv-yinyang >> "$RES"
        if [[ ",$E2E_DTYPES," == *",$dtype,"* ]]; then
            log "$cfg $dtype: ours (e2e, $SEEDS seeds; threads $E2E_THREADS)"
            "${OURS[@]}" --config "$cfg" --dtype "$dtype" --threads "$E2E_THREADS" --seeds "$SEEDS" \
                --modes e2e >> "$RES"
        fi
        if [[ -n "$RUST_PEERS" ]]; then
            log "$cfg $dtype: $RUST_PEERS"
            "$PEERS_BIN" --dir "$DATA_DIR" --config "$cfg" --dtype "$dtype" --threads "$THREADS" \
                --iters "$peer_iters" --repeats "$peer_repeats" --impls "$RUST_PEERS" >> "$RES"
        fi
    done
    common=(--cache "$DATA_DIR" --config "$cfg" --threads "$THREADS" --conv-threads "$CONV_THREADS"
        --e2e-threads "$E2E_THREADS" --e2e-dtypes "$E2E_DTYPES" --iters "$ITERS" --repeats "$REPEATS"
        --seeds "$SEEDS" --slow "$slow" --slow-iters "$SLOW_ITERS" --out "$RES")
    log "$cfg: scikit-learn lloyd + elkan"
    "${PY[@]}" bench "${common[@]}" --impls sk-lloyd,sk-elkan >/dev/null
    log "$cfg: scikit-learn-intelex"
    "${PY[@]}" bench "${common[@]}" --impls sklearnex >/dev/null
    log "$cfg: faiss (f32 only)"
    "${PY[@]}" bench "${common[@]}" --impls faiss --dtypes f32 --modes fixed >/dev/null
done

# ---- 6. peak memory -------------------------------------------------------------------------------
if [[ "$MEM" == 1 ]]; then
    if [[ ! -x /usr/bin/time ]]; then
        log "installing GNU time for /usr/bin/time -v"
        apt-get install -y -qq time >/dev/null || (apt-get update -qq && apt-get install -y -qq time >/dev/null)
    fi
    tmp="$(mktemp)"
    mem_run() {
        local what="$1"
        shift
        /usr/bin/time -v "$@" > /dev/null 2> "$tmp"
        local kb
        kb="$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tmp")"
        printf '{"kind":"mem","what":"%s","config":"%s","dtype":"f32","max_rss_kb":%s}\n' \
            "$what" "$MEM_CONFIG" "$kb" >> "$RES"
    }
    log "peak memory on $MEM_CONFIG f32"
    mem_run "ours: default fit, seed 0, 2 threads" \
        "${OURS[@]}" --config "$MEM_CONFIG" --dtype f32 --threads 2 --modes fit
    mem_run "ours: $ITERS iterations from the start" \
        "${OURS[@]}" --config "$MEM_CONFIG" --dtype f32 --threads 2 --iters "$ITERS" --repeats 1 --modes fixed
    mem_run "python: numpy + data loaded, no fit" \
        "${PY[@]}" mem --cache "$DATA_DIR" --config "$MEM_CONFIG" --impl none
    for p in sk-lloyd sklearnex faiss; do
        mem_run "$p: $ITERS iterations from the start" \
            "${PY[@]}" mem --cache "$DATA_DIR" --config "$MEM_CONFIG" --impl "$p" --iters "$ITERS"
    done
    rm -f "$tmp"
fi

# ---- 6. what was measured: the crate's commit, the toolchains, the peers' versions -------------
COMMIT="$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)"
if [[ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
    COMMIT="$COMMIT (with uncommitted changes)"
fi
NIGHTLY="$(cargo +nightly --version 2>/dev/null | cut -d' ' -f2- || true)"
PEER_VERSIONS="$("${PYTHON[@]}" -c '
import importlib.metadata as m
names = ["numpy", "scikit-learn", "scikit-learn-intelex", "daal", "faiss-cpu", "threadpoolctl"]
found = []
for p in names:
    try:
        found.append(f"{p} {m.version(p)}")
    except m.PackageNotFoundError:
        pass
print(", ".join(found))
' 2>/dev/null || echo unknown)"
RUST_PEER_VERSIONS="$(awk '/^name = "(linfa-clustering|kmeans)"/ {n=$3; getline; gsub(/"/, "", n); gsub(/"/, "", $3); printf "%s%s %s", (c++ ? ", " : ""), n, $3}' "$HERE/rust-peers/Cargo.lock")"

# ---- 7. tables ----------------------------------------------------------------------------------------
REPORT="$OUT_DIR/report-$STAMP.md"
{
    echo "Command: \`$(printf '%q ' env QUICK="$QUICK" CONFIGS="$CONFIGS" THREADS="$THREADS" ITERS="$ITERS" \
        REPEATS="$REPEATS" SEEDS="$SEEDS" benches/compare/run.sh)\`"
    echo "Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs; $(date -u +%Y-%m-%d)"
    echo "Crate: commit $COMMIT; $(rustc --version)${NIGHTLY:+; peers built with $NIGHTLY}"
    echo "Peers: $PEER_VERSIONS; $RUST_PEER_VERSIONS"
    echo "Rust peers: ${RUST_PEERS:-none}; slow peers ($SLOW_PEERS) timed once over $SLOW_ITERS iterations where 2·m·n·k ≥ $BIG_FLOPS"
    echo "Threads: fixed $THREADS; to convergence ours $THREADS, Python peers $CONV_THREADS; end-to-end $E2E_THREADS ($E2E_DTYPES)"
    echo
    "${PY[@]}" report "$RES"
} | tee "$REPORT"
log "done in $((SECONDS - T0)) s; report: $REPORT"
exit 0
}
