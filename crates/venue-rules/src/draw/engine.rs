//! Lucky-draw engine: draws prize winners from the ticket pool, reproducibly and verifiably.
//!
//! Pure Rust without Bevy types, I/O or clock; only [`new_seed`] touches the OS (for entropy).
//!
//! # Rules
//!
//! - Tickets are drawn, not people: a holder with three tickets has three times the chance of a
//!   holder with one. Holders are compared as exact strings (the feed's opaque holder token).
//! - A holder wins a prize at most once, and wins at most one prize overall unless the prize has
//!   `allow_previous_winners`.
//! - A prize's winners may be drawn in batches (10 as 5 + 5). Every batch and every no-show
//!   replacement uses a fresh seed; reusing one is refused.
//! - The pool is never refilled: when fewer eligible holders remain than winners are asked for,
//!   the draw fails with [`DrawError::PoolExhausted`] and draws nobody.
//! - No-show: [`replace_no_show`] draws exactly one replacement. The absent holder forfeits that
//!   prize and stays excluded from it, but no longer counts as a winner for other prizes (they
//!   received nothing).
//!
//! The exclusion set of a draw for prize P: the holders of P's current winners and P's no-shows,
//! plus, unless P allows previous winners, the holders of every prize's current winners.
//!
//! # Eligibility groups
//!
//! A ticket may carry groups (`staff`, `speaker` …, compared as exact strings). A prize may name
//! `eligible_groups` (only tickets carrying at least one of them may win it) and `excluded_groups`
//! (no ticket carrying any of them may win it); both empty, the default, means every ticket is
//! eligible. Groups belong to tickets, not holders: a holder's other tickets keep their own groups.
//! A prize's eligible pool smaller than its winners fails with [`DrawError::GroupsTooNarrow`],
//! naming the groups, and draws nobody. The record keeps both lists so that the draw can be
//! recomputed; a record without them (every record from before groups existed) had none.
//!
//! # Algorithm `chacha20-v1`
//!
//! Inputs: the pool of `(number, holder)` tickets, the exclusion set E, the winner count k and a
//! 32-byte seed.
//!
//! 1. Candidates C: the tickets whose holder is not in E and that are eligible for the prize's
//!    groups (see above; without groups every ticket is), sorted by ticket number ascending
//!    (ticket numbers are unique in the pool).
//! 2. If C holds fewer than k distinct holders, fail; nothing is drawn.
//! 3. Random values: ChaCha20 (20 rounds) keyed with the seed, 64-bit block counter starting at
//!    0 and 64-bit nonce 0, i.e. the RFC 8439 block function with an all-zero nonce. Value number
//!    i (from 0) is keystream bytes `8i..8i+8` read as a little-endian u64. This is exactly
//!    `rand_chacha::ChaCha20Rng::from_seed(seed).next_u64()`, called repeatedly.
//! 4. `pick(n)`: `zone = u64::MAX - (u64::MAX % n)`; take the next value x until `x < zone`;
//!    the result is `x % n`. (Unbiased; implemented here so it cannot change with `rand`.)
//! 5. Until k winners are found: `i = pick(len(C))`; take `t = C[i]` and remove it by
//!    swap-remove (the last element of C moves into position i; if i is the last position the
//!    element is just dropped). If t's holder already won in this draw, t is discarded and the
//!    loop continues; otherwise t is the next winner.
//!
//! Winners are reported in draw order. Step 5 discards a winning holder's other tickets lazily,
//! which keeps a draw O(pool + picks) and gives each remaining eligible ticket the same chance.
//!
//! # Commit–reveal
//!
//! Before the draw the kiosk shows, with [`fingerprint`]s, the seed commitment
//! [`seed_commitment`] = hex(SHA-256(the 32 seed bytes)) and the [`tickets_hash`] of the pool,
//! and records `committed_at`. At the draw it reveals the seed. Anyone holding the ticket list
//! can check SHA-256(seed) against the commitment and rerun the algorithm above; the operator
//! cannot swap the seed after showing its commitment.
//!
//! [`tickets_hash`] is the lowercase hex SHA-256 of this UTF-8 text: for each ticket in ticket
//! number order, one line `{number}\t{holder}\n` (number in decimal without leading zeros). In
//! the holder, `\` is written `\\`, tab `\t`, line feed `\n` and carriage return `\r` (two
//! characters each) so that lines cannot be forged by odd holder tokens. A ticket with groups
//! appends, before the line feed, one `\t{group}` per group in ascending byte order without
//! duplicates, each escaped like the holder; a ticket without groups hashes exactly as before
//! groups existed.
//!
//! # Anchoring with the event server
//!
//! With an event server, the kiosk registers the commitment before the draw
//! (`POST /api/v1/draw/commitments`, docs/contract.md) and the server answers with a random
//! 32-byte nonce of its own, which it keeps with the commitment and the time it got it. The
//! ChaCha20 key of step 3 is then not the kiosk's seed itself but [`anchored_seed`]:
//!
//! ```text
//! key = SHA-256( "venue-kiosk draw anchor v1" || 0x00 || seed (32 bytes) || server_nonce (32 bytes) )
//! ```
//!
//! (the tag is the 26 ASCII bytes shown, then one zero byte; 91 bytes hashed in all). The record
//! keeps the kiosk's `seed` (so SHA-256(seed) is still the commitment), the `server_nonce` (hex)
//! and when the server registered it (`anchored_at`). The kiosk cannot know the key before the
//! server has the commitment, and the server cannot steer it without the kiosk's seed, so neither
//! side alone can choose the winners. A record without `server_nonce` is **not anchored** (no
//! event server, or none reachable when the draw was armed; `not_anchored` says which): its key is
//! the seed, exactly as before anchoring existed, so old journals verify unchanged.
//!
//! # Audit
//!
//! Every batch and replacement returns an [`AuditRecord`] (JSON via serde). [`DrawState`] is the
//! fold of the records in order ([`DrawState::replay`]), so the state before record k — and thus
//! its exclusion set — can always be rebuilt; [`verify`] recomputes one record bit for bit and
//! lists every field that differs, [`verify_journal`] checks a whole journal.

use std::collections::{BTreeSet, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The algorithm version written into every audit record.
pub const ALGORITHM_V1: &str = "chacha20-v1";

/// The 32 secret bytes that decide one batch.
pub type Seed = [u8; 32];

/// One ticket in the pool; the caller maps the feed's tickets onto this.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngineTicket {
    pub number: u32,
    /// Opaque per-attendee token; all tickets of one person share it.
    pub holder: String,
    /// Eligibility groups of this ticket (module doc, "Eligibility groups"); usually empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<String>,
}

impl EngineTicket {
    /// A ticket without groups.
    pub fn new(number: u32, holder: impl Into<String>) -> Self {
        Self {
            number,
            holder: holder.into(),
            groups: Vec::new(),
        }
    }
}

/// A prize as the engine needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnginePrize {
    pub id: String,
    pub winner_count: u32,
    pub allow_previous_winners: bool,
    /// Default batch size when the operator does not give one.
    pub batch_size: Option<u32>,
    /// Only tickets carrying at least one of these groups may win; empty: no such limit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eligible_groups: Vec<String>,
    /// No ticket carrying any of these groups may win.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_groups: Vec<String>,
}

impl EnginePrize {
    /// Whether a ticket carrying `groups` may win this prize (module doc, "Eligibility groups").
    pub fn admits(&self, groups: &[String]) -> bool {
        (self.eligible_groups.is_empty() || self.eligible_groups.iter().any(|g| groups.contains(g)))
            && !self.excluded_groups.iter().any(|g| groups.contains(g))
    }

    /// Whether the prize limits its tickets by group at all.
    pub fn has_groups(&self) -> bool {
        !self.eligible_groups.is_empty() || !self.excluded_groups.is_empty()
    }
}

/// A winning ticket and its holder.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EngineWinner {
    pub ticket: u32,
    pub holder: String,
}

impl fmt::Display for EngineWinner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} ({})", self.ticket, self.holder)
    }
}

/// What one batch or one no-show replacement did, with everything needed to recompute it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// Position of this record in the journal of all draws, from 0.
    pub sequence: u64,
    pub prize_id: String,
    pub winner_count: u32,
    pub allow_previous_winners: bool,
    /// The prize's eligible groups at the draw (module doc); absent: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub eligible_groups: Vec<String>,
    /// The prize's excluded groups at the draw; absent: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excluded_groups: Vec<String>,
    /// Number of this record among the prize's records (batches and replacements), from 1.
    pub batch: u32,
    /// Winners asked for in this record (1 for a replacement).
    pub batch_size: u32,
    pub algorithm: String,
    /// The revealed seed, lowercase hex.
    pub seed: String,
    /// hex(SHA-256(seed bytes)), shown before the reveal.
    pub seed_commitment: String,
    pub tickets_hash: String,
    pub pool_size: u64,
    /// Tickets left after removing the excluded holders' tickets and the tickets the prize's
    /// groups leave out.
    pub eligible_tickets: u64,
    /// Holders excluded from this draw, sorted.
    pub excluded_holders: Vec<String>,
    /// In draw order.
    pub winners: Vec<EngineWinner>,
    /// For a no-show replacement: the winner who did not show up.
    pub replaces: Option<EngineWinner>,
    /// Why the replacement was drawn, as the operator gave it.
    pub reason: Option<String>,
    /// Set by the caller: when the seed commitment was shown.
    pub committed_at: Option<DateTime<Utc>>,
    /// Set by the caller: when the seed was revealed and the draw ran.
    pub revealed_at: Option<DateTime<Utc>>,
    /// The event server's nonce (64 hex digits) when the draw was anchored: the ChaCha20 key is
    /// [`anchored_seed`]`(seed, server_nonce)`. None: not anchored, the key is the seed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_nonce: Option<String>,
    /// When the event server registered the commitment (its clock), for an anchored record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchored_at: Option<DateTime<Utc>>,
    /// Set by the caller on a record that is not anchored: why (no event server configured, the
    /// server could not be reached …). None on anchored records and on records written before
    /// anchoring existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_anchored: Option<String>,
}

