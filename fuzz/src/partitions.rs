//! The `partitions` target: a fit over arbitrary contiguous parts of arbitrary rows (and
//! weights), run on threads whose ranks are an arbitrary permutation of the parts (so the
//! statistics are merged in an order unrelated to the rows'), must equal `KMeans::fit` on all
//! the rows: the same error, or the same centroid and inertia bits, `n_iter`, stop reason,
//! cluster sizes, and the parts' labels concatenated.

use std::sync::{Arc, Condvar, Mutex};

use arbitrary::Arbitrary;
use k_means::distributed::Collective;
use k_means::{Algorithm, Init, KMeans, KMeansError, KMeansModel, Refine, RowMajor};

use crate::{FuzzFloat, Val, vals};

/// One fuzz case.
#[derive(Arbitrary, Debug)]
pub struct PartitionInput {
    /// f32 (true) or f64.
    pub single: bool,
    /// Features per row, 1 + (d mod 4).
    pub d: u8,
    /// Clusters, 1 + (k mod 8).
    pub k: u8,
    /// The values, at most 240 of them.
    pub data: Vec<Val>,
    /// Weights per row (cycled), or none.
    pub weights: Option<Vec<u8>>,
    /// Cut points (mod n + 1); at most 7.
    pub cuts: Vec<u16>,
    /// Permutation of the ranks.
    pub rank_seed: u64,
    /// Start: 0 k-means++, 1 random, 2 the first k rows.
    pub init: u8,
    /// Algorithm index.
    pub algorithm: u8,
    /// Breathing or not.
    pub breathing: bool,
    /// The seed.
    pub seed: u64,
}

/// Runs one case.
pub fn run(input: &PartitionInput) {
    if input.single {
        check::<f32>(input);
    } else {
        check::<f64>(input);
    }
}

