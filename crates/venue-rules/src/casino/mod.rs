//! The live dice game *Casino* (the board game *Las Vegas*) as a pure state machine: a match is its
//! setup plus its moves, and [`Match::replay`] rebuilds the whole board from them, so the server,
//! the console and every screen agree without sharing anything but the move list
//! (`venue_contract::casino`, contract 1.1).
//!
//! # The rules, and the choices made here
//!
//! - **Casinos.** Six, one per die face; casino `f` is `casinos()[f - 1]`.
//! - **Deck and deal.** The deck (`setup.deck`) is shuffled **once per match** with ChaCha8 seeded by
//!   `setup.seed` (see `deck.rs` for the exact algorithm). At the start of each round, casino 1, then
//!   2, … 6, is dealt cards from the top of the draw pile until its cards sum to at least
//!   `setup.min_per_casino`; each casino's cards are sorted high to low. The deal continues from the
//!   same pile across rounds. Cards nobody takes go to the discard; when the draw pile runs out, the
//!   discard is shuffled (the seed's next ChaCha8 stream) into a new draw pile. If both are empty, a
//!   casino keeps what it got (possibly below the minimum, possibly nothing); with the official deck
//!   this cannot happen.
//! - **Turns.** Teams play in `setup.teams` order. Round `r` (0-based) starts with team `r % teams`
//!   (the start passes to the next team each round, like the start player card). A team with no
//!   dice left is skipped. A [`MoveKind::Place`] must come from the team whose turn it is, roll
//!   exactly its remaining dice (`rolled`, faces 1 to 6), and pick a `face` among them: **all** its
//!   dice showing that face go on casino `face`. When no team has dice left, the round is scored at
//!   once, the next round is dealt, or the match ends after `setup.rounds` rounds.
//! - **Scoring** (per casino, [`order`]): teams grouped by their dice count there; a count held by
//!   more than one team is a tie, and tied teams **cancel**: they get nothing. The other teams, most
//!   dice first, take the highest card, the next card, and so on; teams past the last card get
//!   nothing; cards nobody takes go to the discard. **No neutral dice** (the official variant for
//!   few players is not included).
//! - **Undo.** [`MoveKind::Undo`] reverts the last place not yet undone, whatever it did: if that
//!   place ended a round, the round's scoring and the next round's deal are reverted too (the round
//!   is open again, the same team to play); if it ended the match, the match is open again. So a
//!   mis-entered last roll of a round can always be corrected. Undos stack: two undos revert the
//!   last two places. An undo with no place to revert is [`IllegalMove::NothingToUndo`]. Both the
//!   place and the undo stay in the journal ([`Match::journal`]).
//! - **Idempotency.** A move whose `id` was already accepted is ignored ([`Applied::Duplicate`]),
//!   whatever it holds; a refused move is not recorded, so its id may be used again.
//! - **Ranking** ([`Match::ranking`]): most money, then most cards, then `setup.tie_break`
//!   ([`TieBreak::Shared`]: equal teams share the place; [`TieBreak::TurnOrder`]: the team earlier
//!   in `setup.teams` ranks higher).
//!
//! Teams are named by their **index** in `setup.teams` (turn order) everywhere in this API;
//! [`Match::teams`] gives the ids.

mod deck;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

pub use venue_contract::casino::{CASINOS, CasinoData, CasinoMove, CasinoSetup, MoveKind, TieBreak};

use deck::Piles;

/// One casino's table right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Casino {
    /// The money cards on it, highest first (empty between the scoring and the next deal, i.e. only
    /// after the match is over).
    pub cards: Vec<u32>,
    /// Dice placed on it this round, per team (index = team index).
    pub dice: Vec<u8>,
}

/// What one team gets at a casino if the round were scored now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Takes the card worth `card`, the `rank`-th highest on the casino (0 = the highest).
    Takes { card: u32, rank: usize },
    /// Tied with at least one other team on the same dice count: they cancel and get nothing.
    Cancelled,
    /// Not tied, but every card went to teams with more dice.
    NoCardLeft,
}

/// One team's line in a casino's live order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderEntry {
    /// Team index.
    pub team: usize,
    /// Its dice on this casino (at least 1).
    pub dice: u8,
    pub outcome: Outcome,
}