impl AuditRecord {
    fn anchored(mut self, anchor: Option<&ServerAnchor>) -> Self {
        self.server_nonce = anchor.map(|a| a.server_nonce.to_ascii_lowercase());
        self.anchored_at = anchor.map(|a| a.registered_at);
        self
    }

    /// Whether the draw's key was anchored with a server nonce (see the module doc).
    pub fn is_anchored(&self) -> bool {
        self.server_nonce.is_some()
    }
}

/// The event server's answer to a registered commitment: its nonce and when it got the commitment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerAnchor {
    /// 64 hex digits.
    pub server_nonce: String,
    pub registered_at: DateTime<Utc>,
}

/// The domain tag of [`anchored_seed`] (followed by one zero byte in the hashed input).
pub const ANCHOR_TAG: &[u8] = b"venue-kiosk draw anchor v1";

/// The ChaCha20 key of an anchored draw: SHA-256(tag || 0x00 || seed || server nonce).
pub fn anchored_seed(seed: &Seed, server_nonce: &[u8; 32]) -> Seed {
    let mut hasher = Sha256::new();
    hasher.update(ANCHOR_TAG);
    hasher.update([0u8]);
    hasher.update(seed);
    hasher.update(server_nonce);
    hasher.finalize().into()
}

/// The key the algorithm runs on: the anchored seed with a server nonce, else the seed itself.
fn draw_key(seed: &Seed, anchor: Option<&ServerAnchor>) -> Result<Seed, DrawError> {
    match anchor {
        None => Ok(*seed),
        Some(anchor) => parse_seed(&anchor.server_nonce)
            .map(|nonce| anchored_seed(seed, &nonce))
            .ok_or_else(|| DrawError::BadNonce(anchor.server_nonce.clone())),
    }
}

/// The outcome of [`draw_batch`] or [`replace_no_show`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BatchResult {
    pub record: AuditRecord,
    /// Winners of the prize still to draw after this batch.
    pub remaining: u32,
}

impl BatchResult {
    pub fn winners(&self) -> &[EngineWinner] {
        &self.record.winners
    }
}

/// One prize's progress.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrizeProgress {
    pub prize_id: String,
    /// Current winners in draw order; a replacement takes the slot of the no-show it replaces.
    pub winners: Vec<EngineWinner>,
    /// Winners who did not show up, in order.
    pub no_shows: Vec<EngineWinner>,
    /// Audit records (batches and replacements) applied for this prize.
    pub records: u32,
}

/// Who has won what so far: the fold of the audit records in order. Journal it, or rebuild it
/// with [`DrawState::replay`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrawState {
    /// In the order their first record was applied.
    prizes: Vec<PrizeProgress>,
    /// Commitments of all seeds used, so that no seed decides two draws.
    used_seed_commitments: Vec<String>,
    records_applied: u64,
}

/// Why a draw could not be made. Nothing is drawn and the state is untouched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DrawError {
    #[error("the ticket pool is empty: there is nothing to draw from")]
    NoTickets,
    #[error("ticket #{number} appears more than once in the pool; fix the ticket list before drawing")]
    DuplicateTicket { number: u32 },
    #[error("prize \"{prize}\" is set up with 0 winners, so there is nothing to draw")]
    ZeroWinners { prize: String },
    #[error("prize \"{prize}\": a batch must draw at least 1 winner")]
    ZeroBatch { prize: String },
    #[error("prize \"{prize}\" has only {remaining} winner(s) left to draw, but a batch of {requested} was asked for")]
    BatchTooLarge { prize: String, requested: u32, remaining: u32 },
    #[error("prize \"{prize}\" already has all {winner_count} winner(s)")]
    PrizeComplete { prize: String, winner_count: u32 },
    #[error(
        "only {eligible_holders} eligible ticket holder(s) left for prize \"{prize}\", but {requested} winner(s) were asked for; the pool is never refilled automatically"
    )]
    PoolExhausted {
        prize: String,
        requested: u32,
        eligible_holders: u64,
    },
    #[error(
        "only {eligible_holders} eligible ticket holder(s) left for prize \"{prize}\" ({groups}), but {requested} winner(s) were asked for; widen the prize's groups or lower its winners"
    )]
    GroupsTooNarrow {
        prize: String,
        requested: u32,
        eligible_holders: u64,
        /// The prize's groups in words, e.g. `only staff, speaker; excluding sponsor`.
        groups: String,
    },
    #[error("ticket #{ticket} is not a current winner of prize \"{prize}\", so it cannot be replaced as a no-show")]
    NotAWinner { prize: String, ticket: u32 },
    #[error("this seed (commitment {commitment_fingerprint}) was already used for an earlier draw; every batch needs a fresh seed")]
    SeedReused { commitment_fingerprint: String },
    #[error("the server nonce \"{0}\" is not 64 hex digits")]
    BadNonce(String),
}

/// One field where an audit record differs from the recomputation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    pub field: String,
    /// Recomputed from the pool, the prior state and the record's seed.
    pub expected: String,
    /// What the record says.
    pub found: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: expected {}, found {}", self.field, self.expected, self.found)
    }
}

/// Why an audit record does not check out.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("unsupported draw algorithm \"{0}\" (this build verifies \"{ALGORITHM_V1}\")")]
    UnsupportedAlgorithm(String),
    #[error("the record's seed \"{0}\" is not 64 hex digits")]
    BadSeed(String),
    #[error("the draw cannot be recomputed: {0}")]
    Recompute(DrawError),
    #[error("the audit record does not match the recomputed draw: {}", join_differences(.0))]
    Mismatch(Vec<Difference>),
    #[error("record {index} (prize \"{prize_id}\", batch {batch}): {source}")]
    InRecord {
        index: usize,
        prize_id: String,
        batch: u32,
        source: Box<VerifyError>,
    },
}

fn join_differences(differences: &[Difference]) -> String {
    differences.iter().map(Difference::to_string).collect::<Vec<_>>().join("; ")
}

impl DrawState {
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds the state from a journal of records, checking only that they fit together
    /// (order, batch numbers, replaced winners); use [`verify_journal`] to recompute them too.
    pub fn replay(records: &[AuditRecord]) -> Result<Self, VerifyError> {
        let mut state = Self::default();
        for (index, record) in records.iter().enumerate() {
            state.apply(record).map_err(|error| in_record(index, record, error))?;
        }
        Ok(state)
    }

    /// Applies the next record of the journal.
    pub fn apply(&mut self, record: &AuditRecord) -> Result<(), VerifyError> {
        let mut differences = Vec::new();
        if record.sequence != self.records_applied {
            differences.push(diff("sequence", self.records_applied, record.sequence));
        }
        let expected_batch = self.prize(&record.prize_id).map_or(0, |p| p.records) + 1;
        if record.batch != expected_batch {
            differences.push(diff("batch", expected_batch, record.batch));
        }
        if let Some(absent) = &record.replaces {
            if !self.winners_of(&record.prize_id).contains(absent) {
                differences.push(diff(
                    "replaces",
                    format!("a current winner of prize \"{}\"", record.prize_id),
                    absent,
                ));
            }
            if record.winners.len() != 1 {
                differences.push(diff("winners (count)", 1, record.winners.len()));
            }
        }
        if self.used_seed_commitments.contains(&record.seed_commitment) {
            differences.push(diff("seed_commitment", "a seed not used before", &record.seed_commitment));
        }
        if !differences.is_empty() {
            return Err(VerifyError::Mismatch(differences));
        }
        self.apply_unchecked(record);
        Ok(())
    }

    /// Callers have checked `record` against this state (see [`DrawState::apply`]).
    fn apply_unchecked(&mut self, record: &AuditRecord) {
        let index = match self.prizes.iter().position(|p| p.prize_id == record.prize_id) {
            Some(index) => index,
            None => {
                self.prizes.push(PrizeProgress {
                    prize_id: record.prize_id.clone(),
                    ..Default::default()
                });
                self.prizes.len() - 1
            }
        };
        let progress = &mut self.prizes[index];
        progress.records += 1;
        match &record.replaces {
            Some(absent) => {
                if let Some(slot) = progress.winners.iter().position(|w| w == absent) {
                    progress.winners[slot] = record.winners[0].clone();
                }
                progress.no_shows.push(absent.clone());
            }
            None => progress.winners.extend(record.winners.iter().cloned()),
        }
        self.used_seed_commitments.push(record.seed_commitment.clone());
        self.records_applied += 1;
    }

    /// The sequence number the next record will get.
    pub fn next_sequence(&self) -> u64 {
        self.records_applied
    }

    pub fn prizes(&self) -> &[PrizeProgress] {
        &self.prizes
    }

    pub fn prize(&self, prize_id: &str) -> Option<&PrizeProgress> {
        self.prizes.iter().find(|p| p.prize_id == prize_id)
    }

    /// Current winners of a prize, in draw order (empty if it was never drawn).
    pub fn winners_of(&self, prize_id: &str) -> &[EngineWinner] {
        self.prize(prize_id).map_or(&[], |p| p.winners.as_slice())
    }

    /// Prize ids the holder currently has won.
    pub fn prizes_won_by(&self, holder: &str) -> Vec<&str> {
        self.prizes
            .iter()
            .filter(|p| p.winners.iter().any(|w| w.holder == holder))
            .map(|p| p.prize_id.as_str())
            .collect()
    }