fn check<T: FuzzFloat>(input: &PartitionInput) {
    let d = 1 + usize::from(input.d % 4);
    let mut data: Vec<T> = vals(&input.data[..input.data.len().min(240)]);
    data.truncate(data.len() / d * d);
    let n = data.len() / d;
    let weights: Option<Vec<T>> = input.weights.as_ref().filter(|w| !w.is_empty()).map(|w| {
        (0..n)
            .map(|i| {
                T::narrow(f64::from(w[i % w.len()]) / 4.0 - if w[i % w.len()] == 255 { 100.0 } else { 0.0 })
            })
            .collect()
    });
    let k = 1 + usize::from(input.k % 8);
    let init = match input.init % 3 {
        0 => Init::KMeansPlusPlus,
        1 => Init::Random,
        _ => Init::Precomputed(data.iter().copied().take(k * d).collect()),
    };
    let algorithm = [
        Algorithm::Auto,
        Algorithm::Lloyd,
        Algorithm::Hamerly,
        Algorithm::Yinyang,
    ][usize::from(input.algorithm % 4)];
    let refine = if input.breathing {
        Refine::Breathing { m: 2 }
    } else {
        Refine::None
    };
    let kmeans = KMeans::new(k)
        .init(init)
        .algorithm(algorithm)
        .refine(refine)
        .seed(input.seed);
    let Ok(rows) = RowMajor::new(&data, d) else { return };
    let whole = match &weights {
        Some(w) => kmeans.fit_weighted(&rows, w),
        None => kmeans.fit(&rows),
    };
    // Contiguous parts.
    let mut cuts: Vec<usize> = input
        .cuts
        .iter()
        .take(7)
        .map(|&c| usize::from(c) % (n + 1))
        .collect();
    cuts.sort_unstable();
    let mut spans = Vec::new();
    let mut start = 0;
    for c in cuts.into_iter().chain(std::iter::once(n)) {
        spans.push((start, c));
        start = c;
    }
    let p = spans.len();
    // A permutation of the ranks from the seed (Fisher–Yates on a splitmix stream).
    let mut rank: Vec<usize> = (0..p).collect();
    let mut s = input.rank_seed;
    for i in (1..p).rev() {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let j = (s ^ (s >> 31)) as usize % (i + 1);
        rank.swap(i, j);
    }
    let shared = Arc::new(Shared::new(p));
    let results: Vec<Result<KMeansModel<T>, KMeansError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = spans
            .iter()
            .enumerate()
            .map(|(part, &(a, b))| {
                let shared = Arc::clone(&shared);
                let (kmeans, data, weights) = (&kmeans, &data, &weights);
                let r = rank[part];
                scope.spawn(move || {
                    let rows = RowMajor::new(&data[a * d..b * d], d).expect("whole rows");
                    let mut c = Threads { shared, rank: r };
                    match weights {
                        Some(w) => kmeans.fit_partition_weighted(&rows, &w[a..b], a, &mut c),
                        None => kmeans.fit_partition(&rows, a, &mut c),
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no participant panics"))
            .collect()
    });
    match whole {
        Err(e) => {
            // Every participant fails; the first one whose own rows were refused reports e.
            assert!(
                results.iter().all(Result::is_err),
                "fit failed ({e:?}) but a part succeeded"
            );
            let own = results
                .iter()
                .find_map(|r| match r {
                    Err(KMeansError::PeerRefused { .. }) => None,
                    Err(x) => Some(x.clone()),
                    Ok(_) => None,
                })
                .expect("some participant reports its own error");
            assert_eq!(own, e, "partitioned error differs from fit's");
        }
        Ok(m) => {
            let models: Vec<KMeansModel<T>> = results
                .into_iter()
                .map(|r| r.unwrap_or_else(|e| panic!("fit succeeded but a part failed: {e:?}")))
                .collect();
            let labels: Vec<usize> = models.iter().flat_map(|x| x.labels().iter().copied()).collect();
            assert_eq!(labels, m.labels(), "labels");
            for x in &models {
                let bits = |v: &KMeansModel<T>| -> Vec<u64> {
                    v.centroids().iter().map(|c| c.wide().to_bits()).collect()
                };
                assert_eq!(bits(x), bits(&m), "centroids");
                assert_eq!(x.inertia().to_bits(), m.inertia().to_bits(), "inertia");
                assert_eq!(x.n_iter(), m.n_iter());
                assert_eq!(x.stop_reason(), m.stop_reason());
                assert_eq!(x.cluster_sizes(), m.cluster_sizes());
            }
        }
    }
}

struct State {
    round: u64,
    arrived: usize,
    slots: Vec<Vec<u8>>,
    last: Arc<Vec<Vec<u8>>>,
    departed: bool,
}

struct Shared {
    state: Mutex<State>,
    ready: Condvar,
    size: usize,
}

impl Shared {
    fn new(size: usize) -> Self {
        Shared {
            state: Mutex::new(State {
                round: 0,
                arrived: 0,
                slots: vec![Vec::new(); size],
                last: Arc::new(Vec::new()),
                departed: false,
            }),
            ready: Condvar::new(),
            size,
        }
    }
}

/// A threaded collective whose ranks need not follow the row order.
struct Threads {
    shared: Arc<Shared>,
    rank: usize,
}

impl Collective for Threads {
    fn size(&self) -> usize {
        self.shared.size
    }
    fn rank(&self) -> usize {
        self.rank
    }
    fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
        let gone = || KMeansError::Collective {
            reason: "a participant left".into(),
        };
        let mut st = self.shared.state.lock().map_err(|_| gone())?;
        if st.departed {
            return Err(gone());
        }
        st.slots[self.rank] = message.to_vec();
        st.arrived += 1;
        if st.arrived == self.shared.size {
            let slots = std::mem::replace(&mut st.slots, vec![Vec::new(); self.shared.size]);
            st.last = Arc::new(slots);
            st.arrived = 0;
            st.round += 1;
            self.shared.ready.notify_all();
            return Ok(st.last.as_ref().clone());
        }
        let round = st.round;
        while st.round == round {
            if st.departed {
                return Err(gone());
            }
            st = self.shared.ready.wait(st).map_err(|_| gone())?;
        }
        Ok(st.last.as_ref().clone())
    }
}

impl Drop for Threads {
    fn drop(&mut self) {
        if let Ok(mut st) = self.shared.state.lock() {
            st.departed = true;
            self.shared.ready.notify_all();
        }
    }
}