/// A casino's order as it stands (mid-round: who would win what now; at round end: what was paid),
/// ready to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasinoOrder {
    /// The casino's face, 1 to 6.
    pub face: u8,
    /// Its cards, highest first.
    pub cards: Vec<u32>,
    /// Every team with dice here, most dice first (equal counts in turn order; those are the
    /// cancelled ties, next to each other).
    pub entries: Vec<OrderEntry>,
    /// The cards nobody would take (they go to the discard at scoring), highest first.
    pub unclaimed: Vec<u32>,
}

impl CasinoOrder {
    /// The cancelling ties: `(dice count, teams)` for each count held by more than one team, most
    /// dice first.
    pub fn ties(&self) -> Vec<(u8, Vec<usize>)> {
        let mut ties: Vec<(u8, Vec<usize>)> = Vec::new();
        for e in self.entries.iter().filter(|e| e.outcome == Outcome::Cancelled) {
            match ties.last_mut() {
                Some((dice, teams)) if *dice == e.dice => teams.push(e.team),
                _ => ties.push((e.dice, vec![e.team])),
            }
        }
        ties
    }

    /// The card `team` would take here, if any.
    pub fn card_of(&self, team: usize) -> Option<u32> {
        self.entries.iter().find(|e| e.team == team).and_then(|e| match e.outcome {
            Outcome::Takes { card, .. } => Some(card),
            _ => None,
        })
    }
}

/// A sum of money as the screen and the console show it: `90000` → `90,000`.
pub fn money(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The scoring rule of one casino: `cards` (highest first) and `dice[team]` (dice of each team
/// there; 0 = none) → who takes which card, who cancels, what stays unclaimed.
pub fn order(face: u8, cards: &[u32], dice: &[u8]) -> CasinoOrder {
    let mut placed: Vec<(usize, u8)> = dice.iter().copied().enumerate().filter(|&(_, d)| d > 0).collect();
    placed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let mut next = 0usize;
    let entries = placed
        .iter()
        .map(|&(team, count)| {
            let tied = placed.iter().filter(|&&(_, d)| d == count).count() > 1;
            let outcome = if tied {
                Outcome::Cancelled
            } else if let Some(&card) = cards.get(next) {
                next += 1;
                Outcome::Takes { card, rank: next - 1 }
            } else {
                Outcome::NoCardLeft
            };
            OrderEntry {
                team,
                dice: count,
                outcome,
            }
        })
        .collect();
    CasinoOrder {
        face,
        cards: cards.to_vec(),
        entries,
        unclaimed: cards.get(next..).unwrap_or_default().to_vec(),
    }
}

/// One accepted place (not undone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The move's id.
    pub move_id: String,
    /// Round it was played in (0-based).
    pub round_index: u8,
    /// Team index.
    pub team: usize,
    /// The faces rolled.
    pub rolled: Vec<u8>,
    /// The casino chosen.
    pub face: u8,
    /// Dice placed there (those of `rolled` showing `face`).
    pub dice: u8,
}

/// A scored round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoundResult {
    /// 0-based.
    pub round_index: u8,
    /// The six casinos as scored, face 1 first: who took which card, the cancelled ties, the
    /// unclaimed cards (now in the discard).
    pub casinos: Vec<CasinoOrder>,
    /// Money won this round, per team.
    pub payouts: Vec<u64>,
}

/// What [`Match::apply`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Dice were placed. `round_scored` is set when this place ended the round (the next round is
    /// already dealt, unless `match_over`).
    Placed {
        placement: Placement,
        round_scored: Option<RoundResult>,
        match_over: bool,
    },
    /// The last place was reverted; `round_reopened` when it had ended a round (its scoring, and
    /// the next deal or the end of the match, are reverted too).
    Undone { undone: Placement, round_reopened: bool },
    /// A move with this id was already accepted; nothing changed.
    Duplicate,
}

/// A team's money so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub team: usize,
    pub money: u64,
    /// Cards won.
    pub cards: usize,
}

/// A team's place in the ranking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ranked {
    /// 1-based; equal places under [`TieBreak::Shared`].
    pub place: usize,
    pub team: usize,
    pub money: u64,
    pub cards: usize,
}

/// The setup is out of bounds (the same checks as `venue_contract::casino::check_setup`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the casino setup is not valid: {0}")]
pub struct SetupError(pub String);