    pub fn has_won(&self, holder: &str) -> bool {
        self.prizes.iter().any(|p| p.winners.iter().any(|w| w.holder == holder))
    }

    /// Winners still to draw for the prize.
    pub fn remaining(&self, prize: &EnginePrize) -> u32 {
        let drawn = u32::try_from(self.winners_of(&prize.id).len()).unwrap_or(u32::MAX);
        prize.winner_count.saturating_sub(drawn)
    }

    pub fn is_complete(&self, prize: &EnginePrize) -> bool {
        self.remaining(prize) == 0
    }

    /// Holders who may not win the prize's next draw.
    fn excluded_for(&self, prize_id: &str, allow_previous_winners: bool) -> BTreeSet<&str> {
        let mut excluded = BTreeSet::new();
        if let Some(progress) = self.prize(prize_id) {
            excluded.extend(progress.winners.iter().chain(&progress.no_shows).map(|w| w.holder.as_str()));
        }
        if !allow_previous_winners {
            excluded.extend(self.prizes.iter().flat_map(|p| &p.winners).map(|w| w.holder.as_str()));
        }
        excluded
    }
}

/// Draws the next batch of a prize's winners. `batch_size: None` takes the prize's configured
/// batch size (the last batch may be smaller), or all remaining winners. The state is updated
/// only on success.
pub fn draw_batch(
    state: &mut DrawState,
    pool: &[EngineTicket],
    prize: &EnginePrize,
    batch_size: Option<u32>,
    seed: Seed,
) -> Result<BatchResult, DrawError> {
    draw_batch_anchored(state, pool, prize, batch_size, seed, None)
}

/// [`draw_batch`] with the event server's anchor: the key is [`anchored_seed`] (module doc).
pub fn draw_batch_anchored(
    state: &mut DrawState,
    pool: &[EngineTicket],
    prize: &EnginePrize,
    batch_size: Option<u32>,
    seed: Seed,
    anchor: Option<&ServerAnchor>,
) -> Result<BatchResult, DrawError> {
    let record = compute_batch(state, pool, prize, batch_size, &seed, anchor)?;
    state.apply_unchecked(&record);
    Ok(BatchResult {
        remaining: state.remaining(prize),
        record,
    })
}

/// Draws one replacement for a winner of `prize` who did not show up. The absent holder stays
/// excluded from this prize; the record keeps both and the reason.
pub fn replace_no_show(
    state: &mut DrawState,
    pool: &[EngineTicket],
    prize: &EnginePrize,
    absent_ticket: u32,
    reason: &str,
    seed: Seed,
) -> Result<BatchResult, DrawError> {
    replace_no_show_anchored(state, pool, prize, absent_ticket, reason, seed, None)
}

/// [`replace_no_show`] with the event server's anchor.
pub fn replace_no_show_anchored(
    state: &mut DrawState,
    pool: &[EngineTicket],
    prize: &EnginePrize,
    absent_ticket: u32,
    reason: &str,
    seed: Seed,
    anchor: Option<&ServerAnchor>,
) -> Result<BatchResult, DrawError> {
    let record = compute_replacement(state, pool, prize, absent_ticket, reason, &seed, anchor)?;
    state.apply_unchecked(&record);
    Ok(BatchResult {
        remaining: state.remaining(prize),
        record,
    })
}

/// Recomputes `record` from the pool and the state before it, and lists every difference.
/// Timestamps are not recomputed; they only have to be in order.
pub fn verify(record: &AuditRecord, pool: &[EngineTicket], prior: &DrawState) -> Result<(), VerifyError> {
    if record.algorithm != ALGORITHM_V1 {
        return Err(VerifyError::UnsupportedAlgorithm(record.algorithm.clone()));
    }
    let seed = parse_seed(&record.seed).ok_or_else(|| VerifyError::BadSeed(record.seed.clone()))?;
    let prize = EnginePrize {
        id: record.prize_id.clone(),
        winner_count: record.winner_count,
        allow_previous_winners: record.allow_previous_winners,
        batch_size: None,
        eligible_groups: record.eligible_groups.clone(),
        excluded_groups: record.excluded_groups.clone(),
    };
    let anchor = record.server_nonce.as_ref().map(|nonce| ServerAnchor {
        server_nonce: nonce.clone(),
        registered_at: record.anchored_at.unwrap_or_default(),
    });
    let expected = match &record.replaces {
        None => compute_batch(prior, pool, &prize, Some(record.batch_size), &seed, anchor.as_ref()),
        Some(absent) => compute_replacement(
            prior,
            pool,
            &prize,
            absent.ticket,
            record.reason.as_deref().unwrap_or(""),
            &seed,
            anchor.as_ref(),
        ),
    }
    .map_err(VerifyError::Recompute)?;

    let mut differences = Vec::new();
    let mut check = |field: &str, expected: String, found: String| {
        if expected != found {
            differences.push(Difference {
                field: field.to_owned(),
                expected,
                found,
            });
        }
    };
    check("sequence", expected.sequence.to_string(), record.sequence.to_string());
    check("batch", expected.batch.to_string(), record.batch.to_string());
    check("batch_size", expected.batch_size.to_string(), record.batch_size.to_string());
    check("seed_commitment", expected.seed_commitment, record.seed_commitment.clone());
    check("tickets_hash", expected.tickets_hash, record.tickets_hash.clone());
    check("pool_size", expected.pool_size.to_string(), record.pool_size.to_string());
    check(
        "eligible_tickets",
        expected.eligible_tickets.to_string(),
        record.eligible_tickets.to_string(),
    );
    check(
        "replaces",
        describe_winner(expected.replaces.as_ref()),
        describe_winner(record.replaces.as_ref()),
    );
    let winner_slots = expected.winners.len().max(record.winners.len());
    for slot in 0..winner_slots {
        check(
            &format!("winners[{slot}]"),
            describe_winner(expected.winners.get(slot)),
            describe_winner(record.winners.get(slot)),
        );
    }
    let expected_excluded: BTreeSet<&String> = expected.excluded_holders.iter().collect();
    let found_excluded: BTreeSet<&String> = record.excluded_holders.iter().collect();
    for holder in expected_excluded.difference(&found_excluded) {
        differences.push(diff("excluded_holders", format!("{holder} excluded"), "not listed"));
    }
    for holder in found_excluded.difference(&expected_excluded) {
        differences.push(diff("excluded_holders", "not listed", format!("{holder} excluded")));
    }
    if let (Some(committed), Some(revealed)) = (record.committed_at, record.revealed_at)
        && committed > revealed
    {
        differences.push(diff("committed_at", format!("at or before revealed_at {revealed}"), committed));
    }
    if differences.is_empty() {
        Ok(())
    } else {
        Err(VerifyError::Mismatch(differences))
    }
}

/// Verifies every record of a journal against one pool, in order, and returns the final state.
pub fn verify_journal(records: &[AuditRecord], pool: &[EngineTicket]) -> Result<DrawState, VerifyError> {
    let mut state = DrawState::default();
    for (index, record) in records.iter().enumerate() {
        verify(record, pool, &state)
            .and_then(|()| state.apply(record))
            .map_err(|error| in_record(index, record, error))?;
    }
    Ok(state)
}

/// hex(SHA-256(seed)): shown before the draw, checked after the reveal.
pub fn seed_commitment(seed: &Seed) -> String {
    hex::encode(Sha256::digest(seed))
}

/// hex(SHA-256) of the pool's canonical text (see the module doc). Ties in ticket number, which a
/// valid pool never has, are ordered by holder so the hash is still defined.
pub fn tickets_hash(pool: &[EngineTicket]) -> String {
    let mut order: Vec<&EngineTicket> = pool.iter().collect();
    order.sort_unstable_by(|a, b| (a.number, &a.holder).cmp(&(b.number, &b.holder)));
    hash_tickets(order.into_iter())
}

