//! [`Collective`] on a timely dataflow worker.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use k_means::KMeansError;
use k_means::distributed::Collective;
use timely::dataflow::InputHandleVec;
use timely::dataflow::operators::vec::Broadcast;
use timely::dataflow::operators::{Input, Inspect};
use timely::worker::Worker;

/// One message of a round: `(round, sender, payload)`. The round is also the message's
/// timestamp; carrying it in the record keeps the inbox independent of how timely batches.
type Message = (u64, u32, Vec<u8>);

/// Messages received and not yet handed out, by round, then by sender.
type Inbox = BTreeMap<u64, BTreeMap<u32, Vec<u8>>>;

/// How long the worker parks at most while it waits for a peer's message. The network threads
/// wake it when data arrive; the bound only makes sure a failed connection (which poisons the
/// worker's queues) is noticed promptly, by the next step.
const PARK: Duration = Duration::from_millis(100);

/// [`Collective`] over a timely dataflow: one timely worker per process (rayon threads inside
/// the core crate do the compute), every process a participant, its rank the worker index.
///
/// # Protocol
///
/// Construction builds one dataflow, `input → broadcast → inspect`, with `u64` timestamps.
/// The `r`-th [`all_gather`](Collective::all_gather) (round `r`, from 0) sends one record
/// `(r, rank, message)` at time `r`, broadcast to every worker (its own included), advances the
/// input to `r + 1` (which flushes it), then steps the worker until its inbox holds the round-`r`
/// message of all `size` participants, and returns them ordered by sender.
///
/// * **Rounds are keyed.** A faster peer may finish round `r`, compute, and send its round
///   `r + 1` message before this worker has received everyone's round `r`: the inbox is a map
///   from round to messages, so early messages wait for their round and never mix with the
///   current one.
/// * **Order is by sender, not arrival.** The inbox keeps each round's messages in a map keyed
///   by sender; arrival order, which varies from run to run, never shows.
/// * **No barrier beyond the data.** A round is complete when its `size` messages are in; the
///   worker does not wait for timely's progress tracking to close the timestamp. A second
///   message from one sender for one round, or a message for a round already handed out, is
///   a protocol error ([`KMeansError::Collective`]).
///
/// # What crosses, and where all-to-all stops being fine
///
/// Per Lloyd iteration every process broadcasts its cluster statistics, about `k × (16·d + 8)`
/// bytes (the core crate's fixed-point sums and counts: 52 kB for k = 100, d = 32; 2 MB for
/// k = 1000, d = 128), so each process sends `P − 1` copies and receives `P − 1` messages, and
/// the network carries `P·(P − 1)` messages per round. That is fine up to a few dozen
/// processes: at P = 32 and k·d = 128 000 a round moves about 64 MB per process in and out.
/// Beyond that, or on slow links, a reduction tree (gather to one worker, merge exactly, then
/// broadcast the merged statistics) would send `O(P)` messages per round instead; the core
/// crate's merges are exact and order-free, so such a transport would give the same bits.
///
/// # Failures
///
/// timely has no fault tolerance: when a peer dies or a socket closes, timely's network thread
/// for that peer (named `timely:recv-I` / `timely:send-I`, `I` the peer's index) panics and
/// poisons the worker's queues, so the next step of this worker panics too (the worker parks
/// for at most 100 ms at a time while it waits), and the process ends with an error rather than
/// hanging. The `k-means-timely` binary installs a panic hook that turns the network thread's
/// panic into one message naming the lost process and exit status 1.
pub struct TimelyCollective {
    worker: Worker,
    input: InputHandleVec<u64, Message>,
    inbox: Rc<RefCell<Inbox>>,
    round: u64,
    rank: usize,
    size: usize,
    bytes_sent: u64,
    largest: usize,
}

impl std::fmt::Debug for TimelyCollective {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimelyCollective")
            .field("rank", &self.rank)
            .field("size", &self.size)
            .field("round", &self.round)
            .field("bytes_sent", &self.bytes_sent)
            .field("largest", &self.largest)
            .finish_non_exhaustive()
    }
}

impl TimelyCollective {
    /// Builds the all-gather dataflow on `worker`. Every worker of the computation must call
    /// this once, before its first [`all_gather`](Collective::all_gather) (dataflows are
    /// matched across workers by the order in which they are built).
    pub fn new(worker: &mut Worker) -> Self {
        let inbox = Rc::new(RefCell::new(Inbox::new()));
        let mut input = InputHandleVec::new();
        let sink = Rc::clone(&inbox);
        worker.dataflow::<u64, _, _>(|scope| {
            scope
                .input_from(&mut input)
                .broadcast()
                .inspect(move |(round, sender, payload): &Message| {
                    // Duplicates are detected in `all_gather`, where an error can be returned.
                    let mut inbox = sink.borrow_mut();
                    let slot = inbox.entry(*round).or_default();
                    if slot.insert(*sender, payload.clone()).is_some() {
                        slot.insert(u32::MAX, Vec::new());
                    }
                });
        });
        TimelyCollective {
            rank: worker.index(),
            size: worker.peers(),
            worker: worker.clone(),
            input,
            inbox,
            round: 0,
            bytes_sent: 0,
            largest: 0,
        }
    }

    /// Rounds completed so far (calls of [`all_gather`](Collective::all_gather)).
    #[must_use]
    pub fn rounds(&self) -> u64 {
        self.round
    }

    /// Payload bytes this participant has broadcast so far (each payload counted once, not once
    /// per receiver; add 16 bytes per record for the round and sender tags).
    #[must_use]
    pub fn bytes_sent(&self) -> u64 {
        self.bytes_sent
    }

    /// The largest payload this participant has broadcast, in bytes.
    #[must_use]
    pub fn largest_message(&self) -> usize {
        self.largest
    }

    fn error(&self, reason: String) -> KMeansError {
        KMeansError::Collective {
            reason: format!(
                "process {} of {}, round {}: {reason}",
                self.rank, self.size, self.round
            ),
        }
    }
}

impl Collective for TimelyCollective {
    fn size(&self) -> usize {
        self.size
    }

    fn rank(&self) -> usize {
        self.rank
    }

    fn all_gather(&mut self, message: &[u8]) -> Result<Vec<Vec<u8>>, KMeansError> {
        let round = self.round;
        let sender = u32::try_from(self.rank).map_err(|_| self.error("too many processes".into()))?;
        self.input.send((round, sender, message.to_vec()));
        self.input.advance_to(round + 1);
        self.bytes_sent += message.len() as u64;
        self.largest = self.largest.max(message.len());
        loop {
            {
                let inbox = self.inbox.borrow();
                if let Some((&first, _)) = inbox.first_key_value()
                    && first < round
                {
                    return Err(self.error(format!("a message of finished round {first} arrived")));
                }
                if let Some(slot) = inbox.get(&round) {
                    if slot.contains_key(&u32::MAX) {
                        return Err(self.error("a sender sent twice in one round".into()));
                    }
                    if let Some((&last, _)) = slot.last_key_value()
                        && last as usize >= self.size
                    {
                        return Err(self.error(format!("a message from unknown sender {last}")));
                    }
                    if slot.len() == self.size {
                        break;
                    }
                }
            }
            self.worker.step_or_park(Some(PARK));
        }
        let slot = self.inbox.borrow_mut().remove(&round).unwrap_or_default();
        self.round += 1;
        // Keys are the senders 0..size (checked above: `size` distinct keys below u32::MAX, each
        // a rank), so the map's order is rank order.
        Ok(slot.into_values().collect())
    }
}