/// Why a move was refused. The messages are for the staff member at the console.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IllegalMove {
    #[error("the match is over: no more dice can be placed")]
    MatchOver,
    #[error("team `{0}` does not play in this match")]
    UnknownTeam(String),
    #[error("it is team `{expected}`'s turn, not team `{team}`'s")]
    OutOfTurn { team: String, expected: String },
    #[error("team `{team}` has {left} dice left and must roll all of them, but {rolled} were entered")]
    WrongDiceCount { team: String, left: u8, rolled: usize },
    #[error("a die has no face {0}: faces are 1 to 6")]
    BadFace(u8),
    #[error("no die shows {face} (rolled: {}); choose one of the faces rolled", faces(.rolled))]
    FaceNotRolled { face: u8, rolled: Vec<u8> },
    #[error("there is no move to undo")]
    NothingToUndo,
}

fn faces(rolled: &[u8]) -> String {
    rolled.iter().map(u8::to_string).collect::<Vec<_>>().join(", ")
}

/// Why [`Match::replay`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Setup(#[from] SetupError),
    #[error("move {index} (`{id}`) is illegal: {error}")]
    Move { index: usize, id: String, error: IllegalMove },
}

/// Everything a place or its undo changes (the undo stack keeps one per place).
#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    round_index: u8,
    /// `None` once the match is over.
    turn: Option<usize>,
    dice_left: Vec<u8>,
    casinos: Vec<Casino>,
    piles: Piles,
    money: Vec<u64>,
    cards_won: Vec<usize>,
}

/// A match: its setup, the state its moves led to, and the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    setup: CasinoSetup,
    state: State,
    /// The state before each place in `placements`.
    before: Vec<State>,
    placements: Vec<Placement>,
    results: Vec<RoundResult>,
    journal: Vec<CasinoMove>,
    seen: BTreeSet<String>,
}

impl Match {
    /// A new match: the deck shuffled and round 0 dealt, the first team to play.
    pub fn new(setup: &CasinoSetup) -> Result<Match, SetupError> {
        venue_contract::casino::check_setup(setup).map_err(SetupError)?;
        let teams = setup.teams.len();
        let mut state = State {
            round_index: 0,
            turn: Some(0),
            dice_left: vec![setup.dice_per_team; teams],
            casinos: Vec::new(),
            piles: Piles::new(&setup.deck, setup.seed),
            money: vec![0; teams],
            cards_won: vec![0; teams],
        };
        state.deal(setup);
        Ok(Match {
            setup: setup.clone(),
            state,
            before: Vec::new(),
            placements: Vec::new(),
            results: Vec::new(),
            journal: Vec::new(),
            seen: BTreeSet::new(),
        })
    }

    /// The match rebuilt from its moves, applied in order (duplicate ids ignored). Fails at the
    /// first illegal move, naming its index in `moves`.
    pub fn replay(setup: &CasinoSetup, moves: &[CasinoMove]) -> Result<Match, ReplayError> {
        let mut game = Match::new(setup)?;
        for (index, m) in moves.iter().enumerate() {
            game.apply(m).map_err(|error| ReplayError::Move {
                index,
                id: m.id.clone(),
                error,
            })?;
        }
        Ok(game)
    }

    /// [`Match::replay`] of a decoded `GET /api/v1/casino` payload.
    pub fn from_data(data: &CasinoData) -> Result<Match, ReplayError> {
        Match::replay(&data.setup, &data.moves)
    }

    /// Apply one move. A refused move changes nothing.
    pub fn apply(&mut self, m: &CasinoMove) -> Result<Applied, IllegalMove> {
        if self.seen.contains(&m.id) {
            return Ok(Applied::Duplicate);
        }
        let applied = match &m.kind {
            MoveKind::Place { team, rolled, face } => self.place(&m.id, team, rolled, *face)?,
            MoveKind::Undo { .. } => self.undo()?,
        };
        self.seen.insert(m.id.clone());
        self.journal.push(m.clone());
        Ok(applied)
    }

    /// Would this place be accepted now? (Nothing changes.)
    pub fn check_place(&self, team: &str, rolled: &[u8], face: u8) -> Result<(), IllegalMove> {
        self.legal_place(team, rolled, face).map(|_| ())
    }