/// Short human form of a hex digest for the screen: the first 16 hex digits in groups of 4,
/// e.g. `3f1c-9a0e-5b7d-2c48`.
pub fn fingerprint(hex_digest: &str) -> String {
    let digits: Vec<char> = hex_digest
        .chars()
        .filter(char::is_ascii_hexdigit)
        .take(16)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    digits
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// A fresh seed from the thread's cryptographically secure generator (seeded by the OS).
pub fn new_seed() -> Seed {
    let mut seed = [0u8; 32];
    rand::rng().fill_bytes(&mut seed);
    seed
}

/// Parses 64 hex digits (either case) into a seed.
pub fn parse_seed(hex_seed: &str) -> Option<Seed> {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(hex_seed, &mut seed).ok()?;
    Some(seed)
}

fn compute_batch(
    state: &DrawState,
    pool: &[EngineTicket],
    prize: &EnginePrize,
    batch_size: Option<u32>,
    seed: &Seed,
    anchor: Option<&ServerAnchor>,
) -> Result<AuditRecord, DrawError> {
    if prize.winner_count == 0 {
        return Err(DrawError::ZeroWinners { prize: prize.id.clone() });
    }
    let remaining = state.remaining(prize);
    if remaining == 0 {
        return Err(DrawError::PrizeComplete {
            prize: prize.id.clone(),
            winner_count: prize.winner_count,
        });
    }
    let size = match batch_size {
        Some(size) => size,
        None => prize.batch_size.map_or(remaining, |size| size.min(remaining)),
    };
    if size == 0 {
        return Err(DrawError::ZeroBatch { prize: prize.id.clone() });
    }
    if size > remaining {
        return Err(DrawError::BatchTooLarge {
            prize: prize.id.clone(),
            requested: size,
            remaining,
        });
    }
    let excluded = state.excluded_for(&prize.id, prize.allow_previous_winners);
    let drawn = draw_v1(state, pool, &excluded, prize, size, seed, &draw_key(seed, anchor)?)?;
    Ok(drawn.into_record(state, prize, size, seed, None, None).anchored(anchor))
}

fn compute_replacement(
    state: &DrawState,
    pool: &[EngineTicket],
    prize: &EnginePrize,
    absent_ticket: u32,
    reason: &str,
    seed: &Seed,
    anchor: Option<&ServerAnchor>,
) -> Result<AuditRecord, DrawError> {
    if prize.winner_count == 0 {
        return Err(DrawError::ZeroWinners { prize: prize.id.clone() });
    }
    let absent = state
        .winners_of(&prize.id)
        .iter()
        .find(|w| w.ticket == absent_ticket)
        .ok_or_else(|| DrawError::NotAWinner {
            prize: prize.id.clone(),
            ticket: absent_ticket,
        })?
        .clone();
    // The absent holder is still among the prize's current winners here, so stays excluded.
    let excluded = state.excluded_for(&prize.id, prize.allow_previous_winners);
    let drawn = draw_v1(state, pool, &excluded, prize, 1, seed, &draw_key(seed, anchor)?)?;
    Ok(drawn
        .into_record(state, prize, 1, seed, Some(absent), Some(reason.to_owned()))
        .anchored(anchor))
}

/// Result of one run of the algorithm, before it becomes a record.
struct Drawn {
    tickets_hash: String,
    pool_size: u64,
    eligible_tickets: u64,
    excluded_holders: Vec<String>,
    winners: Vec<EngineWinner>,
}

impl Drawn {
    fn into_record(
        self,
        state: &DrawState,
        prize: &EnginePrize,
        batch_size: u32,
        seed: &Seed,
        replaces: Option<EngineWinner>,
        reason: Option<String>,
    ) -> AuditRecord {
        AuditRecord {
            sequence: state.next_sequence(),
            prize_id: prize.id.clone(),
            winner_count: prize.winner_count,
            allow_previous_winners: prize.allow_previous_winners,
            eligible_groups: prize.eligible_groups.clone(),
            excluded_groups: prize.excluded_groups.clone(),
            batch: state.prize(&prize.id).map_or(0, |p| p.records) + 1,
            batch_size,
            algorithm: ALGORITHM_V1.to_owned(),
            seed: hex::encode(seed),
            seed_commitment: seed_commitment(seed),
            tickets_hash: self.tickets_hash,
            pool_size: self.pool_size,
            eligible_tickets: self.eligible_tickets,
            excluded_holders: self.excluded_holders,
            winners: self.winners,
            replaces,
            reason,
            committed_at: None,
            revealed_at: None,
            server_nonce: None,
            anchored_at: None,
            not_anchored: None,
        }
    }
}

/// The `chacha20-v1` algorithm of the module doc; `seed` is the committed one, `key` the ChaCha20
/// key (the seed, or the anchored seed).
fn draw_v1(
    state: &DrawState,
    pool: &[EngineTicket],
    excluded: &BTreeSet<&str>,
    prize: &EnginePrize,
    count: u32,
    seed: &Seed,
    key: &Seed,
) -> Result<Drawn, DrawError> {
    if pool.is_empty() {
        return Err(DrawError::NoTickets);
    }
    let commitment = seed_commitment(seed);
    if state.used_seed_commitments.contains(&commitment) {
        return Err(DrawError::SeedReused {
            commitment_fingerprint: fingerprint(&commitment),
        });
    }
    let order = number_order(pool)?;
    let tickets_hash = hash_tickets(order.iter().map(|&i| &pool[i]));

    let mut candidates: Vec<usize> = if excluded.is_empty() {
        order
    } else {
        // Hashing beats B-tree string comparisons over a million lookups.
        let excluded: HashSet<&str> = excluded.iter().copied().collect();
        order.into_iter().filter(|&i| !excluded.contains(pool[i].holder.as_str())).collect()
    };
    if prize.has_groups() {
        candidates.retain(|&i| prize.admits(&pool[i].groups));
    }
    let eligible_tickets = candidates.len() as u64;

    // Checked before any pick so the loop below always ends; stop counting once enough are seen.
    let wanted = count as usize;
    // Capacity from the pool, never from the request: a forged count must not reserve gigabytes.
    let mut holders: HashSet<&str> = HashSet::with_capacity(wanted.min(candidates.len()));
    for &i in &candidates {
        holders.insert(pool[i].holder.as_str());
        if holders.len() >= wanted {
            break;
        }
    }
    if holders.len() < wanted && prize.has_groups() {
        return Err(DrawError::GroupsTooNarrow {
            prize: prize.id.clone(),
            requested: count,
            eligible_holders: holders.len() as u64,
            groups: describe_groups(&prize.eligible_groups, &prize.excluded_groups),
        });
    }
    if holders.len() < wanted {
        return Err(DrawError::PoolExhausted {
            prize: prize.id.clone(),
            requested: count,
            eligible_holders: holders.len() as u64,
        });
    }

    let mut rng = ChaCha20Rng::from_seed(*key);
    let mut won: HashSet<&str> = HashSet::with_capacity(wanted.min(candidates.len()));
    let mut winners = Vec::with_capacity(wanted.min(candidates.len()));
    while winners.len() < wanted {
        let pick = pick_index(&mut rng, candidates.len());
        let ticket = &pool[candidates.swap_remove(pick)];
        if won.insert(ticket.holder.as_str()) {
            winners.push(EngineWinner {
                ticket: ticket.number,
                holder: ticket.holder.clone(),
            });
        }
    }
    Ok(Drawn {
        tickets_hash,
        pool_size: pool.len() as u64,
        eligible_tickets,
        excluded_holders: excluded.iter().map(|h| (*h).to_owned()).collect(),
        winners,
    })
}

/// Uniform index below `n` (n ≥ 1) by rejection sampling; see step 4 of the module doc.
fn pick_index(rng: &mut impl RngCore, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let value = rng.next_u64();
        if value < zone {
            return (value % n) as usize;
        }
    }
}

/// Pool indices in ticket number order; refuses duplicate numbers.
fn number_order(pool: &[EngineTicket]) -> Result<Vec<usize>, DrawError> {
    if pool.windows(2).all(|pair| pair[0].number < pair[1].number) {
        return Ok((0..pool.len()).collect());
    }
    let mut keyed: Vec<(u32, usize)> = pool.iter().enumerate().map(|(i, t)| (t.number, i)).collect();
    keyed.sort_unstable();
    if let Some(pair) = keyed.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(DrawError::DuplicateTicket { number: pair[0].0 });
    }
    Ok(keyed.into_iter().map(|(_, i)| i).collect())
}

/// SHA-256 of the canonical lines of tickets given in number order.
fn hash_tickets<'a>(tickets: impl Iterator<Item = &'a EngineTicket>) -> String {
    const FLUSH_AT: usize = 60 * 1024;
    let mut hasher = Sha256::new();
    let mut buffer: Vec<u8> = Vec::with_capacity(FLUSH_AT + 1024);
    for ticket in tickets {
        push_decimal(&mut buffer, ticket.number);
        buffer.push(b'\t');
        push_escaped(&mut buffer, &ticket.holder);
        if !ticket.groups.is_empty() {
            let groups: BTreeSet<&str> = ticket.groups.iter().map(String::as_str).collect();
            for group in groups {
                buffer.push(b'\t');
                push_escaped(&mut buffer, group);
            }
        }
        buffer.push(b'\n');
        if buffer.len() >= FLUSH_AT {
            hasher.update(&buffer);
            buffer.clear();
        }
    }
    hasher.update(&buffer);
    hex::encode(hasher.finalize())
}

/// Decimal digits without leading zeros; avoids a String allocation per ticket.
fn push_decimal(buffer: &mut Vec<u8>, mut number: u32) {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (number % 10) as u8;
        number /= 10;
        if number == 0 {
            break;
        }
    }
    buffer.extend_from_slice(&digits[start..]);
}

fn push_escaped(buffer: &mut Vec<u8>, holder: &str) {
    if !holder.bytes().any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')) {
        buffer.extend_from_slice(holder.as_bytes());
        return;
    }
    for byte in holder.bytes() {
        match byte {
            b'\\' => buffer.extend_from_slice(b"\\\\"),
            b'\t' => buffer.extend_from_slice(b"\\t"),
            b'\n' => buffer.extend_from_slice(b"\\n"),
            b'\r' => buffer.extend_from_slice(b"\\r"),
            other => buffer.push(other),
        }
    }
}

/// A prize's groups in words for messages and reports: `only staff, speaker; excluding sponsor`,
/// or `all groups` without any.
pub fn describe_groups(eligible: &[String], excluded: &[String]) -> String {
    let mut parts = Vec::new();
    if !eligible.is_empty() {
        parts.push(format!("only {}", eligible.join(", ")));
    }
    if !excluded.is_empty() {
        parts.push(format!("excluding {}", excluded.join(", ")));
    }
    if parts.is_empty() {
        "all groups".to_owned()
    } else {
        parts.join("; ")
    }
}

fn describe_winner(winner: Option<&EngineWinner>) -> String {
    winner.map_or_else(|| "none".to_owned(), EngineWinner::to_string)
}

fn diff(field: &str, expected: impl fmt::Display, found: impl fmt::Display) -> Difference {
    Difference {
        field: field.to_owned(),
        expected: expected.to_string(),
        found: found.to_string(),
    }
}

