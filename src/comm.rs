//! The exact reductions a fit over partitions needs, built on one [`Collective`] all-gather:
//! integer sums, minima, maxima, and gathers. With one participant (an ordinary `fit`) every
//! reduction is the identity and nothing is encoded.
//!
//! Messages are little-endian words; every participant's message of a round must have the
//! same length (the fit is the same everywhere), which is checked.

use std::cell::RefCell;

use crate::collective::Collective;
use crate::error::KMeansError;

/// The exchange of one participant, or none for a single process.
pub(crate) struct Comm<'a> {
    collective: Option<RefCell<&'a mut dyn Collective>>,
}

impl std::fmt::Debug for Comm<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Comm")
            .field("participants", &self.size())
            .finish()
    }
}

/// A fixed-width word a message is made of.
pub(crate) trait Word: Copy {
    const BYTES: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(bytes: &[u8]) -> Self;
}

macro_rules! word {
    ($t:ty) => {
        impl Word for $t {
            const BYTES: usize = core::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().expect("a whole word"))
            }
        }
    };
}
word!(i128);
word!(i64);
word!(u64);
word!(f64);

impl<'a> Comm<'a> {
    /// A single process: every reduction is the identity.
    pub(crate) fn solo() -> Comm<'static> {
        Comm { collective: None }
    }

    /// The exchange of one participant among `collective.size()`.
    pub(crate) fn over(collective: &'a mut dyn Collective) -> Self {
        if collective.size() <= 1 {
            return Comm { collective: None };
        }
        Comm {
            collective: Some(RefCell::new(collective)),
        }
    }

    /// The number of participants.
    pub(crate) fn size(&self) -> usize {
        self.collective.as_ref().map_or(1, |c| c.borrow().size())
    }

    /// Every participant's `words`, in rank order (one vector per participant).
    pub(crate) fn gather<W: Word>(&self, words: &[W]) -> Result<Vec<Vec<W>>, KMeansError> {
        let Some(c) = &self.collective else {
            return Ok(vec![words.to_vec()]);
        };
        let mut message = Vec::with_capacity(words.len() * W::BYTES);
        for &w in words {
            w.put(&mut message);
        }
        let replies = c.borrow_mut().all_gather(&message)?;
        replies
            .iter()
            .map(|r| {
                if r.len() % W::BYTES != 0 {
                    return Err(KMeansError::Collective {
                        reason: format!("a message of {} bytes is not a whole number of words", r.len()),
                    });
                }
                Ok(r.chunks_exact(W::BYTES).map(W::get).collect())
            })
            .collect()
    }

    /// Every participant's `words`, which must all have the same length.
    fn gather_equal<W: Word>(&self, words: &[W]) -> Result<Vec<Vec<W>>, KMeansError> {
        let all = self.gather(words)?;
        if all.iter().any(|v| v.len() != words.len()) {
            return Err(KMeansError::Collective {
                reason: "participants sent statistics of different sizes: they are not running the same fit"
                    .into(),
            });
        }
        Ok(all)
    }

    /// Element-wise exact sum over the participants (wrapping never happens: every caller
    /// bounds its totals).
    pub(crate) fn sum_i128(&self, v: &mut [i128]) -> Result<(), KMeansError> {
        if self.collective.is_none() {
            return Ok(());
        }
        let all = self.gather_equal(v)?;
        for (e, x) in v.iter_mut().enumerate() {
            *x = all.iter().map(|p| p[e]).sum();
        }
        Ok(())
    }

    /// Element-wise exact sum over the participants.
    pub(crate) fn sum_i64(&self, v: &mut [i64]) -> Result<(), KMeansError> {
        if self.collective.is_none() {
            return Ok(());
        }
        let all = self.gather_equal(v)?;
        for (e, x) in v.iter_mut().enumerate() {
            *x = all.iter().map(|p| p[e]).sum();
        }
        Ok(())
    }

    /// Element-wise minimum over the participants (exact).
    pub(crate) fn min_f64(&self, v: &mut [f64]) -> Result<(), KMeansError> {
        if self.collective.is_none() {
            return Ok(());
        }
        let all = self.gather_equal(v)?;
        for (e, x) in v.iter_mut().enumerate() {
            *x = all.iter().map(|p| p[e]).fold(f64::INFINITY, f64::min);
        }
        Ok(())
    }

    /// Element-wise maximum over the participants (exact).
    pub(crate) fn max_f64(&self, v: &mut [f64]) -> Result<(), KMeansError> {
        if self.collective.is_none() {
            return Ok(());
        }
        let all = self.gather_equal(v)?;
        for (e, x) in v.iter_mut().enumerate() {
            *x = all.iter().map(|p| p[e]).fold(f64::NEG_INFINITY, f64::max);
        }
        Ok(())
    }
}