    fn legal_place(&self, team: &str, rolled: &[u8], face: u8) -> Result<usize, IllegalMove> {
        let Some(turn) = self.state.turn else {
            return Err(IllegalMove::MatchOver);
        };
        let index = self.team_index(team).ok_or_else(|| IllegalMove::UnknownTeam(team.to_string()))?;
        if index != turn {
            return Err(IllegalMove::OutOfTurn {
                team: team.to_string(),
                expected: self.setup.teams[turn].clone(),
            });
        }
        let left = self.state.dice_left[index];
        if rolled.len() != usize::from(left) {
            return Err(IllegalMove::WrongDiceCount {
                team: team.to_string(),
                left,
                rolled: rolled.len(),
            });
        }
        if let Some(&bad) = rolled.iter().chain(std::iter::once(&face)).find(|f| !(1..=6).contains(*f)) {
            return Err(IllegalMove::BadFace(bad));
        }
        if !rolled.contains(&face) {
            return Err(IllegalMove::FaceNotRolled {
                face,
                rolled: rolled.to_vec(),
            });
        }
        Ok(index)
    }

    fn place(&mut self, id: &str, team: &str, rolled: &[u8], face: u8) -> Result<Applied, IllegalMove> {
        let index = self.legal_place(team, rolled, face)?;
        let dice = rolled.iter().filter(|&&f| f == face).count() as u8;
        self.before.push(self.state.clone());
        let state = &mut self.state;
        state.casinos[usize::from(face - 1)].dice[index] += dice;
        state.dice_left[index] -= dice;
        let placement = Placement {
            move_id: id.to_string(),
            round_index: state.round_index,
            team: index,
            rolled: rolled.to_vec(),
            face,
            dice,
        };
        self.placements.push(placement.clone());
        state.turn = state.next_with_dice(index);
        let mut round_scored = None;
        if state.turn.is_none() {
            let result = state.score();
            if state.round_index + 1 < self.setup.rounds {
                state.round_index += 1;
                state.dice_left.fill(self.setup.dice_per_team);
                state.turn = Some(usize::from(state.round_index) % self.setup.teams.len());
                state.deal(&self.setup);
            }
            self.results.push(result.clone());
            round_scored = Some(result);
        }
        Ok(Applied::Placed {
            placement,
            round_scored,
            match_over: self.state.turn.is_none(),
        })
    }

    fn undo(&mut self) -> Result<Applied, IllegalMove> {
        let (Some(state), Some(undone)) = (self.before.pop(), self.placements.pop()) else {
            return Err(IllegalMove::NothingToUndo);
        };
        self.state = state;
        let round_reopened = self.results.last().is_some_and(|r| r.round_index == undone.round_index);
        if round_reopened {
            self.results.pop();
        }
        Ok(Applied::Undone { undone, round_reopened })
    }

    // ---- accessors ----

    pub fn setup(&self) -> &CasinoSetup {
        &self.setup
    }

    /// Team ids in turn order; a team index indexes this.
    pub fn teams(&self) -> &[String] {
        &self.setup.teams
    }

    pub fn team_index(&self, team: &str) -> Option<usize> {
        self.setup.teams.iter().position(|t| t == team)
    }

    /// The round being played, 0-based (after the match: the last round).
    pub fn round_index(&self) -> u8 {
        self.state.round_index
    }

    /// Rounds in the match.
    pub fn rounds(&self) -> u8 {
        self.setup.rounds
    }

    /// The team to play, `None` once the match is over.
    pub fn turn(&self) -> Option<usize> {
        self.state.turn
    }

    /// The team that starts round `round_index`.
    pub fn starting_team(&self, round_index: u8) -> usize {
        usize::from(round_index) % self.setup.teams.len()
    }

    /// Dice each team has left to roll this round.
    pub fn dice_left(&self) -> &[u8] {
        &self.state.dice_left
    }

    /// The six casinos (face 1 first): their cards and the dice on them. After the match is over
    /// they hold the last round's dice and no cards.
    pub fn casinos(&self) -> &[Casino] {
        &self.state.casinos
    }

    /// Casino `face` (1 to 6) as it would be scored now.
    ///
    /// # Panics
    /// When `face` is not 1 to 6.
    pub fn casino_order(&self, face: u8) -> CasinoOrder {
        assert!((1..=6).contains(&face), "casino faces are 1 to 6, not {face}");
        let casino = &self.state.casinos[usize::from(face - 1)];
        order(face, &casino.cards, &casino.dice)
    }

