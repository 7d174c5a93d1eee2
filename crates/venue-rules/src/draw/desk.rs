//! The stage operator's desk: which prize is up, the armed seed (its commitment is on screen
//! before anything is drawn), and the stage `Idle → (Anchoring →) Committing → Rolling →
//! Revealed`. Pure state: the Bevy side runs the commit job (draw + journal fsync) and the
//! registration of each armed commitment with the event server off the main thread and feeds
//! the outcomes back. Input that would change state while a roll runs is ignored.
//!
//! # Anchoring
//!
//! With an event server ([`Desk::set_anchoring`]), every armed commitment is registered with it
//! ([`Desk::wants_registration`] → [`Desk::anchor_answer`]); the draw then runs on the anchored
//! seed (`engine`'s module doc). When Space comes while the registration is still on its way, the
//! stage waits for it ([`Stage::Anchoring`]) at most [`ANCHOR_WAIT_S`] (or [`Desk::anchor_wait_s`]);
//! when the server cannot be reached, refuses, or does not answer in time, the draw goes on **not
//! anchored** and its record says why (`not_anchored`): a stage never freezes on the network and a
//! result is never lost.
//! A failed registration is tried again every [`ANCHOR_RETRY_S`] while the seed stays armed.
//!
//! Everything the journal must keep about the seeds — armed, anchored or not, thrown away and
//! why — and changes of prizes with results or of the ticket list are queued as [`DeskEvent`]s
//! for the caller to journal ([`Desk::take_events`]).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::engine::{self, AuditRecord, DrawState, EnginePrize, EngineTicket, Seed, ServerAnchor};
use super::machine;
use venue_contract::wire::DrawData;

/// How long Space is ignored after an accepted press (a double tap is one press).
pub const DEBOUNCE_S: f64 = 0.35;

/// The longest a draw waits on stage for the server's answer to the armed commitment; after it,
/// the draw goes on not anchored.
pub const ANCHOR_WAIT_S: f64 = 4.0;

/// How soon a failed registration of the armed commitment is tried again.
pub const ANCHOR_RETRY_S: f64 = 5.0;

/// Why a record is not anchored when no event server is configured.
pub const NOT_ANCHORED_LOCAL: &str = "no event server configured (sample or folder feed): the draw ran on this kiosk's seed alone";

/// Whether the armed seed is anchored with the event server.
#[derive(Debug, Clone, PartialEq)]
pub enum Anchor {
    /// No event server: draws are not anchored.
    Local,
    /// The armed commitment is on its way to the server.
    Registering,
    /// The server holds the commitment and gave its nonce.
    Anchored(ServerAnchor),
    /// The server could not be reached or refused; tried again while the seed stays armed.
    Failed { reason: String, at_s: f64 },
}