fn in_record(index: usize, record: &AuditRecord, error: VerifyError) -> VerifyError {
    VerifyError::InRecord {
        index,
        prize_id: record.prize_id.clone(),
        batch: record.batch,
        source: Box::new(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket(number: u32, holder: &str) -> EngineTicket {
        EngineTicket {
            number,
            holder: holder.to_owned(),
            groups: Vec::new(),
        }
    }

    fn prize(id: &str, winner_count: u32) -> EnginePrize {
        EnginePrize {
            id: id.to_owned(),
            winner_count,
            allow_previous_winners: false,
            batch_size: None,
            eligible_groups: Vec::new(),
            excluded_groups: Vec::new(),
        }
    }

    /// 50 tickets numbered 100, 103, …, 247, held by 17 holders (2–3 tickets each), given in
    /// reverse order so that sorting matters.
    fn pool50() -> Vec<EngineTicket> {
        (0..50u32)
            .rev()
            .map(|i| ticket(100 + 3 * i, &format!("holder-{:02}", i % 17)))
            .collect()
    }

    /// Distinct seeds for statistical tests.
    fn seed_n(n: u64) -> Seed {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&n.to_le_bytes());
        seed[31] = 0xA5;
        seed
    }

    fn tickets_of(winners: &[EngineWinner]) -> Vec<u32> {
        winners.iter().map(|w| w.ticket).collect()
    }

    // ---- reference implementation, written from the module doc only ----

    /// RFC 8439 ChaCha20 block with a 64-bit counter in words 12–13 and zero nonce.
    fn reference_block(key: &Seed, counter: u64) -> [u8; 64] {
        fn quarter(s: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
            s[a] = s[a].wrapping_add(s[b]);
            s[d] = (s[d] ^ s[a]).rotate_left(16);
            s[c] = s[c].wrapping_add(s[d]);
            s[b] = (s[b] ^ s[c]).rotate_left(12);
            s[a] = s[a].wrapping_add(s[b]);
            s[d] = (s[d] ^ s[a]).rotate_left(8);
            s[c] = s[c].wrapping_add(s[d]);
            s[b] = (s[b] ^ s[c]).rotate_left(7);
        }
        let mut input = [0u32; 16];
        input[..4].copy_from_slice(&[0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574]);
        for (word, bytes) in input[4..12].iter_mut().zip(key.chunks(4)) {
            *word = u32::from_le_bytes(bytes.try_into().unwrap());
        }
        input[12] = counter as u32;
        input[13] = (counter >> 32) as u32;
        let mut state = input;
        for _ in 0..10 {
            quarter(&mut state, 0, 4, 8, 12);
            quarter(&mut state, 1, 5, 9, 13);
            quarter(&mut state, 2, 6, 10, 14);
            quarter(&mut state, 3, 7, 11, 15);
            quarter(&mut state, 0, 5, 10, 15);
            quarter(&mut state, 1, 6, 11, 12);
            quarter(&mut state, 2, 7, 8, 13);
            quarter(&mut state, 3, 4, 9, 14);
        }
        let mut out = [0u8; 64];
        for (i, chunk) in out.chunks_mut(4).enumerate() {
            chunk.copy_from_slice(&state[i].wrapping_add(input[i]).to_le_bytes());
        }
        out
    }

    struct ReferenceStream {
        key: Seed,
        counter: u64,
        block: [u8; 64],
        used: usize,
    }

    impl ReferenceStream {
        fn new(key: Seed) -> Self {
            Self {
                key,
                counter: 0,
                block: [0; 64],
                used: 64,
            }
        }
        fn next_u64(&mut self) -> u64 {
            if self.used == 64 {
                self.block = reference_block(&self.key, self.counter);
                self.counter += 1;
                self.used = 0;
            }
            let value = u64::from_le_bytes(self.block[self.used..self.used + 8].try_into().unwrap());
            self.used += 8;
            value
        }
    }

    fn reference_draw(pool: &[EngineTicket], excluded: &[&str], count: usize, seed: Seed) -> Vec<u32> {
        let mut candidates: Vec<&EngineTicket> = pool.iter().filter(|t| !excluded.contains(&t.holder.as_str())).collect();
        candidates.sort_by_key(|t| t.number);
        let mut stream = ReferenceStream::new(seed);
        let mut won: Vec<&str> = Vec::new();
        let mut winners = Vec::new();
        while winners.len() < count {
            let n = candidates.len() as u64;
            let zone = u64::MAX - (u64::MAX % n);
            let value = loop {
                let value = stream.next_u64();
                if value < zone {
                    break value;
                }
            };
            let i = (value % n) as usize;
            let last = candidates.pop().unwrap();
            let picked = if i == candidates.len() {
                last
            } else {
                std::mem::replace(&mut candidates[i], last)
            };
            if !won.contains(&picked.holder.as_str()) {
                won.push(&picked.holder);
                winners.push(picked.number);
            }
        }
        winners
    }

    #[test]
    fn chacha20_stream_matches_the_documented_keystream() {
        for seed in [[7u8; 32], seed_n(1), [0u8; 32]] {
            let mut rng = ChaCha20Rng::from_seed(seed);
            let mut reference = ReferenceStream::new(seed);
            // 300 values cross rand_chacha's 4-block buffer several times.
            for i in 0..300 {
                assert_eq!(rng.next_u64(), reference.next_u64(), "value {i}");
            }
        }
        // The reference itself: RFC 8439 appendix A.1 test vector #1 (all-zero key and nonce).
        assert_eq!(hex::encode(&reference_block(&[0; 32], 0)[..16]), "76b8e0ada0f13d90405d6ae55386bd28");
    }

    /// Replays fixed values, to reach the rejection branch that ChaCha20 practically never hits.
    struct FixedValues(Vec<u64>);

    impl RngCore for FixedValues {
        fn next_u32(&mut self) -> u32 {
            unreachable!("the algorithm only uses next_u64")
        }
        fn next_u64(&mut self) -> u64 {
            self.0.remove(0)
        }
        fn fill_bytes(&mut self, _: &mut [u8]) {
            unreachable!("the algorithm only uses next_u64")
        }
    }

    #[test]
    fn pick_index_rejects_the_biased_top_zone() {
        // u64::MAX % 10 == 5: the top 6 values would favour indices 0..=5, so they are redrawn.
        let mut values = FixedValues(vec![u64::MAX - 5, u64::MAX, u64::MAX - 6, 42]);
        assert_eq!(pick_index(&mut values, 10), 9);
        assert_eq!(pick_index(&mut values, 10), 2);
        // u64::MAX % 3 == 0, so the zone is u64::MAX itself and only u64::MAX is redrawn.
        assert_eq!(pick_index(&mut FixedValues(vec![u64::MAX, u64::MAX - 1]), 3), 2);
        assert_eq!(pick_index(&mut FixedValues(vec![u64::MAX, 7]), 1), 0);
    }

    #[test]
    fn engine_matches_the_reference_draw() {
        let pool = pool50();
        for n in 0..300u64 {
            let mut state = DrawState::new();
            let first = draw_batch(&mut state, &pool, &prize("a", 6), None, seed_n(n)).unwrap();
            assert_eq!(tickets_of(first.winners()), reference_draw(&pool, &[], 6, seed_n(n)), "seed {n}");
            let excluded: Vec<&str> = first.winners().iter().map(|w| w.holder.as_str()).collect();
            let second = draw_batch(&mut state, &pool, &prize("b", 11), None, seed_n(n + 10_000)).unwrap();
            assert_eq!(
                tickets_of(second.winners()),
                reference_draw(&pool, &excluded, 11, seed_n(n + 10_000)),
                "seed {n}"
            );
        }
    }

    // ---- golden values: computed once by this implementation, then pinned (an independent
    // Python rewrite of the module doc and Python's hashlib gave the same values) ----

    #[test]
    fn golden_winners_for_seed_7() {
        let pool = pool50();
        let mut state = DrawState::new();
        let grand = draw_batch(&mut state, &pool, &prize("grand", 5), None, [7u8; 32]).unwrap();
        assert_eq!(tickets_of(grand.winners()), GOLDEN_GRAND);
        let second = draw_batch(&mut state, &pool, &prize("second", 3), None, [8u8; 32]).unwrap();
        assert_eq!(tickets_of(second.winners()), GOLDEN_SECOND);
        assert_eq!(second.record.eligible_tickets, GOLDEN_SECOND_ELIGIBLE);
    }

    const GOLDEN_GRAND: [u32; 5] = [124, 181, 136, 100, 220];
    const GOLDEN_SECOND: [u32; 3] = [244, 166, 157];
    const GOLDEN_SECOND_ELIGIBLE: u64 = 35;

    #[test]
    fn golden_hashes() {
        assert_eq!(
            seed_commitment(&[7u8; 32]),
            "4bb06f8e4e3a7715d201d573d0aa423762e55dabd61a2c02278fa56cc6d294e0"
        );
        assert_eq!(
            tickets_hash(&pool50()),
            "704e86c5192b6810784227e237b1f924f043f4f912123b20d7d017243d8c6ad7"
        );
        assert_eq!(fingerprint(&tickets_hash(&pool50())), "704e-86c5-192b-6810");
        assert_eq!(fingerprint("3F1C9A0E5B7D2C48ffff"), "3f1c-9a0e-5b7d-2c48");
    }

    #[test]
    fn tickets_hash_ignores_input_order_and_escapes_separators() {
        let pool = pool50();
        let mut sorted = pool.clone();
        sorted.sort_by_key(|t| t.number);
        assert_eq!(tickets_hash(&pool), tickets_hash(&sorted));
        // Without escaping, both would be the text "1\ta\n2\tb\n".
        let forged = [ticket(1, "a\n2\tb")];
        let honest = [ticket(1, "a"), ticket(2, "b")];
        assert_ne!(tickets_hash(&forged), tickets_hash(&honest));
        // The escapes are part of the canonical text, byte for byte.
        let edges = [ticket(0, "z"), ticket(10, "t"), ticket(u32::MAX, "m")];
        assert_eq!(tickets_hash(&edges), hex::encode(Sha256::digest(b"0\tz\n10\tt\n4294967295\tm\n")));
        let odd = [ticket(7, "a\tb\\c\rd\ne")];
        assert_eq!(tickets_hash(&odd), hex::encode(Sha256::digest(b"7\ta\\tb\\\\c\\rd\\ne\n")));
        let mut changed = pool.clone();
        changed[3].holder.push('x');
        assert_ne!(tickets_hash(&changed), tickets_hash(&pool));
    }

    // ---- eligibility groups ----

    /// pool50 with groups: every 5th ticket (by i) is staff, every 7th a speaker, i = 0 both.
    fn pool50_groups() -> Vec<EngineTicket> {
        let mut pool = pool50();
        for t in &mut pool {
            let i = (t.number - 100) / 3;
            if i % 5 == 0 {
                t.groups.push("staff".into());
            }
            if i % 7 == 0 {
                t.groups.push("speaker".into());
            }
        }
        pool
    }

    fn grouped(id: &str, winner_count: u32, eligible: &[&str], excluded: &[&str]) -> EnginePrize {
        EnginePrize {
            eligible_groups: eligible.iter().map(|g| (*g).to_owned()).collect(),
            excluded_groups: excluded.iter().map(|g| (*g).to_owned()).collect(),
            ..prize(id, winner_count)
        }
    }

    /// The module doc's step 1 with groups, written from the doc: filter, then the plain reference.
    fn reference_group_draw(pool: &[EngineTicket], prize: &EnginePrize, excluded: &[&str], count: usize, seed: Seed) -> Vec<u32> {
        let admitted: Vec<EngineTicket> = pool
            .iter()
            .filter(|t| prize.eligible_groups.is_empty() || t.groups.iter().any(|g| prize.eligible_groups.contains(g)))
            .filter(|t| !t.groups.iter().any(|g| prize.excluded_groups.contains(g)))
            .cloned()
            .collect();
        reference_draw(&admitted, excluded, count, seed)
    }

    #[test]
    fn groups_limit_the_candidates_like_the_reference() {
        let pool = pool50_groups();
        for n in 0..200u64 {
            let mut state = DrawState::new();
            let main = grouped("main", 6, &[], &["staff", "speaker"]);
            let first = draw_batch(&mut state, &pool, &main, None, seed_n(n)).unwrap();
            assert_eq!(
                tickets_of(first.winners()),
                reference_group_draw(&pool, &main, &[], 6, seed_n(n)),
                "seed {n}"
            );
            for w in first.winners() {
                let t = pool.iter().find(|t| t.number == w.ticket).unwrap();
                assert!(t.groups.is_empty(), "seed {n}: #{} is {:?}", t.number, t.groups);
            }
            let excluded: Vec<&str> = first.winners().iter().map(|w| w.holder.as_str()).collect();
            let crew = grouped("crew", 2, &["staff"], &[]);
            let second = draw_batch(&mut state, &pool, &crew, None, seed_n(n + 10_000)).unwrap();
            assert_eq!(
                tickets_of(second.winners()),
                reference_group_draw(&pool, &crew, &excluded, 2, seed_n(n + 10_000)),
                "seed {n}"
            );
            assert_eq!(second.record.eligible_groups, ["staff"]);
            assert!(
                verify(
                    &second.record,
                    &pool,
                    &DrawState::replay(std::slice::from_ref(&first.record)).unwrap()
                )
                .is_ok()
            );
        }
    }

    #[test]
    fn golden_winners_with_groups() {
        let pool = pool50_groups();
        assert_eq!(tickets_hash(&pool), GOLDEN_GROUPS_HASH);
        let mut state = DrawState::new();
        let main = draw_batch(&mut state, &pool, &grouped("main", 5, &[], &["staff", "speaker"]), None, [7u8; 32]).unwrap();
        assert_eq!(tickets_of(main.winners()), GOLDEN_MAIN);
        assert_eq!(main.record.eligible_tickets, GOLDEN_MAIN_ELIGIBLE);
        let crew = draw_batch(&mut state, &pool, &grouped("crew", 2, &["staff", "speaker"], &[]), None, [8u8; 32]).unwrap();
        assert_eq!(tickets_of(crew.winners()), GOLDEN_CREW);
        assert_eq!(crew.record.eligible_tickets, GOLDEN_CREW_ELIGIBLE);
        // The record names its groups; without groups the record's JSON has no such keys.
        let json = serde_json::to_string(&main.record).unwrap();
        assert!(
            json.contains(r#""excluded_groups":["staff","speaker"]"#) && !json.contains("eligible_groups"),
            "{json}"
        );
        let plain = draw_batch(&mut DrawState::new(), &pool50(), &prize("grand", 5), None, [7u8; 32]).unwrap();
        assert!(!serde_json::to_string(&plain.record).unwrap().contains("groups"));
    }

    const GOLDEN_GROUPS_HASH: &str = "6855e228f0efaa57cb0d59a7ce3921539b8a017d0ade41fe96500b250fca336a";
    // The hash was also computed by Python's hashlib from the module doc's canonical text.
    const GOLDEN_MAIN: [u32; 5] = [208, 199, 154, 181, 229];
    const GOLDEN_MAIN_ELIGIBLE: u64 = 34;
    const GOLDEN_CREW: [u32; 2] = [235, 100];
    const GOLDEN_CREW_ELIGIBLE: u64 = 14;

    #[test]
    fn tickets_hash_covers_groups_sorted_and_escaped() {
        let plain = [ticket(1, "a")];
        let mut staff = plain.clone();
        staff[0].groups = vec!["staff".into(), "b\tc".into(), "staff".into()];
        assert_eq!(tickets_hash(&plain), hex::encode(Sha256::digest(b"1\ta\n")));
        assert_eq!(tickets_hash(&staff), hex::encode(Sha256::digest(b"1\ta\tb\\tc\tstaff\n")));
        staff[0].groups.reverse();
        assert_eq!(
            tickets_hash(&staff),
            hex::encode(Sha256::digest(b"1\ta\tb\\tc\tstaff\n")),
            "order does not matter"
        );
    }

    #[test]
    fn too_narrow_groups_say_so_and_draw_nobody() {
        let pool = pool50_groups();
        let mut state = DrawState::new();
        // 10 staff tickets (i = 0, 5, …, 45) held by at most 10 holders.
        let err = draw_batch(&mut state, &pool, &grouped("crew", 11, &["staff"], &[]), None, [1u8; 32]).unwrap_err();
        let DrawError::GroupsTooNarrow { eligible_holders, .. } = &err else {
            panic!("{err:?}")
        };
        assert!(*eligible_holders <= 10);
        let text = err.to_string();
        assert!(text.contains("only staff") && text.contains("11 winner(s)"), "{text}");
        assert_eq!(state, DrawState::new());
        let err = draw_batch(&mut state, &pool, &grouped("x", 1, &["nobody"], &["staff"]), None, [1u8; 32]).unwrap_err();
        assert!(err.to_string().contains("(only nobody; excluding staff)"), "{err}");
        // Without groups the old error stays.
        let err = draw_batch(&mut state, &pool, &prize("all", 18), None, [1u8; 32]).unwrap_err();
        assert!(matches!(err, DrawError::PoolExhausted { .. }), "{err:?}");
    }

    #[test]
    fn a_record_with_changed_groups_is_a_mismatch() {
        let pool = pool50_groups();
        let main = draw_batch(&mut DrawState::new(), &pool, &grouped("main", 3, &[], &["staff"]), None, [9u8; 32]).unwrap();
        assert_eq!(verify(&main.record, &pool, &DrawState::new()), Ok(()));
        let mut forged = main.record.clone();
        forged.excluded_groups.clear();
        let Err(VerifyError::Mismatch(differences)) = verify(&forged, &pool, &DrawState::new()) else {
            panic!("dropping the groups must not verify")
        };
        assert!(differences.iter().any(|d| d.field == "eligible_tickets"), "{differences:?}");
        // A ticket moved out of staff changes the tickets hash.
        let mut moved = pool.clone();
        moved.iter_mut().find(|t| t.groups == ["staff"]).unwrap().groups.clear();
        let Err(VerifyError::Mismatch(differences)) = verify(&main.record, &moved, &DrawState::new()) else {
            panic!("other groups must not verify")
        };
        assert!(differences.iter().any(|d| d.field == "tickets_hash"), "{differences:?}");
    }

    // ---- behaviour ----

    #[test]
    fn same_inputs_give_the_same_record_and_other_seeds_differ() {
        let pool = pool50();
        let run = |seed| draw_batch(&mut DrawState::new(), &pool, &prize("p", 8), None, seed).unwrap();
        assert_eq!(run([3u8; 32]), run([3u8; 32]));
        assert_ne!(run([3u8; 32]).record.winners, run([4u8; 32]).record.winners);
    }

    #[test]
    fn no_holder_wins_twice_across_prizes() {
        let pool = pool50();
        for n in 0..50u64 {
            let mut state = DrawState::new();
            let mut holders = Vec::new();
            for (i, count) in [5u32, 4, 4, 4].into_iter().enumerate() {
                let result = draw_batch(&mut state, &pool, &prize(&format!("p{i}"), count), None, seed_n(n * 10 + i as u64)).unwrap();
                assert_eq!(result.winners().len(), count as usize);
                holders.extend(result.winners().iter().map(|w| w.holder.clone()));
            }
            assert_eq!(holders.len(), 17);
            assert_eq!(holders.iter().collect::<HashSet<_>>().len(), 17, "seed {n}: {holders:?}");
            // All 17 holders have won: a further prize cannot be drawn.
            let error = draw_batch(&mut state, &pool, &prize("extra", 1), None, seed_n(n + 99_999)).unwrap_err();
            assert_eq!(
                error,
                DrawError::PoolExhausted {
                    prize: "extra".into(),
                    requested: 1,
                    eligible_holders: 0
                }
            );
        }
    }

    #[test]
    fn a_holder_with_most_tickets_still_wins_once_per_prize() {
        let mut pool: Vec<EngineTicket> = (0..95).map(|n| ticket(n, "whale")).collect();
        pool.extend((95..100).map(|n| ticket(n, &format!("small-{n}"))));
        for n in 0..100u64 {
            let mut state = DrawState::new();
            let result = draw_batch(&mut state, &pool, &prize("p", 6), None, seed_n(n)).unwrap();
            let holders: HashSet<&str> = result.winners().iter().map(|w| w.holder.as_str()).collect();
            assert_eq!(holders.len(), 6);
        }
    }

    #[test]
    fn allow_previous_winners_lets_earlier_winners_win_again_but_once_per_prize() {
        let pool = [ticket(1, "ann"), ticket(2, "bob"), ticket(3, "cat"), ticket(4, "cat")];
        let mut state = DrawState::new();
        draw_batch(&mut state, &pool, &prize("first", 3), None, [1; 32]).unwrap();
        let mut open = prize("open", 3);
        open.allow_previous_winners = true;
        let again = draw_batch(&mut state, &pool, &open, None, [2; 32]).unwrap();
        let mut holders: Vec<&str> = again.winners().iter().map(|w| w.holder.as_str()).collect();
        holders.sort_unstable();
        assert_eq!(holders, ["ann", "bob", "cat"]);
        assert_eq!(state.prizes_won_by("cat"), ["first", "open"]);
        let error = draw_batch(&mut state, &pool, &prize("closed", 1), None, [3; 32]).unwrap_err();
        assert_eq!(
            error,
            DrawError::PoolExhausted {
                prize: "closed".into(),
                requested: 1,
                eligible_holders: 0
            }
        );
        // Within a prize that allows previous winners, still nobody twice.
        let mut twice = prize("twice", 4);
        twice.allow_previous_winners = true;
        let error = draw_batch(&mut DrawState::new(), &pool, &twice, None, [4; 32]).unwrap_err();
        assert_eq!(
            error,
            DrawError::PoolExhausted {
                prize: "twice".into(),
                requested: 4,
                eligible_holders: 3
            }
        );
    }

    #[test]
    fn batches_respect_counts_and_each_takes_a_fresh_seed() {
        let pool = pool50();
        let ten = prize("ten", 10);
        let mut state = DrawState::new();
        let first = draw_batch(&mut state, &pool, &ten, Some(5), [11; 32]).unwrap();
        assert_eq!((first.winners().len(), first.remaining, first.record.batch), (5, 5, 1));
        // A batch is the start of what one draw with the same seed would give.
        let whole = draw_batch(&mut DrawState::new(), &pool, &ten, None, [11; 32]).unwrap();
        assert_eq!(first.winners(), &whole.winners()[..5]);

        assert_eq!(
            draw_batch(&mut state, &pool, &ten, Some(5), [11; 32]).unwrap_err(),
            DrawError::SeedReused {
                commitment_fingerprint: fingerprint(&seed_commitment(&[11; 32]))
            }
        );
        assert_eq!(
            draw_batch(&mut state, &pool, &ten, Some(6), [12; 32]).unwrap_err(),
            DrawError::BatchTooLarge {
                prize: "ten".into(),
                requested: 6,
                remaining: 5
            }
        );
        let second = draw_batch(&mut state, &pool, &ten, Some(5), [12; 32]).unwrap();
        assert_eq!((second.remaining, second.record.batch), (0, 2));
        assert_eq!(second.record.excluded_holders.len(), 5);
        let all = state.winners_of("ten");
        assert_eq!(all.len(), 10);
        assert_eq!(all.iter().map(|w| &w.holder).collect::<HashSet<_>>().len(), 10);
        assert_eq!(
            draw_batch(&mut state, &pool, &ten, None, [13; 32]).unwrap_err(),
            DrawError::PrizeComplete {
                prize: "ten".into(),
                winner_count: 10
            }
        );
    }

    #[test]
    fn configured_batch_size_is_the_default_and_the_last_batch_is_smaller() {
        let pool = pool50();
        let mut batched = prize("batched", 10);
        batched.batch_size = Some(4);
        let mut state = DrawState::new();
        let sizes: Vec<usize> = (0..3)
            .map(|i| draw_batch(&mut state, &pool, &batched, None, [20 + i; 32]).unwrap().winners().len())
            .collect();
        assert_eq!(sizes, [4, 4, 2]);
        assert!(state.is_complete(&batched));
    }

    #[test]
    fn every_ticket_can_win() {
        let pool = [
            ticket(5, "a"),
            ticket(9, "a"),
            ticket(2, "b"),
            ticket(7, "c"),
            ticket(8, "c"),
            ticket(1, "c"),
            ticket(3, "d"),
            ticket(4, "e"),
        ];
        let mut seen = BTreeSet::new();
        for n in 0..400 {
            let result = draw_batch(&mut DrawState::new(), &pool, &prize("p", 2), None, seed_n(n)).unwrap();
            seen.extend(tickets_of(result.winners()));
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [1, 2, 3, 4, 5, 7, 8, 9]);
    }

    #[test]
    fn chances_are_proportional_to_tickets_held() {
        let pool = [
            ticket(1, "three"),
            ticket(2, "three"),
            ticket(3, "three"),
            ticket(4, "x"),
            ticket(5, "y"),
            ticket(6, "z"),
        ];
        let mut wins = std::collections::HashMap::new();
        for n in 0..3000 {
            let result = draw_batch(&mut DrawState::new(), &pool, &prize("p", 1), None, seed_n(n)).unwrap();
            *wins.entry(result.winners()[0].holder.clone()).or_insert(0u32) += 1;
        }
        let single_average = f64::from(wins["x"] + wins["y"] + wins["z"]) / 3.0;
        let ratio = f64::from(wins["three"]) / single_average;
        assert!((2.6..=3.4).contains(&ratio), "ratio {ratio:.2}, wins {wins:?}");
    }

    #[test]
    fn errors_are_specific_and_leave_the_state_alone() {
        let pool = pool50();
        let mut state = DrawState::new();
        draw_batch(&mut state, &pool, &prize("done", 2), None, [1; 32]).unwrap();
        let before = state.clone();
        assert_eq!(
            draw_batch(&mut state, &[], &prize("p", 1), None, [2; 32]).unwrap_err(),
            DrawError::NoTickets
        );
        assert_eq!(
            draw_batch(&mut state, &pool, &prize("p", 0), None, [2; 32]).unwrap_err(),
            DrawError::ZeroWinners { prize: "p".into() }
        );
        assert_eq!(
            draw_batch(&mut state, &pool, &prize("p", 3), Some(0), [2; 32]).unwrap_err(),
            DrawError::ZeroBatch { prize: "p".into() }
        );
        assert_eq!(
            draw_batch(&mut state, &pool, &prize("p", 3), Some(4), [2; 32]).unwrap_err(),
            DrawError::BatchTooLarge {
                prize: "p".into(),
                requested: 4,
                remaining: 3
            }
        );
        let exhausted = draw_batch(&mut state, &pool, &prize("p", 16), None, [2; 32]).unwrap_err();
        assert_eq!(
            exhausted,
            DrawError::PoolExhausted {
                prize: "p".into(),
                requested: 16,
                eligible_holders: 15
            }
        );
        assert!(exhausted.to_string().contains("only 15 eligible ticket holder(s)"), "{exhausted}");
        let duplicated = [ticket(4, "a"), ticket(2, "b"), ticket(4, "c")];
        assert_eq!(
            draw_batch(&mut state, &duplicated, &prize("p", 1), None, [2; 32]).unwrap_err(),
            DrawError::DuplicateTicket { number: 4 }
        );
        assert_eq!(
            replace_no_show(&mut state, &pool, &prize("done", 2), 9999, "absent", [2; 32]).unwrap_err(),
            DrawError::NotAWinner {
                prize: "done".into(),
                ticket: 9999
            }
        );
        assert_eq!(state, before);
    }

    #[test]
    fn no_show_replacement_is_fresh_and_the_absent_holder_stays_out_of_that_prize() {
        let pool = pool50();
        for n in 0..100u64 {
            let mut state = DrawState::new();
            draw_batch(&mut state, &pool, &prize("earlier", 4), None, seed_n(3 * n)).unwrap();
            let main = prize("main", 3);
            draw_batch(&mut state, &pool, &main, None, seed_n(3 * n + 1)).unwrap();
            let previous: Vec<EngineWinner> = state.prizes().iter().flat_map(|p| p.winners.clone()).collect();
            let absent = state.winners_of("main")[1].clone();
            let result = replace_no_show(&mut state, &pool, &main, absent.ticket, "not at the stage", seed_n(3 * n + 2)).unwrap();
            let replacement = &result.winners()[0];
            assert!(
                previous.iter().all(|w| w.holder != replacement.holder),
                "seed {n}: {replacement} already won"
            );
            assert_eq!(result.record.replaces.as_ref(), Some(&absent));
            assert_eq!(result.record.reason.as_deref(), Some("not at the stage"));
            assert_eq!(result.remaining, 0);
            assert_eq!(&state.winners_of("main")[1], replacement);
            assert_eq!(state.prize("main").unwrap().no_shows, std::slice::from_ref(&absent));
            assert!(!state.has_won(&absent.holder));
            // Replacing again never brings the absent holder back for this prize.
            let again = replace_no_show(&mut state, &pool, &main, replacement.ticket, "left", seed_n(1_000_000 + n)).unwrap();
            assert_ne!(again.winners()[0].holder, absent.holder);
        }
    }

    #[test]
    fn golden_anchored_seed() {
        // The derivation of the module doc, computed by hand: SHA-256 over tag, 0x00, seed, nonce.
        let mut input = b"venue-kiosk draw anchor v1".to_vec();
        input.push(0);
        input.extend_from_slice(&[7u8; 32]);
        input.extend_from_slice(&[9u8; 32]);
        assert_eq!(input.len(), 91);
        let by_hand: Seed = Sha256::digest(&input).into();
        assert_eq!(anchored_seed(&[7; 32], &[9; 32]), by_hand);
        assert_eq!(hex::encode(anchored_seed(&[7; 32], &[9; 32])), GOLDEN_ANCHORED_7_9);
        assert_eq!(hex::encode(anchored_seed(&[0; 32], &[0; 32])), GOLDEN_ANCHORED_0_0);
        // Either half changes the key.
        assert_ne!(anchored_seed(&[7; 32], &[8; 32]), anchored_seed(&[7; 32], &[9; 32]));
        assert_ne!(anchored_seed(&[6; 32], &[9; 32]), anchored_seed(&[7; 32], &[9; 32]));
    }

    /// Computed independently (Python: `hashlib.sha256(b"venue-kiosk draw anchor v1\x00" + bytes([7]) * 32 + bytes([9]) * 32)`).
    const GOLDEN_ANCHORED_7_9: &str = "722300df16f81aff7953e77df9efec2c1030c9c953e855043db4697ebee5463a";
    const GOLDEN_ANCHORED_0_0: &str = "5d716b9b16cd47acbf7849b06ae4a754993f938dadd6418767cbaec00b8fd9c3";

    fn anchor(nonce: u8) -> ServerAnchor {
        ServerAnchor {
            server_nonce: hex::encode([nonce; 32]),
            registered_at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
        }
    }

    #[test]
    fn an_anchored_draw_runs_on_the_derived_key_and_verifies() {
        let pool = pool50();
        let mut state = DrawState::new();
        let result = draw_batch_anchored(&mut state, &pool, &prize("p", 3), None, [7; 32], Some(&anchor(9))).unwrap();
        let record = &result.record;
        // The seed and its commitment stay the kiosk's; the winners come from the derived key.
        assert_eq!(record.seed, hex::encode([7u8; 32]));
        assert_eq!(record.seed_commitment, seed_commitment(&[7; 32]));
        assert_eq!(record.server_nonce.as_deref(), Some(hex::encode([9u8; 32]).as_str()));
        assert!(record.is_anchored());
        let derived = draw_batch(
            &mut DrawState::new(),
            &pool,
            &prize("p", 3),
            None,
            anchored_seed(&[7; 32], &[9; 32]),
        )
        .unwrap();
        assert_eq!(record.winners, derived.record.winners);
        assert_eq!(tickets_of(&record.winners), GOLDEN_ANCHORED_WINNERS);
        verify(record, &pool, &DrawState::new()).unwrap();
        // Another nonce is another draw: the recorded winners no longer check out.
        let mut forged = record.clone();
        forged.server_nonce = Some(hex::encode([8u8; 32]));
        assert!(matches!(verify(&forged, &pool, &DrawState::new()), Err(VerifyError::Mismatch(_))));
        // Dropping the nonce (claiming an unanchored draw with the same seed) does not check out either.
        let mut stripped = record.clone();
        stripped.server_nonce = None;
        assert!(verify(&stripped, &pool, &DrawState::new()).is_err());
        let mut bad = record.clone();
        bad.server_nonce = Some("zz".into());
        assert!(matches!(
            verify(&bad, &pool, &DrawState::new()),
            Err(VerifyError::Recompute(DrawError::BadNonce(_)))
        ));
        // An old record (no anchoring fields) still reads and serialises as before.
        let old = draw_batch(&mut DrawState::new(), &pool, &prize("p", 3), None, [7; 32])
            .unwrap()
            .record;
        let json = serde_json::to_string(&old).unwrap();
        assert!(!json.contains("server_nonce") && !json.contains("not_anchored"), "{json}");
        assert_eq!(serde_json::from_str::<AuditRecord>(&json).unwrap(), old);
    }

    const GOLDEN_ANCHORED_WINNERS: &[u32] = &[163, 142, 229];

    fn sample_journal(pool: &[EngineTicket]) -> (Vec<AuditRecord>, DrawState) {
        let mut state = DrawState::new();
        let mut records = Vec::new();
        let mut ten = prize("ten", 6);
        ten.batch_size = Some(3);
        records.push(draw_batch(&mut state, pool, &prize("grand", 2), None, [1; 32]).unwrap().record);
        records.push(draw_batch(&mut state, pool, &ten, None, [2; 32]).unwrap().record);
        records.push(draw_batch(&mut state, pool, &ten, None, [3; 32]).unwrap().record);
        let absent = state.winners_of("grand")[0].ticket;
        let mut replaced = replace_no_show(&mut state, pool, &prize("grand", 2), absent, "no answer after 3 calls", [4; 32])
            .unwrap()
            .record;
        replaced.committed_at = Some(DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        replaced.revealed_at = Some(DateTime::from_timestamp(1_700_000_060, 0).unwrap());
        records.push(replaced);
        (records, state)
    }

    #[test]
    fn genuine_journal_verifies_and_replays_to_the_same_state() {
        let pool = pool50();
        let (records, state) = sample_journal(&pool);
        assert_eq!(verify_journal(&records, &pool).unwrap(), state);
        assert_eq!(DrawState::replay(&records).unwrap(), state);
        let json = serde_json::to_string(&records).unwrap();
        let decoded: Vec<AuditRecord> = serde_json::from_str(&json).unwrap();
        assert_eq!(verify_journal(&decoded, &pool).unwrap(), state);
        let state_json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<DrawState>(&state_json).unwrap(), state);
        // Batch 2 of "ten" checks against the state rebuilt from the records before it.
        verify(&records[2], &pool, &DrawState::replay(&records[..2]).unwrap()).unwrap();
    }

    #[test]
    fn tampered_winner_is_reported_with_expected_and_found() {
        let pool = pool50();
        let (mut records, _) = sample_journal(&pool);
        let prior = DrawState::replay(&records[..1]).unwrap();
        let genuine = records[1].winners[2].clone();
        let impostor = pool
            .iter()
            .find(|t| !records[1].winners.iter().any(|w| w.holder == t.holder))
            .unwrap();
        records[1].winners[2] = EngineWinner {
            ticket: impostor.number,
            holder: impostor.holder.clone(),
        };
        let VerifyError::Mismatch(differences) = verify(&records[1], &pool, &prior).unwrap_err() else {
            panic!("not a mismatch")
        };
        assert_eq!(
            differences,
            [Difference {
                field: "winners[2]".into(),
                expected: genuine.to_string(),
                found: records[1].winners[2].to_string()
            }]
        );
        match verify_journal(&records, &pool).unwrap_err() {
            VerifyError::InRecord { index: 1, batch: 1, .. } => {}
            other => panic!("{other}"),
        }
    }

    #[test]
    fn tampered_ticket_list_or_commitment_is_reported() {
        let pool = pool50();
        let (records, _) = sample_journal(&pool);
        let mut edited = pool.clone();
        edited.retain(|t| t.number != records[0].winners[0].ticket);
        let VerifyError::Mismatch(differences) = verify(&records[0], &edited, &DrawState::new()).unwrap_err() else {
            panic!("not a mismatch")
        };
        let fields: Vec<&str> = differences.iter().map(|d| d.field.as_str()).collect();
        assert!(
            fields.contains(&"tickets_hash") && fields.contains(&"pool_size") && fields.contains(&"winners[0]"),
            "{fields:?}"
        );
        let hash_difference = differences.iter().find(|d| d.field == "tickets_hash").unwrap();
        assert_eq!(
            (hash_difference.expected.as_str(), hash_difference.found.as_str()),
            (tickets_hash(&edited).as_str(), records[0].tickets_hash.as_str())
        );

        let mut forged = records[0].clone();
        forged.seed_commitment = seed_commitment(&[9; 32]);
        let error = verify(&forged, &pool, &DrawState::new()).unwrap_err();
        assert!(error.to_string().contains("seed_commitment: expected"), "{error}");

        let mut late = records[3].clone();
        late.committed_at = Some(DateTime::from_timestamp(1_800_000_000, 0).unwrap());
        let prior = DrawState::replay(&records[..3]).unwrap();
        verify(&records[3], &pool, &prior).unwrap();
        assert!(matches!(verify(&late, &pool, &prior), Err(VerifyError::Mismatch(d)) if d[0].field == "committed_at"));
    }

    #[test]
    fn out_of_order_records_are_refused() {
        let pool = pool50();
        let (records, _) = sample_journal(&pool);
        let swapped = [records[0].clone(), records[2].clone(), records[1].clone()];
        assert!(DrawState::replay(&swapped).is_err());
        assert!(verify_journal(&swapped, &pool).is_err());
        assert!(matches!(
            verify(&records[1], &pool, &DrawState::new()),
            Err(VerifyError::Mismatch(_))
        ));
    }
}