    /// All six casinos as they would be scored now (face 1 first). Once the match is over, the
    /// last round's order is in [`Match::round_results`].
    pub fn live_order(&self) -> Vec<CasinoOrder> {
        (1..=6).map(|face| self.casino_order(face)).collect()
    }

    /// Money and cards won per team, in team order.
    pub fn standings(&self) -> Vec<Standing> {
        (0..self.setup.teams.len())
            .map(|team| Standing {
                team,
                money: self.state.money[team],
                cards: self.state.cards_won[team],
            })
            .collect()
    }

    /// The ranking now (the final ranking once [`Match::finished`]): most money, most cards, then
    /// the setup's tie-break.
    pub fn ranking(&self) -> Vec<Ranked> {
        let standings = self.standings();
        let mut sorted = standings.clone();
        sorted.sort_by(|a, b| b.money.cmp(&a.money).then(b.cards.cmp(&a.cards)).then(a.team.cmp(&b.team)));
        let mut ranking: Vec<Ranked> = Vec::with_capacity(sorted.len());
        for (i, s) in sorted.iter().enumerate() {
            let place = match ranking.last() {
                Some(prev) if self.setup.tie_break == TieBreak::Shared && prev.money == s.money && prev.cards == s.cards => prev.place,
                _ => i + 1,
            };
            ranking.push(Ranked {
                place,
                team: s.team,
                money: s.money,
                cards: s.cards,
            });
        }
        ranking
    }

    /// Is the match over (every round scored)?
    pub fn finished(&self) -> bool {
        self.state.turn.is_none()
    }

    /// The scored rounds, in order.
    pub fn round_results(&self) -> &[RoundResult] {
        &self.results
    }

    /// Every place in effect (undone ones removed), in order, all rounds.
    pub fn placements(&self) -> &[Placement] {
        &self.placements
    }

    /// Can an undo be applied now?
    pub fn can_undo(&self) -> bool {
        !self.placements.is_empty()
    }

    /// Every accepted move (places and undos), in order: the journal.
    pub fn journal(&self) -> &[CasinoMove] {
        &self.journal
    }

    /// Has a move with this id been accepted?
    pub fn has_move(&self, id: &str) -> bool {
        self.seen.contains(id)
    }

    /// Cards left in the face-down draw pile.
    pub fn draw_pile_len(&self) -> usize {
        self.state.piles.draw.len()
    }

    /// The discard: cards nobody took, waiting for a reshuffle.
    pub fn discard(&self) -> &[u32] {
        &self.state.piles.discard
    }

    /// Value of the draw pile (for checks: money + discard + draw pile + casino cards is always
    /// the deck's total).
    pub fn draw_pile_total(&self) -> u64 {
        self.state.piles.draw.iter().map(|&v| u64::from(v)).sum()
    }
}

impl State {
    /// Deal every casino for a new round (dice cleared).
    fn deal(&mut self, setup: &CasinoSetup) {
        let teams = setup.teams.len();
        self.casinos = (0..CASINOS)
            .map(|_| Casino {
                cards: self.piles.deal_casino(setup.seed, setup.min_per_casino),
                dice: vec![0; teams],
            })
            .collect();
    }

    /// The next team after `team` (in turn order, wrapping, `team` itself last) with dice left.
    fn next_with_dice(&self, team: usize) -> Option<usize> {
        let n = self.dice_left.len();
        (1..=n).map(|k| (team + k) % n).find(|&t| self.dice_left[t] > 0)
    }

    /// Score the round: pay out, discard the rest, clear the casinos' cards.
    fn score(&mut self) -> RoundResult {
        let mut payouts = vec![0u64; self.money.len()];
        let mut casinos = Vec::with_capacity(CASINOS);
        for (i, casino) in self.casinos.iter_mut().enumerate() {
            let result = order(i as u8 + 1, &casino.cards, &casino.dice);
            for e in &result.entries {
                if let Outcome::Takes { card, .. } = e.outcome {
                    payouts[e.team] += u64::from(card);
                    self.cards_won[e.team] += 1;
                }
            }
            self.piles.discard.extend_from_slice(&result.unclaimed);
            casino.cards.clear();
            casinos.push(result);
        }
        for (money, paid) in self.money.iter_mut().zip(&payouts) {
            *money += paid;
        }
        RoundResult {
            round_index: self.round_index,
            casinos,
            payouts,
        }
    }
}