/// Something the journal must keep, queued by the desk ([`Desk::take_events`]).
#[derive(Debug, Clone, PartialEq)]
pub enum DeskEvent {
    /// A seed was armed; its commitment is on screen.
    Armed {
        seed_commitment: String,
        prize_id: Option<String>,
    },
    /// The armed seed was thrown away before it decided a draw.
    Discarded {
        seed_commitment: String,
        reason: String,
    },
    Anchored {
        seed_commitment: String,
        anchor: ServerAnchor,
    },
    AnchorFailed {
        seed_commitment: String,
        reason: String,
    },
    /// A prize that already has results changed its settings (or left the feed: `after: None`).
    PrizeChanged {
        before: EnginePrize,
        after: Option<EnginePrize>,
    },
    /// The ticket list changed (hash them off the main thread).
    TicketsChanged {
        from: Arc<Vec<EngineTicket>>,
        to: Arc<Vec<EngineTicket>>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PrizeInfo {
    pub engine: EnginePrize,
    pub name: String,
    pub image_url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    /// The next batch is armed: its seed commitment is shown. Esc re-arms.
    Idle,
    /// Drawing and journaling (fsync) in the background.
    Committing,
    /// Space was pressed while the armed commitment was still being registered with the event
    /// server: the draw starts with the answer, or not anchored after [`ANCHOR_WAIT_S`].
    Anchoring {
        since_s: f64,
    },
    /// The result is on disk; the reels run. Input is ignored.
    Rolling {
        sequence: u64,
        started_s: f64,
    },
    Revealed {
        sequence: u64,
    },
}

/// Why a replacement is drawn, as journaled when the operator confirms a no-show on stage.
pub const NO_SHOW_REASON: &str = "no-show: not present on stage (operator confirmed)";

/// Work for a background task: draw a batch (or one no-show replacement) and journal it before
/// anything is shown.
#[derive(Debug, Clone)]
pub struct CommitJob {
    pub state: DrawState,
    pub pool: Arc<Vec<EngineTicket>>,
    pub prize: EnginePrize,
    pub seed: Seed,
    pub committed_at: DateTime<Utc>,
    /// `Some(ticket)`: draw one replacement for this absent winner instead of the next batch.
    pub replaces: Option<u32>,
    /// The server's anchor of the seed's commitment, if it was registered in time.
    pub anchor: Option<ServerAnchor>,
    /// Why the draw is not anchored (with `anchor: None`).
    pub not_anchored: Option<String>,
}

impl CommitJob {
    /// The draw itself (pure); the caller journals the record before handing it back.
    pub fn draw(mut self) -> Result<AuditRecord, String> {
        let anchor = self.anchor.as_ref();
        let mut result = match self.replaces {
            None => engine::draw_batch_anchored(&mut self.state, &self.pool, &self.prize, None, self.seed, anchor),
            Some(absent) => {
                engine::replace_no_show_anchored(&mut self.state, &self.pool, &self.prize, absent, NO_SHOW_REASON, self.seed, anchor)
            }
        }
        .map_err(|e| e.to_string())?;
        result.record.committed_at = Some(self.committed_at);
        if anchor.is_none() {
            result.record.not_anchored = Some(self.not_anchored.unwrap_or_else(|| "not anchored".to_owned()));
        }
        Ok(result.record)
    }
}

#[derive(Debug, Clone)]
pub struct Desk {
    pub pool: Arc<Vec<EngineTicket>>,
    pub names: HashMap<u32, String>,
    pub prizes: Vec<PrizeInfo>,
    pub state: DrawState,
    pub records: Vec<AuditRecord>,
    pub selected: usize,
    pub seed: Seed,
    pub stage: Stage,
    /// Operator-facing problem (pool exhausted, journal error …), shown until the next action.
    pub notice: Option<String>,
    /// A word for the operator only (a held screen switch, tickets refreshed): small, in the
    /// operator's line, never a red alarm on the audience's stage.
    pub operator_note: Option<String>,
    /// Index of the highlighted winner of the revealed record (↑ ↓), for N = no-show.
    pub selected_winner: usize,
    /// N was pressed once for this ticket; a second N confirms, Esc keeps the winner.
    pub confirm_no_show: Option<u32>,
    /// Records the event server has stored (`201`/`200`).
    pub acknowledged: BTreeSet<u64>,
    /// Records for which the server holds a different result (`409`): its result, shown and logged.
    pub conflicts: BTreeMap<u64, serde_json::Value>,
    /// The server refused a post (`401`, `400` …): what it said, for the operator.
    pub post_problem: Option<String>,
    /// Whether the armed seed is anchored with the event server.
    pub anchor: Anchor,
    /// How long Space waits for the registration (default [`ANCHOR_WAIT_S`]).
    pub anchor_wait_s: f64,
    /// An event server is configured: armed commitments are registered with it.
    anchoring: bool,
    /// The commitment whose registration was last handed out ([`Desk::wants_registration`]).
    registration_sent: Option<String>,
    /// What waits for the anchor in [`Stage::Anchoring`]: the prize and the no-show it replaces.
    waiting: Option<(EnginePrize, Option<u32>)>,
    events: Vec<DeskEvent>,
    last_press_s: f64,
}

impl Desk {
    pub fn new(data: &DrawData, state: DrawState, records: Vec<AuditRecord>) -> Desk {
        let pool: Vec<EngineTicket> = data
            .tickets
            .iter()
            .map(|t| EngineTicket {
                number: t.number,
                holder: t.holder.clone(),
                groups: t.groups.clone(),
            })
            .collect();
        let names = data.tickets.iter().map(|t| (t.number, t.display_name.clone())).collect();
        let mut prizes: Vec<PrizeInfo> = data
            .prizes
            .iter()
            .map(|p| PrizeInfo {
                engine: EnginePrize {
                    id: p.id.clone(),
                    winner_count: p.winner_count,
                    allow_previous_winners: p.allow_previous_winners,
                    batch_size: p.batch_size,
                    eligible_groups: p.eligible_groups.clone(),
                    excluded_groups: p.excluded_groups.clone(),
                },
                name: p.name.clone(),
                image_url: p.image_url.clone(),
            })
            .collect();
        prizes.sort_by_key(|p| data.prizes.iter().find(|d| d.id == p.engine.id).map_or(u32::MAX, |d| d.order));
        let mut desk = Desk {
            pool: Arc::new(pool),
            names,
            prizes,
            state,
            records,
            selected: 0,
            seed: engine::new_seed(),
            stage: Stage::Idle,
            notice: None,
            operator_note: None,
            selected_winner: 0,
            confirm_no_show: None,
            acknowledged: BTreeSet::new(),
            conflicts: BTreeMap::new(),
            post_problem: None,
            anchor: Anchor::Local,
            anchor_wait_s: ANCHOR_WAIT_S,
            anchoring: false,
            registration_sent: None,
            waiting: None,
            events: Vec::new(),
            last_press_s: f64::NEG_INFINITY,
        };
        desk.select_first_open();
        let armed = DeskEvent::Armed {
            seed_commitment: desk.commitment(),
            prize_id: desk.prize().map(|p| p.engine.id.clone()),
        };
        desk.events.push(armed);
        desk
    }

    /// With an event server, armed commitments are registered with it and draws anchored.
    pub fn set_anchoring(&mut self, on: bool) {
        self.anchoring = on;
        if matches!(self.stage, Stage::Idle | Stage::Revealed { .. }) {
            self.anchor = if on { Anchor::Registering } else { Anchor::Local };
            self.registration_sent = None;
        }
    }

    pub fn anchoring(&self) -> bool {
        self.anchoring
    }

    /// Commitments the journal has as armed, neither drawn nor discarded (the kiosk stopped while
    /// they were armed): queued as discarded, ahead of the seed armed now.
    pub fn discard_stale(&mut self, commitments: &[String]) {
        let stale = commitments.iter().map(|c| DeskEvent::Discarded {
            seed_commitment: c.clone(),
            reason: "the kiosk stopped while it was armed; its seed is gone".to_owned(),
        });
        self.events.splice(0..0, stale);
    }

    /// What happened since the last call, for the journal, in order.
    pub fn take_events(&mut self) -> Vec<DeskEvent> {
        std::mem::take(&mut self.events)
    }

    /// Arms a fresh seed; `discard`: the armed one was not used, and why it is thrown away.
    fn arm(&mut self, discard: Option<String>) {
        if let Some(reason) = discard {
            self.events.push(DeskEvent::Discarded {
                seed_commitment: self.commitment(),
                reason,
            });
        }
        self.seed = engine::new_seed();
        self.anchor = if self.anchoring { Anchor::Registering } else { Anchor::Local };
        self.registration_sent = None;
        let armed = DeskEvent::Armed {
            seed_commitment: self.commitment(),
            prize_id: self.prize().map(|p| p.engine.id.clone()),
        };
        self.events.push(armed);
    }

    /// The armed commitment to register with the event server now, if any: once per armed seed,
    /// and again [`ANCHOR_RETRY_S`] after a failure while it stays armed.
    pub fn wants_registration(&mut self, now_s: f64) -> Option<String> {
        if !self.anchoring || self.stage == Stage::Committing {
            return None;
        }
        let commitment = self.commitment();
        match &self.anchor {
            Anchor::Registering if self.registration_sent.as_ref() != Some(&commitment) => {}
            Anchor::Failed { at_s, .. } if now_s - at_s >= ANCHOR_RETRY_S => {
                self.anchor = Anchor::Registering;
            }
            _ => return None,
        }
        self.registration_sent = Some(commitment.clone());
        Some(commitment)
    }

    /// The server's answer to the registration of `commitment`. An answer for a seed that is no
    /// longer armed changes nothing (the server keeps the registration; the journal has the seed
    /// as discarded or used).
    pub fn anchor_answer(&mut self, commitment: &str, answer: Result<ServerAnchor, String>, now_s: f64) {
        if commitment != self.commitment() || !matches!(self.anchor, Anchor::Registering) {
            return;
        }
        match answer {
            Ok(anchor) => {
                self.events.push(DeskEvent::Anchored {
                    seed_commitment: commitment.to_owned(),
                    anchor: anchor.clone(),
                });
                self.anchor = Anchor::Anchored(anchor);
            }
            Err(reason) => {
                self.events.push(DeskEvent::AnchorFailed {
                    seed_commitment: commitment.to_owned(),
                    reason: reason.clone(),
                });
                self.anchor = Anchor::Failed { reason, at_s: now_s };
            }
        }
    }

    /// In [`Stage::Anchoring`]: starts the draw once the server answered or the wait is over.
    pub fn poll_anchor(&mut self, now_s: f64, now: DateTime<Utc>) -> Option<CommitJob> {
        let Stage::Anchoring { since_s } = self.stage else { return None };
        if matches!(self.anchor, Anchor::Registering) {
            if now_s - since_s < self.anchor_wait_s {
                return None;
            }
            let reason = format!("the event server did not answer the registration within {} s", self.anchor_wait_s);
            self.events.push(DeskEvent::AnchorFailed {
                seed_commitment: self.commitment(),
                reason: reason.clone(),
            });
            self.anchor = Anchor::Failed { reason, at_s: now_s };
        }
        let (prize, replaces) = self.waiting.take()?;
        Some(self.start_commit(prize, now, replaces))
    }

    /// Why a draw on the armed seed now would not be anchored; `None` when it would be.
    pub fn not_anchored_reason(&self) -> Option<String> {
        match &self.anchor {
            Anchor::Anchored(_) => None,
            Anchor::Local => Some(NOT_ANCHORED_LOCAL.to_owned()),
            Anchor::Registering => Some("the event server had not answered the registration yet".to_owned()),
            Anchor::Failed { reason, .. } => Some(format!("the event server did not register the commitment: {reason}")),
        }
    }

    /// The feed's prizes or tickets changed (attendees earn tickets all day): take them in, keeping
    /// the results, the server's answers and the chosen prize. Only while idle — never under a
    /// draw in flight or a result on screen; returns false then, and the caller tries again later.
    /// The armed seed is replaced, so the commitment on screen always covers the new ticket list.
    pub fn refresh(&mut self, data: &DrawData) -> bool {
        if self.stage != Stage::Idle {
            return false;
        }
        let selected_id = self.prize().map(|p| p.engine.id.clone());
        let mut fresh = Desk::new(data, self.state.clone(), std::mem::take(&mut self.records));
        fresh.acknowledged = std::mem::take(&mut self.acknowledged);
        fresh.conflicts = std::mem::take(&mut self.conflicts);
        fresh.post_problem = self.post_problem.take();
        if let Some(i) = selected_id.and_then(|id| fresh.prizes.iter().position(|p| p.engine.id == id)) {
            fresh.selected = i;
        }
        // The trail: the seed armed until now is thrown away, then what changed, then the new one.
        let new_armed = std::mem::take(&mut fresh.events);
        let mut events = std::mem::take(&mut self.events);
        events.push(DeskEvent::Discarded {
            seed_commitment: self.commitment(),
            reason: "the draw data changed (feed refresh): a new seed was armed".to_owned(),
        });
        for old in &self.prizes {
            if self.state.prize(&old.engine.id).is_none_or(|p| p.records == 0) {
                continue;
            }
            let now = fresh.prizes.iter().find(|p| p.engine.id == old.engine.id).map(|p| &p.engine);
            if now != Some(&old.engine) {
                events.push(DeskEvent::PrizeChanged {
                    before: old.engine.clone(),
                    after: now.cloned(),
                });
            }
        }
        if fresh.pool != self.pool {
            events.push(DeskEvent::TicketsChanged {
                from: self.pool.clone(),
                to: fresh.pool.clone(),
            });
        }
        events.extend(new_armed);
        fresh.events = events;
        fresh.anchoring = self.anchoring;
        fresh.anchor_wait_s = self.anchor_wait_s;
        fresh.anchor = if self.anchoring { Anchor::Registering } else { Anchor::Local };
        // For the operator only: the audience needs no word of it.
        fresh.operator_note = Some(if fresh.pool == self.pool {
            "Prizes updated from the event feed".to_string()
        } else {
            format!(
                "Tickets updated from the event feed: {} in the pool; new seed commitment",
                fresh.pool.len()
            )
        });
        fresh.last_press_s = self.last_press_s;
        *self = fresh;
        true
    }

    /// After a restart: a result committed but never revealed is shown as revealed — never re-rolled.
    pub fn resume_pending(&mut self, pending: Option<&AuditRecord>) {
        if let Some(record) = pending {
            self.stage = Stage::Revealed { sequence: record.sequence };
            if let Some(i) = self.prizes.iter().position(|p| p.engine.id == record.prize_id) {
                self.selected = i;
            }
        }
    }

    fn select_first_open(&mut self) {
        if let Some(i) = self.prizes.iter().position(|p| !self.state.is_complete(&p.engine)) {
            self.selected = i;
        }
    }

    pub fn prize(&self) -> Option<&PrizeInfo> {
        self.prizes.get(self.selected)
    }

    pub fn commitment(&self) -> String {
        engine::seed_commitment(&self.seed)
    }

    /// The seed commitment the audience sees: the drawn batch's from its commit, through the roll
    /// and beside its revealed seed, until the next draw is armed (Space after the reveal, another
    /// prize); before a draw, the armed seed's. A no-show replacement's armed commitment is shown
    /// with its question ([`Desk::confirm_no_show`]).
    pub fn commitment_on_screen(&self) -> String {
        match self.stage {
            Stage::Rolling { sequence, .. } | Stage::Revealed { sequence } => self
                .record(sequence)
                .map_or_else(|| self.commitment(), |r| r.seed_commitment.clone()),
            Stage::Idle | Stage::Anchoring { .. } | Stage::Committing => self.commitment(),
        }
    }

    /// Whether the draw keeps the screen: while a result is sealed or the reels roll, switching away
    /// would reveal the winners off screen.
    pub fn holds_the_screen(&self) -> bool {
        matches!(self.stage, Stage::Anchoring { .. } | Stage::Committing | Stage::Rolling { .. })
    }

    /// The operator asked for another screen: refused (with a note) while the draw holds it.
    pub fn may_switch_screen(&mut self) -> bool {
        if self.holds_the_screen() {
            self.operator_note = Some("Screen switch held: the reels are rolling. Switch after the reveal".into());
            return false;
        }
        true
    }

    pub fn record(&self, sequence: u64) -> Option<&AuditRecord> {
        self.records.iter().find(|r| r.sequence == sequence)
    }

    /// Space: draw the armed batch, or, after a reveal, arm the next one.
    pub fn press_next(&mut self, now_s: f64, now: DateTime<Utc>) -> Option<CommitJob> {
        if now_s - self.last_press_s < DEBOUNCE_S {
            return None;
        }
        match self.stage {
            Stage::Committing | Stage::Rolling { .. } | Stage::Anchoring { .. } => None,
            Stage::Revealed { .. } => {
                self.last_press_s = now_s;
                // The seed armed at the commit (shown with a no-show question) stays armed.
                self.stage = Stage::Idle;
                if self.prize().is_some_and(|p| self.state.is_complete(&p.engine)) {
                    self.select_first_open();
                }
                None
            }
            Stage::Idle => {
                self.last_press_s = now_s;
                let prize = self.prize()?.engine.clone();
                if self.state.is_complete(&prize) {
                    // The stage already says DONE; nothing for the audience to read.
                    self.operator_note = Some(format!(
                        "All {} winners of this prize are drawn; choose another prize (← →)",
                        prize.winner_count
                    ));
                    return None;
                }
                self.commit_or_wait(prize, now_s, now, None)
            }
        }
    }

    /// Starts the commit, or waits for the registration of the armed commitment that is on its way.
    fn commit_or_wait(&mut self, prize: EnginePrize, now_s: f64, now: DateTime<Utc>, replaces: Option<u32>) -> Option<CommitJob> {
        // Registering: the registration is on its way, or goes out this frame (the caller asks
        // `wants_registration` every frame).
        if self.anchor == Anchor::Registering {
            self.notice = None;
            self.operator_note = None;
            self.stage = Stage::Anchoring { since_s: now_s };
            self.waiting = Some((prize, replaces));
            return None;
        }
        Some(self.start_commit(prize, now, replaces))
    }

    /// Whether the prize on screen has all its winners and nothing is in flight: the stage says
    /// DONE and points to the next prize instead of offering a draw.
    pub fn prize_done(&self) -> bool {
        self.stage == Stage::Idle && self.prize().is_some_and(|p| self.state.is_complete(&p.engine))
    }

    /// Winners of `prize_id` the audience has seen: a batch rolling now counts only at its reveal
    /// (counting it earlier gives the result away). A rolling replacement changes no count.
    pub fn revealed_winner_count(&self, prize_id: &str) -> usize {
        let all = self.state.winners_of(prize_id).len();
        let rolling = match self.stage {
            Stage::Rolling { sequence, .. } => self
                .record(sequence)
                .filter(|r| r.prize_id == prize_id && r.replaces.is_none())
                .map_or(0, |r| r.winners.len()),
            _ => 0,
        };
        all.saturating_sub(rolling)
    }

    /// Hands the armed seed and the current state to a commit job; input waits until it is done.
    fn start_commit(&mut self, prize: EnginePrize, now: DateTime<Utc>, replaces: Option<u32>) -> CommitJob {
        self.notice = None;
        self.operator_note = None;
        self.stage = Stage::Committing;
        let anchor = match &self.anchor {
            Anchor::Anchored(anchor) => Some(anchor.clone()),
            _ => None,
        };
        CommitJob {
            state: self.state.clone(),
            pool: self.pool.clone(),
            prize,
            seed: self.seed,
            committed_at: now,
            replaces,
            not_anchored: self.not_anchored_reason(),
            anchor,
        }
    }

    /// The highlighted winner of the record on screen, if a result is shown.
    pub fn highlighted_winner(&self) -> Option<u32> {
        let Stage::Revealed { sequence } = self.stage else { return None };
        let record = self.record(sequence)?;
        record
            .winners
            .get(self.selected_winner.min(record.winners.len().saturating_sub(1)))
            .map(|w| w.ticket)
    }

    /// ↑ / ↓: highlight another winner of the record on screen.
    pub fn select_winner(&mut self, step: i32) {
        let Stage::Revealed { sequence } = self.stage else { return };
        let Some(n) = self.record(sequence).map(|r| r.winners.len() as i32).filter(|&n| n > 0) else {
            return;
        };
        self.selected_winner = (self.selected_winner as i32 + step).rem_euclid(n) as usize;
        self.confirm_no_show = None;
    }

    /// N: the first press asks for confirmation of the highlighted winner's absence; the second
    /// draws one replacement (journaled and rolled like a batch). Only while a result is shown.
    pub fn press_no_show(&mut self, now_s: f64, now: DateTime<Utc>) -> Option<CommitJob> {
        if now_s - self.last_press_s < DEBOUNCE_S {
            return None;
        }
        let Stage::Revealed { sequence } = self.stage else { return None };
        let ticket = self.highlighted_winner()?;
        self.last_press_s = now_s;
        if self.confirm_no_show != Some(ticket) {
            self.confirm_no_show = Some(ticket);
            return None;
        }
        self.confirm_no_show = None;
        let record = self.record(sequence)?;
        let prize = self.prizes.iter().find(|p| p.engine.id == record.prize_id)?.engine.clone();
        if !self.state.winners_of(&prize.id).iter().any(|w| w.ticket == ticket) {
            self.notice = Some(format!("#{ticket} was already replaced"));
            return None;
        }
        self.commit_or_wait(prize, now_s, now, Some(ticket))
    }

    /// Revealed records the server has neither stored nor answered with a conflict: post these.
    pub fn unposted(&self) -> impl Iterator<Item = &AuditRecord> {
        let in_flight = match self.stage {
            Stage::Rolling { sequence, .. } => Some(sequence),
            _ => None,
        };
        self.records.iter().filter(move |r| {
            Some(r.sequence) != in_flight && !self.acknowledged.contains(&r.sequence) && !self.conflicts.contains_key(&r.sequence)
        })
    }

    /// The background job finished: on success the result is on disk and the reels may roll.
    pub fn finish_commit(&mut self, outcome: Result<AuditRecord, String>, now_s: f64) {
        match outcome {
            Ok(record) => match self.state.apply(&record) {
                Ok(()) => {
                    self.selected_winner = 0;
                    // The seed is spent; the next one (e.g. for a no-show) is armed and shown now.
                    self.arm(None);
                    self.stage = Stage::Rolling {
                        sequence: record.sequence,
                        started_s: now_s,
                    };
                    self.records.push(record);
                }
                Err(e) => {
                    self.stage = Stage::Idle;
                    self.notice = Some(format!("result does not fit the journal: {e}"));
                }
            },
            Err(error) => {
                // Nothing was revealed; a fresh seed is armed so no commitment is ever reused.
                self.stage = Stage::Idle;
                self.arm(Some(format!("the commit failed: {error}")));
                self.notice = Some(error);
            }
        }
    }

    /// Advance the roll; returns the sequence that has just been revealed (to journal it).
    pub fn tick(&mut self, now_s: f64) -> Option<u64> {
        if let Stage::Rolling { sequence, started_s } = self.stage {
            let reels = self.reel_count();
            if now_s - started_s >= f64::from(machine::reveal_at(reels)) {
                self.stage = Stage::Revealed { sequence };
                // A switch held during the roll may be asked for again now.
                self.operator_note = None;
                return Some(sequence);
            }
        }
        None
    }

    /// Esc: withdraws a no-show question; before a commit, throws the armed seed away and arms a new one.
    pub fn cancel(&mut self) {
        if self.confirm_no_show.take().is_some() {
            return;
        }
        if matches!(self.stage, Stage::Idle | Stage::Anchoring { .. }) {
            let reason = if self.stage == Stage::Idle {
                "Esc: the operator threw the armed seed away"
            } else {
                "Esc while the commitment was being registered"
            };
            self.stage = Stage::Idle;
            self.waiting = None;
            self.arm(Some(reason.to_owned()));
            self.notice = Some("cancelled; a new seed is armed".into());
        }
    }

    /// ← / →: choose the prize, only while nothing is in flight.
    pub fn select(&mut self, step: i32) {
        if !matches!(self.stage, Stage::Idle | Stage::Revealed { .. }) || self.prizes.is_empty() {
            return;
        }
        let n = self.prizes.len() as i32;
        self.selected = (self.selected as i32 + step).rem_euclid(n) as usize;
        if matches!(self.stage, Stage::Revealed { .. }) {
            // The seed armed at the last commit stays armed for the prize chosen now.
            self.stage = Stage::Idle;
        }
    }

    /// Reels = digits of the largest ticket number.
    pub fn reel_count(&self) -> usize {
        self.pool.iter().map(|t| t.number).max().unwrap_or(0).to_string().len().max(1)
    }

    pub fn display_name(&self, ticket: u32) -> &str {
        self.names.get(&ticket).map(String::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_contract::wire::{Prize, Ticket};

    fn data() -> DrawData {
        DrawData {
            version: 1,
            prizes: vec![
                Prize {
                    id: "big".into(),
                    name: "Big".into(),
                    image_url: None,
                    winner_count: 1,
                    order: 1,
                    allow_previous_winners: false,
                    batch_size: None,
                    eligible_groups: Vec::new(),
                    excluded_groups: Vec::new(),
                },
                Prize {
                    id: "small".into(),
                    name: "Small".into(),
                    image_url: None,
                    winner_count: 2,
                    order: 2,
                    allow_previous_winners: false,
                    batch_size: None,
                    eligible_groups: Vec::new(),
                    excluded_groups: Vec::new(),
                },
            ],
            tickets: (0..20)
                .map(|i| Ticket {
                    number: 1000 + i,
                    display_name: format!("N{i}"),
                    holder: format!("h{}", i % 7),
                    groups: Vec::new(),
                })
                .collect(),
        }
    }

    fn run_commit(desk: &mut Desk, now_s: f64) -> AuditRecord {
        let job = desk.press_next(now_s, Utc::now()).expect("a commit job");
        let record = job.draw().unwrap();
        desk.finish_commit(Ok(record.clone()), now_s);
        record
    }

    #[test]
    fn full_cycle_and_input_ignored_while_rolling() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let commitment = desk.commitment();
        let record = run_commit(&mut desk, 0.0);
        assert_eq!(record.seed_commitment, commitment, "the shown commitment is the one used");
        assert!(matches!(desk.stage, Stage::Rolling { .. }));
        // Presses, Esc and arrows during the roll change nothing.
        assert!(desk.press_next(1.0, Utc::now()).is_none());
        desk.cancel();
        desk.select(1);
        assert!(matches!(desk.stage, Stage::Rolling { .. }));
        assert_eq!(desk.selected, 0);
        assert_eq!(desk.tick(1.0), None);
        assert_eq!(desk.tick(100.0), Some(record.sequence));
        assert_eq!(desk.stage, Stage::Revealed { sequence: record.sequence });
        // Next: prize 1 is complete, so the desk moves on to prize 2 with a new seed.
        assert!(desk.press_next(101.0, Utc::now()).is_none());
        assert_eq!(desk.stage, Stage::Idle);
        assert_eq!(desk.prize().unwrap().engine.id, "small");
        assert_ne!(desk.commitment(), commitment, "a commitment is never reused");
    }

    #[test]
    fn double_tap_is_one_press() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        assert!(desk.press_next(0.0, Utc::now()).is_some());
        desk.finish_commit(Err("disk full".into()), 0.05);
        assert_eq!(desk.stage, Stage::Idle);
        assert_eq!(desk.notice.as_deref(), Some("disk full"));
        assert!(desk.press_next(0.1, Utc::now()).is_none(), "within the debounce window");
        assert!(desk.press_next(0.5, Utc::now()).is_some());
    }

    #[test]
    fn escape_rearms_only_before_commit() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let first = desk.commitment();
        desk.cancel();
        assert_ne!(desk.commitment(), first);
    }

    #[test]
    fn restart_shows_a_committed_result_instead_of_rolling_again() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let record = run_commit(&mut desk, 0.0);
        // "Crash": a new desk from the journal's state and records.
        let state = DrawState::replay(std::slice::from_ref(&record)).unwrap();
        let mut again = Desk::new(&data(), state, vec![record.clone()]);
        again.resume_pending(Some(&record));
        assert_eq!(again.stage, Stage::Revealed { sequence: record.sequence });
        assert_eq!(again.record(record.sequence).unwrap().winners, record.winners);
    }

