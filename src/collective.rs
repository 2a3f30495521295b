//! The transport-neutral exchange primitive of fits over partitions (public as
//! [`crate::distributed::Collective`]).

use crate::error::KMeansError;

/// The one exchange a fit over partitions needs: every participant sends one message and
/// receives everyone's.
///
/// Every participant calls [`all_gather`](Collective::all_gather) the same number of times, in
/// the same sequence (the fit is deterministic, so it does); the `r`-th call of every
/// participant forms round `r`. A transport must deliver, for each round, all the participants'
/// messages of that round in rank order, never mixing rounds (a fast participant's next message
/// can arrive before a slow one's current message: key messages by round). The crate builds
/// its exact reductions (integer sums, minima, maxima, broadcasts) on top of it, so the order
/// of arrival never matters; only completeness does.
///
/// What crosses per iteration of Lloyd's algorithm: one all-gather of each participant's
/// cluster sums, `k × (16·d + 8)` bytes (about 2 MB for k = 1000, d = 128), plus a few bytes of
/// flags; a round for the farthest rows when a cluster empties. Seeding with greedy k-means++
/// takes three small rounds per centroid.
///
/// # Examples
///
/// A transport for a single participant:
///
/// ```
/// use k_means::KMeansError;
/// use k_means::distributed::Collective;
///
/// struct Alone;
/// impl Collective for Alone {
///     fn size(&self) -> usize { 1 }
///     fn rank(&self) -> usize { 0 }
///     fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
///         Ok(vec![message.to_vec()])
///     }
/// }
/// let rows = vec![[0.0_f64], [1.0], [10.0], [11.0]];
/// let model = k_means::KMeans::new(2).fit_partition(&rows, 0, &mut Alone)?;
/// assert_eq!(model.inertia(), 1.0);
/// # Ok::<(), KMeansError>(())
/// ```
pub trait Collective {
    /// The number of participants (≥ 1).
    fn size(&self) -> usize;
    /// This participant's rank, in `0..size()`.
    fn rank(&self) -> usize;
    /// Sends `message` to every participant and returns the messages of this round from every
    /// participant, in rank order (this participant's own included).
    ///
    /// # Errors
    ///
    /// A transport failure (a peer gone, a broken connection), reported as
    /// [`KMeansError::Collective`]; the fit then returns it.
    fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError>;
}