    #[test]
    fn a_complete_prize_is_refused_with_a_notice() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        run_commit(&mut desk, 0.0);
        desk.tick(100.0);
        desk.select(-1); // wraps to "small"
        desk.select(1); // back to the complete prize "big"
        assert_eq!(desk.prize().unwrap().engine.id, "big");
        assert!(desk.prize_done(), "the stage says DONE");
        assert!(desk.press_next(200.0, Utc::now()).is_none());
        assert_eq!(desk.notice, None, "no red error on the audience's screen");
        assert!(desk.operator_note.as_deref().unwrap().contains("All 1 winners"));
    }

    /// Issue 20: "1 of 1 winners drawn" showed when the reels started, giving the result away.
    #[test]
    fn winner_counts_change_at_the_reveal() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        assert!(!desk.prize_done());
        run_commit(&mut desk, 0.0);
        assert_eq!(desk.revealed_winner_count("big"), 0, "while the reels roll");
        assert!(!desk.prize_done());
        desk.tick(100.0);
        assert_eq!(desk.revealed_winner_count("big"), 1);
    }

    /// Issue 20: adding a prize put a red "Tickets updated from the event feed" on stage.
    #[test]
    fn feed_updates_are_operator_notes_and_name_what_changed() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let mut more = data();
        more.prizes[1].winner_count = 3;
        assert!(desk.refresh(&more));
        assert_eq!(desk.notice, None);
        assert_eq!(desk.operator_note.as_deref(), Some("Prizes updated from the event feed"));
        more.tickets.pop();
        assert!(desk.refresh(&more));
        assert!(desk.operator_note.as_deref().unwrap().starts_with("Tickets updated"));
    }

    fn reveal(desk: &mut Desk, now_s: f64) -> AuditRecord {
        let record = run_commit(desk, now_s);
        desk.tick(now_s + 100.0).expect("revealed");
        record
    }

    #[test]
    fn no_show_needs_a_confirmation_and_draws_one_replacement() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        desk.select(1); // "small": two winners at once
        let batch = reveal(&mut desk, 0.0);
        assert_eq!(batch.winners.len(), 2);
        desk.select_winner(1);
        let absent = batch.winners[1].ticket;
        assert_eq!(desk.highlighted_winner(), Some(absent));
        // First N only asks; Esc withdraws the question.
        assert!(desk.press_no_show(200.0, Utc::now()).is_none());
        assert_eq!(desk.confirm_no_show, Some(absent));
        desk.cancel();
        assert_eq!(desk.confirm_no_show, None);
        assert!(
            matches!(desk.stage, Stage::Revealed { .. }),
            "Esc after a reveal changes nothing else"
        );
        // N, N: one replacement for exactly that winner.
        assert!(desk.press_no_show(201.0, Utc::now()).is_none());
        let job = desk.press_no_show(202.0, Utc::now()).expect("confirmed");
        assert_eq!(desk.stage, Stage::Committing);
        assert_eq!(job.replaces, Some(absent));
        let record = job.draw().unwrap();
        assert_eq!(record.replaces.as_ref().map(|w| w.ticket), Some(absent));
        assert_eq!(record.reason.as_deref(), Some(NO_SHOW_REASON));
        assert_eq!(record.winners.len(), 1);
        assert!(batch.winners.iter().all(|w| w.holder != record.winners[0].holder), "a fresh holder");
        desk.finish_commit(Ok(record.clone()), 203.0);
        desk.tick(400.0).unwrap();
        let winners: Vec<u32> = desk.state.winners_of("small").iter().map(|w| w.ticket).collect();
        assert!(
            !winners.contains(&absent) && winners.contains(&record.winners[0].ticket),
            "{winners:?}"
        );
    }

    #[test]
    fn no_show_is_ignored_unless_a_result_is_shown() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        assert!(desk.press_no_show(0.0, Utc::now()).is_none());
        assert_eq!(desk.confirm_no_show, None);
        let job = desk.press_next(1.0, Utc::now()).unwrap();
        desk.finish_commit(job.draw(), 1.0);
        assert!(desk.press_no_show(2.0, Utc::now()).is_none(), "not while rolling");
        assert!(desk.press_no_show(3.0, Utc::now()).is_none());
        assert!(matches!(desk.stage, Stage::Rolling { .. }));
    }

    #[test]
    fn unposted_skips_the_rolling_record_and_answered_ones() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let first = reveal(&mut desk, 0.0);
        desk.press_next(200.0, Utc::now());
        let second = run_commit(&mut desk, 201.0);
        let unposted: Vec<u64> = desk.unposted().map(|r| r.sequence).collect();
        assert_eq!(unposted, [first.sequence], "the rolling result waits for its reveal");
        desk.tick(400.0);
        desk.acknowledged.insert(first.sequence);
        let unposted: Vec<u64> = desk.unposted().map(|r| r.sequence).collect();
        assert_eq!(unposted, [second.sequence]);
        desk.conflicts.insert(second.sequence, serde_json::json!({}));
        assert_eq!(desk.unposted().count(), 0);
    }

    #[test]
    fn refresh_takes_new_tickets_only_when_idle_and_keeps_results() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let first = reveal(&mut desk, 0.0);
        desk.acknowledged.insert(first.sequence);
        let mut more = data();
        more.tickets.push(Ticket {
            number: 2000,
            display_name: "New".into(),
            holder: "h-new".into(),
            groups: Vec::new(),
        });
        assert!(!desk.refresh(&more), "not while a result is on screen");
        desk.press_next(200.0, Utc::now()); // back to idle, on the next open prize
        let before = desk.commitment();
        assert!(desk.refresh(&more));
        assert_eq!(desk.pool.len(), 21);
        assert_eq!(desk.records, vec![first.clone()]);
        assert!(desk.acknowledged.contains(&first.sequence));
        assert_eq!(desk.prize().unwrap().engine.id, "small", "the chosen prize stays");
        assert_ne!(desk.commitment(), before, "the commitment covers the new list");
        // The big prize stays complete: its winner is not drawn again.
        assert!(desk.state.is_complete(&desk.prizes[0].engine));
    }

    /// Issue 20: at the reveal the footer showed the next batch's commitment beside the revealed
    /// seed, so SHA-256 of that seed matched the commitment shown before, not the one on screen.
    #[test]
    fn the_drawn_batch_keeps_its_commitment_on_screen_until_the_next_is_armed() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let armed = desk.commitment_on_screen();
        let record = run_commit(&mut desk, 0.0);
        assert_eq!(record.seed_commitment, armed);
        assert_eq!(desk.commitment_on_screen(), armed, "while the reels roll");
        desk.tick(1e6);
        assert!(matches!(desk.stage, Stage::Revealed { .. }));
        assert_eq!(desk.commitment_on_screen(), armed, "beside the revealed seed");
        let seed = hex::decode(&record.seed).unwrap();
        assert_eq!(engine::seed_commitment(&seed.try_into().unwrap()), desk.commitment_on_screen());
        desk.press_next(10.0, Utc::now());
        assert_eq!(desk.stage, Stage::Idle);
        assert_ne!(desk.commitment_on_screen(), armed, "the next draw is armed");
        assert_eq!(desk.commitment_on_screen(), desk.commitment());
    }

    #[test]
    fn the_screen_is_held_while_a_result_is_sealed_or_rolls() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        assert!(desk.may_switch_screen());
        let job = desk.press_next(0.0, Utc::now()).unwrap();
        assert!(!desk.may_switch_screen(), "sealing");
        desk.finish_commit(job.draw(), 0.1);
        assert!(!desk.may_switch_screen(), "rolling");
        assert!(desk.operator_note.as_deref().unwrap().contains("rolling"));
        desk.tick(1e6);
        assert!(desk.may_switch_screen(), "revealed");
    }

    fn server_anchor(byte: u8) -> ServerAnchor {
        ServerAnchor {
            server_nonce: hex::encode([byte; 32]),
            registered_at: Utc::now(),
        }
    }

    #[test]
    fn grinding_seeds_leaves_every_armed_commitment_in_the_trail() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        let mut armed = Vec::new();
        let mut discarded = Vec::new();
        let mut collect = |desk: &mut Desk| {
            for event in desk.take_events() {
                match event {
                    DeskEvent::Armed { seed_commitment, .. } => armed.push(seed_commitment),
                    DeskEvent::Discarded { seed_commitment, reason } => {
                        assert!(reason.contains("Esc"), "{reason}");
                        discarded.push(seed_commitment);
                    }
                    other => panic!("unexpected {other:?}"),
                }
            }
        };
        for _ in 0..12 {
            desk.cancel();
        }
        let record = run_commit(&mut desk, 0.0);
        collect(&mut desk);
        // 1 at the start + 12 re-arms + 1 after the draw; the 12 thrown away are all there.
        assert_eq!(armed.len(), 14);
        assert_eq!(discarded, armed[..12]);
        assert_eq!(record.seed_commitment, armed[12], "the drawn seed is the last one armed before it");
        assert_eq!(armed[13], desk.commitment(), "the next one is armed and journaled at once");
        assert_eq!(
            record.not_anchored.as_deref(),
            Some(NOT_ANCHORED_LOCAL),
            "no server: not anchored, and said so"
        );
    }

    #[test]
    fn an_anchored_draw_waits_for_the_registration_and_runs_on_the_nonce() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        desk.set_anchoring(true);
        let commitment = desk.wants_registration(0.0).expect("the armed commitment is registered");
        assert_eq!(commitment, desk.commitment());
        assert_eq!(desk.wants_registration(0.1), None, "once per armed seed");
        // Space before the answer: the stage waits (and holds the screen), nothing is drawn yet.
        assert!(desk.press_next(1.0, Utc::now()).is_none());
        assert_eq!(desk.stage, Stage::Anchoring { since_s: 1.0 });
        assert!(desk.holds_the_screen());
        assert!(desk.poll_anchor(2.0, Utc::now()).is_none());
        // An answer for another commitment changes nothing.
        desk.anchor_answer("00", Ok(server_anchor(1)), 2.1);
        assert_eq!(desk.anchor, Anchor::Registering);
        desk.anchor_answer(&commitment, Ok(server_anchor(9)), 2.2);
        let job = desk.poll_anchor(2.3, Utc::now()).expect("the draw starts with the answer");
        assert_eq!(desk.stage, Stage::Committing);
        let record = job.draw().unwrap();
        assert!(record.is_anchored());
        assert_eq!(record.server_nonce.as_deref(), Some(hex::encode([9u8; 32]).as_str()));
        assert_eq!(record.not_anchored, None);
        assert_eq!(record.seed_commitment, commitment);
        engine::verify(&record, &desk.pool, &DrawState::new()).unwrap();
        desk.finish_commit(Ok(record), 2.4);
        let events = desk.take_events();
        assert!(
            matches!(&events[1], DeskEvent::Anchored { seed_commitment, .. } if *seed_commitment == commitment),
            "{events:?}"
        );
        // The next seed is armed at once and registered while the reels roll.
        assert_eq!(desk.wants_registration(3.0), Some(desk.commitment()));
    }

    #[test]
    fn an_unreachable_server_never_freezes_the_stage() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        desk.set_anchoring(true);
        let commitment = desk.wants_registration(0.0).unwrap();
        assert!(desk.press_next(1.0, Utc::now()).is_none());
        assert!(desk.poll_anchor(1.0 + ANCHOR_WAIT_S - 0.1, Utc::now()).is_none());
        let job = desk
            .poll_anchor(1.0 + ANCHOR_WAIT_S, Utc::now())
            .expect("the draw goes on after the wait");
        let record = job.draw().unwrap();
        assert!(!record.is_anchored());
        assert!(
            record.not_anchored.as_deref().unwrap().contains("did not answer"),
            "{:?}",
            record.not_anchored
        );
        assert_eq!(record.seed_commitment, commitment);
        let events = desk.take_events();
        assert!(events.iter().any(|e| matches!(e, DeskEvent::AnchorFailed { .. })), "{events:?}");

        // A refusal: drawn at once, not anchored, and the registration is tried again later.
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        desk.set_anchoring(true);
        let commitment = desk.wants_registration(0.0).unwrap();
        desk.anchor_answer(&commitment, Err("cannot reach the server".into()), 0.5);
        assert_eq!(desk.wants_registration(1.0), None);
        assert_eq!(desk.wants_registration(0.5 + ANCHOR_RETRY_S), Some(commitment.clone()), "retried");
        desk.anchor_answer(&commitment, Err("still down".into()), 6.0);
        let job = desk.press_next(7.0, Utc::now()).expect("no wait after a failure");
        let record = job.draw().unwrap();
        assert!(record.not_anchored.as_deref().unwrap().contains("still down"));
    }

    #[test]
    fn changes_of_prizes_with_results_and_of_the_tickets_are_queued() {
        let mut desk = Desk::new(&data(), DrawState::new(), vec![]);
        reveal(&mut desk, 0.0); // "big" has its winner
        desk.press_next(200.0, Utc::now());
        desk.take_events();
        let mut changed = data();
        changed.prizes[0].winner_count = 2;
        changed.prizes[0].allow_previous_winners = true;
        changed.prizes[1].winner_count = 5; // no results yet: not journaled
        changed.tickets.pop();
        let before = desk.commitment();
        assert!(desk.refresh(&changed));
        let events = desk.take_events();
        assert!(
            matches!(&events[0], DeskEvent::Discarded { seed_commitment, .. } if *seed_commitment == before),
            "{events:?}"
        );
        match &events[1] {
            DeskEvent::PrizeChanged { before, after } => {
                assert_eq!((before.id.as_str(), before.winner_count), ("big", 1));
                assert_eq!(after.as_ref().map(|p| (p.winner_count, p.allow_previous_winners)), Some((2, true)));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&events[2], DeskEvent::TicketsChanged { from, to } if from.len() == 20 && to.len() == 19));
        assert!(matches!(&events[3], DeskEvent::Armed { seed_commitment, .. } if *seed_commitment == desk.commitment()));
        assert_eq!(events.len(), 4);
    }
}
