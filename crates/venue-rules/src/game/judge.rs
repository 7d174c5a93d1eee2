//! Judging and scoring for the cube-timing game. Pure functions and plain data: no Bevy, no clock,
//! no I/O, so every rule here is unit-tested and the scoreboard can be journaled and resumed.
//!
//! # Timing
//!
//! A piece starts at `start_ms` and travels `speed` slots per second, so it is exactly on slot `k` at
//! `target_time_ms(start, k, speed) = start + 1000·k / speed` ([`piece_progress`] is the inverse).
//! Judging uses this analytic instant, never the frame the piece happened to be drawn on.
//!
//! A press's **offset** is `offset = (press − calibration) − target` in ms: negative = early,
//! positive = late. `calibration` is the player's input/display latency, measured with
//! [`calibration_offset`] (median of `press − beat` over at least 5 samples, ignoring any beyond ±250 ms).
//!
//! # Windows (inclusive edges: `|offset| <= window`)
//!
//! `window_i(d) = base_i × scale(d)`, `scale(d) = max(1 − 0.04·clamp(d, 0, 10), 0.1)`, `base = [22, 45, 90, 135]`
//! for Perfect, Great, Good, Bad; beyond the Bad window a target is a Miss. Both numbers are [`JudgeConfig`].
//!
//! | difficulty | scale | Perfect | Great | Good  | Bad   |
//! |-----------:|------:|--------:|------:|------:|------:|
//! | 0          | 1.00  | 22      | 45    | 90    | 135   |
//! | 3          | 0.88  | 19.36   | 39.6  | 79.2  | 118.8 |
//! | 6          | 0.76  | 16.72   | 34.2  | 68.4  | 102.6 |
//! | 9          | 0.64  | 14.08   | 28.8  | 57.6  | 86.4  |
//! | 10         | 0.60  | 13.2    | 27    | 54    | 81    |
//!
//! # Points ([`ScoringConfig`])
//!
//! Tier `i` covers `a < |offset| <= b` (`a = 0` and inclusive for Perfect) and tier values are
//! `P = [1000, 700, 400, 100]`, `P_miss = 0`. Inside a tier the points fall linearly, by the
//! fraction `f = 0.5` of the gap to the next tier's value:
//!
//! `base = P_i − f · (|offset| − a) / (b − a) · (P_i − P_{i+1})`
//!
//! so Perfect pays 1000…850, Great 700…550, Good 400…250, Bad 100…50, Miss 0. Because every tier ends at
//! or above where the next one starts, a press 1 ms closer never scores less. Per press:
//! `points = round(base × weight)`. A press that matches no target (a **mash**) costs
//! `−round(200 × weight)`. Round points = sum over targets + sum over mashes (can be negative).
//! Windows shrink with difficulty but the points scale with them, so a tier's point range does not
//! depend on difficulty.
//!
//! # Matching ([`judge_round`])
//!
//! Greedy in time order: presses are taken earliest first, and each claims the nearest still-unjudged
//! target within the Bad window (on an exact tie between two targets, the earlier one). A target takes at
//! most one press. A press that claims nothing is a mash. Like ITG, the first press inside a window
//! decides the target, so mashing lands early, on poor tiers, and pays a penalty for every extra press.
//! The judge expects **one press per physical key-down**: key repeat and held keys are filtered upstream.
//!
//! # Comeback bound
//!
//! With weights `[1, 1.5, 2, 3]` and 10 targets in the final round, a team whose every final press is
//! Perfect (even at the Perfect window's edge: `round(850 × 3) = 2550`) gains at least
//! `2550 − round(400 × 3) = 1350` per target on an opponent who scores Good on every target (at best
//! `1200`), i.e. 13 500 over the round. So a deficit of up to **X = 13 499** points after round 3 is
//! overturned; at 13 500 the teams tie. This holds at any difficulty.
//!
//! # Mashing
//!
//! A press landing uniformly inside a Bad window is worth about 391 on average (× weight) and a mash costs
//! 200, so a random press pays off only if it finds an unclaimed window with probability above
//! 200 / (391 + 200) ≈ 0.34, i.e. when targets are closer than `2 × Bad window / 0.34` (800 ms at
//! difficulty 0, 510 ms at difficulty 9). Faster mashing is worse still: the first press in a window takes
//! the target (usually early: Bad or Good) and every other press pays the penalty. The tests check, with
//! 10 targets 1–1.5 s apart at difficulty 0, 5 and 10 and seeded uniform press streams of 1–20 presses/s,
//! that the mean is below 0 (not pressing) at every rate, that every trial at 3 presses/s or more is below
//! 0, and that no sparser trial reaches a third of a perfect round. Denser pieces weaken this: with a target
//! every 312 ms at difficulty 0, one random press per second averages about +500 over 10 targets, although
//! 8 presses/s still loses about 2 000. Keep pieces of one team at least ~0.8 s apart.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Hardest difficulty; higher values are clamped to it.
pub const MAX_DIFFICULTY: f64 = 10.0;
/// Windows never shrink below this fraction of their base, whatever the config says, so a hit stays possible.
pub const MIN_WINDOW_SCALE: f64 = 0.1;
/// Calibration samples further than this from the beat are fumbles, not latency.
pub const CALIBRATION_OUTLIER_MS: f64 = 250.0;
/// Fewer valid samples than this give no calibration.
pub const CALIBRATION_MIN_SAMPLES: usize = 5;

/// How well a target was hit, best first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Judgement {
    Perfect,
    Great,
    Good,
    Bad,
    Miss,
}

impl Judgement {
    /// The tiers that have a window, in `base_windows_ms` order.
    pub const HIT_TIERS: [Judgement; 4] = [Judgement::Perfect, Judgement::Great, Judgement::Good, Judgement::Bad];

    fn tier_index(self) -> Option<usize> {
        Self::HIT_TIERS.iter().position(|&t| t == self)
    }
}

/// Timing windows. `base_windows_ms` are the Perfect, Great, Good, Bad half-widths at difficulty 0;
/// each difficulty step shrinks them by `shrink_per_difficulty` of their base.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct JudgeConfig {
    pub base_windows_ms: [f64; 4],
    pub shrink_per_difficulty: f64,
}

impl Default for JudgeConfig {
    fn default() -> Self {
        Self {
            base_windows_ms: [22.0, 45.0, 90.0, 135.0],
            shrink_per_difficulty: 0.04,
        }
    }
}

impl JudgeConfig {
    /// Rejects windows that are not positive and non-decreasing, and a non-finite shrink.
    pub fn validate(&self) -> Result<(), String> {
        let w = self.base_windows_ms;
        if !w.iter().all(|x| x.is_finite() && *x > 0.0) || w.windows(2).any(|p| p[0] > p[1]) {
            return Err(format!("judge windows must be positive and non-decreasing, got {w:?}"));
        }
        if !self.shrink_per_difficulty.is_finite() {
            return Err("shrink_per_difficulty must be finite".into());
        }
        Ok(())
    }

    /// Window multiplier at `difficulty` (clamped to 0..=10; a non-finite difficulty counts as 0).
    pub fn scale(&self, difficulty: f64) -> f64 {
        let d = if difficulty.is_finite() {
            difficulty.clamp(0.0, MAX_DIFFICULTY)
        } else {
            0.0
        };
        (1.0 - self.shrink_per_difficulty * d).max(MIN_WINDOW_SCALE)
    }

    /// Perfect, Great, Good, Bad half-widths in ms at `difficulty`.
    pub fn windows_ms(&self, difficulty: f64) -> [f64; 4] {
        let s = self.scale(difficulty);
        self.base_windows_ms.map(|w| w * s)
    }

    /// Tier of a corrected offset; edges are inclusive.
    pub fn judge(&self, offset_ms: f64, difficulty: f64) -> Judgement {
        tier_of(offset_ms.abs(), &self.windows_ms(difficulty))
    }
}

fn tier_of(abs_offset_ms: f64, windows: &[f64; 4]) -> Judgement {
    // NaN compares false everywhere and falls through to Miss.
    windows
        .iter()
        .position(|w| abs_offset_ms <= *w)
        .map_or(Judgement::Miss, |i| Judgement::HIT_TIERS[i])
}

/// Point values. `tier_points` are Perfect, Great, Good, Bad at a dead-centre hit of their tier
/// (non-increasing, ≥ 0); `accuracy_falloff` is the fraction of the gap to the next tier lost across a
/// tier's window (0..=1); `mash_penalty` is paid, times the round weight, for each press that matches nothing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ScoringConfig {
    pub tier_points: [f64; 4],
    pub accuracy_falloff: f64,
    pub mash_penalty: f64,
}

impl Default for ScoringConfig {
    fn default() -> Self {
        Self {
            tier_points: [1000.0, 700.0, 400.0, 100.0],
            accuracy_falloff: 0.5,
            mash_penalty: 200.0,
        }
    }
}

impl ScoringConfig {
    /// Rejects values that would let a better press score less or a mash pay.
    pub fn validate(&self) -> Result<(), String> {
        let p = self.tier_points;
        if !p.iter().all(|x| x.is_finite() && *x >= 0.0) || p.windows(2).any(|w| w[0] < w[1]) {
            return Err(format!("tier points must be non-negative and non-increasing, got {p:?}"));
        }
        if !(0.0..=1.0).contains(&self.accuracy_falloff) {
            return Err(format!("accuracy_falloff must be within 0..=1, got {}", self.accuracy_falloff));
        }
        if !(self.mash_penalty.is_finite() && self.mash_penalty >= 0.0) {
            return Err(format!("mash_penalty must be finite and non-negative, got {}", self.mash_penalty));
        }
        Ok(())
    }
}

/// Everything that varies per round. Build it from the feed's `Round` (`difficulty`, `weight`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RoundRules {
    /// 0 = most lenient windows, 10 = strictest.
    pub difficulty: f64,
    /// Score multiplier (later rounds weigh more).
    pub weight: f64,
    pub judge: JudgeConfig,
    pub scoring: ScoringConfig,
}

impl Default for RoundRules {
    fn default() -> Self {
        Self::new(0.0, 1.0)
    }
}

impl RoundRules {
    /// Default windows and points at this difficulty and weight.
    pub fn new(difficulty: f64, weight: f64) -> Self {
        Self {
            difficulty,
            weight,
            judge: JudgeConfig::default(),
            scoring: ScoringConfig::default(),
        }
    }

    /// Tier and weighted points of a press with this corrected offset against its target.
    pub fn judge_press(&self, offset_ms: f64) -> (Judgement, i64) {
        let windows = self.judge.windows_ms(self.difficulty);
        let abs = offset_ms.abs();
        let tier = tier_of(abs, &windows);
        let Some(i) = tier.tier_index() else { return (Judgement::Miss, 0) };
        let p = &self.scoring.tier_points;
        let next = if i + 1 < p.len() { p[i + 1] } else { 0.0 };
        let inner = if i == 0 { 0.0 } else { windows[i - 1] };
        let width = windows[i] - inner;
        let through = if width > 0.0 {
            ((abs - inner) / width).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let base = p[i] - self.scoring.accuracy_falloff * through * (p[i] - next);
        (tier, weighted(base, self.weight))
    }

    /// Weighted points of a press with this corrected offset (0 beyond the Bad window).
    pub fn press_points(&self, offset_ms: f64) -> i64 {
        self.judge_press(offset_ms).1
    }

    /// Weighted points of one mash (≤ 0).
    pub fn mash_points(&self) -> i64 {
        -weighted(self.scoring.mash_penalty, self.weight)
    }

    /// Points of a round in which every one of `targets` is hit dead centre.
    pub fn max_round_points(&self, targets: usize) -> i64 {
        self.press_points(0.0) * targets as i64
    }
}

fn weighted(points: f64, weight: f64) -> i64 {
    // Rounding per press keeps totals integral (the results contract uses i64) and stays monotonic.
    let w = if weight.is_finite() { weight } else { 0.0 };
    (points * w).round() as i64
}

/// How one target went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetOutcome {
    pub target_ms: f64,
    /// Index into the `presses_ms` given to [`judge_round`]; `None` = missed.
    pub press: Option<usize>,
    /// Calibrated offset of that press (negative = early).
    pub offset_ms: Option<f64>,
    pub judgement: Judgement,
    /// Weighted.
    pub points: i64,
}

/// Result of one team's round. `targets` is in the order given to [`judge_round`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundOutcome {
    pub targets: Vec<TargetOutcome>,
    /// Indices of presses that matched no target, in time order.
    pub mash_presses: Vec<usize>,
    /// Weighted penalty of all mashes (≤ 0).
    pub mash_points: i64,
    /// Round total, weight applied: target points + `mash_points`.
    pub points: i64,
}

impl RoundOutcome {
    /// Targets judged `judgement`.
    pub fn count(&self, judgement: Judgement) -> usize {
        self.targets.iter().filter(|t| t.judgement == judgement).count()
    }
}

/// Judges one team's presses against a round's target instants (all in ms on the same clock).
/// See the module doc for the matching rule. Non-finite targets can't be hit (Miss); non-finite
/// presses are mashes; a non-finite calibration counts as 0.
pub fn judge_round(targets_ms: &[f64], presses_ms: &[f64], calibration_ms: f64, round: &RoundRules) -> RoundOutcome {
    let calibration = if calibration_ms.is_finite() { calibration_ms } else { 0.0 };
    let bad_window = round.judge.windows_ms(round.difficulty)[3];

    let mut target_order: Vec<usize> = (0..targets_ms.len()).filter(|&i| targets_ms[i].is_finite()).collect();
    target_order.sort_by(|&a, &b| targets_ms[a].total_cmp(&targets_ms[b]).then(a.cmp(&b)));
    let mut press_order: Vec<usize> = (0..presses_ms.len()).collect();
    press_order.sort_by(|&a, &b| presses_ms[a].total_cmp(&presses_ms[b]).then(a.cmp(&b)));

    let mut claimed_by: Vec<Option<(usize, f64)>> = vec![None; targets_ms.len()];
    let mut mash_presses = Vec::new();
    for p in press_order {
        let at = presses_ms[p] - calibration;
        let mut best: Option<(usize, f64)> = None;
        if at.is_finite() {
            for &t in &target_order {
                if claimed_by[t].is_some() {
                    continue;
                }
                let offset = at - targets_ms[t];
                // Strict `<` keeps the earlier target on an exact tie (targets are in time order).
                if offset.abs() <= bad_window && best.is_none_or(|(_, o): (usize, f64)| offset.abs() < o.abs()) {
                    best = Some((t, offset));
                }
            }
        }
        match best {
            Some((t, offset)) => claimed_by[t] = Some((p, offset)),
            None => mash_presses.push(p),
        }
    }

    let targets: Vec<TargetOutcome> = targets_ms
        .iter()
        .zip(&claimed_by)
        .map(|(&target_ms, claim)| match *claim {
            Some((press, offset)) => {
                let (judgement, points) = round.judge_press(offset);
                TargetOutcome {
                    target_ms,
                    press: Some(press),
                    offset_ms: Some(offset),
                    judgement,
                    points,
                }
            }
            None => TargetOutcome {
                target_ms,
                press: None,
                offset_ms: None,
                judgement: Judgement::Miss,
                points: 0,
            },
        })
        .collect();
    let mash_points = round.mash_points() * mash_presses.len() as i64;
    let points = targets.iter().map(|t| t.points).sum::<i64>() + mash_points;
    RoundOutcome {
        targets,
        mash_presses,
        mash_points,
        points,
    }
}

/// Player latency from a tap-along: median of `press − beat` samples in ms, ignoring non-finite ones and
/// any beyond ±250 ms (fumbles). `None` with fewer than 5 valid samples. Subtract it from presses.
pub fn calibration_offset(samples_ms: &[f64]) -> Option<f64> {
    let mut valid: Vec<f64> = samples_ms
        .iter()
        .copied()
        .filter(|s| s.is_finite() && s.abs() <= CALIBRATION_OUTLIER_MS)
        .collect();
    if valid.len() < CALIBRATION_MIN_SAMPLES {
        return None;
    }
    valid.sort_by(f64::total_cmp);
    let mid = valid.len() / 2;
    Some(if valid.len() % 2 == 1 {
        valid[mid]
    } else {
        (valid[mid - 1] + valid[mid]) / 2.0
    })
}

/// Slots a piece has travelled at `t_ms` (negative before it starts; the renderer clamps, the judge doesn't need to).
pub fn piece_progress(t_ms: f64, start_ms: f64, speed_slots_per_s: f64) -> f64 {
    (t_ms - start_ms) / 1000.0 * speed_slots_per_s
}

/// The instant the piece is exactly on slot `slot_index`: the target the judge measures against.
/// A speed that is not positive never gets there (`+∞`, judged Miss).
pub fn target_time_ms(start_ms: f64, slot_index: u32, speed_slots_per_s: f64) -> f64 {
    if speed_slots_per_s.is_nan() || speed_slots_per_s <= 0.0 {
        return f64::INFINITY;
    }
    start_ms + f64::from(slot_index) * 1000.0 / speed_slots_per_s
}

/// Why the scoreboard refused an update or a journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreError {
    UnknownTeam(String),
    DuplicateTeam(String),
    /// Every round in the plan already has points.
    NoRoundLeft,
    /// A journaled scoreboard whose parts disagree.
    Inconsistent(String),
}

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownTeam(id) => write!(f, "unknown team {id:?}"),
            Self::DuplicateTeam(id) => write!(f, "team {id:?} listed twice"),
            Self::NoRoundLeft => write!(f, "all rounds already have points"),
            Self::Inconsistent(why) => write!(f, "inconsistent scoreboard: {why}"),
        }
    }
}

impl std::error::Error for ScoreError {}

/// One team's points so far, one entry per played round (weight already applied).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamTally {
    pub team_id: String,
    pub round_points: Vec<i64>,
}

impl TeamTally {
    pub fn total(&self) -> i64 {
        self.round_points.iter().sum()
    }
}

/// A row of the ranking. Equal totals share a rank ("1, 1, 3").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub rank: usize,
    pub team_id: String,
    pub total: i64,
}

/// A team on the podium: its place and the points the podium shows (its total, never below 0).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodiumPlace {
    pub rank: usize,
    pub team_id: String,
    pub shown_points: i64,
}

/// Points of all teams across a game's rounds. Serializable so a journal lets a restarted kiosk resume;
/// deserializing checks that the parts agree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ScoreboardJournal")]
pub struct Scoreboard {
    /// Weight of each planned round, in order (for display; recorded points already include it).
    round_weights: Vec<f64>,
    rounds_played: usize,
    /// In registration order, which also orders teams that tie.
    teams: Vec<TeamTally>,
}

#[derive(Deserialize)]
struct ScoreboardJournal {
    round_weights: Vec<f64>,
    rounds_played: usize,
    teams: Vec<TeamTally>,
}

impl TryFrom<ScoreboardJournal> for Scoreboard {
    type Error = ScoreError;

    fn try_from(j: ScoreboardJournal) -> Result<Self, ScoreError> {
        let mut board = Scoreboard::new(j.teams.iter().map(|t| t.team_id.clone()), j.round_weights)?;
        if j.rounds_played > board.round_weights.len() {
            return Err(ScoreError::Inconsistent(format!(
                "{} rounds played of {} planned",
                j.rounds_played,
                board.round_weights.len()
            )));
        }
        if let Some(t) = j.teams.iter().find(|t| t.round_points.len() != j.rounds_played) {
            return Err(ScoreError::Inconsistent(format!(
                "team {:?} has {} rounds, expected {}",
                t.team_id,
                t.round_points.len(),
                j.rounds_played
            )));
        }
        board.rounds_played = j.rounds_played;
        board.teams = j.teams;
        Ok(board)
    }
}

impl Scoreboard {
    /// A board for these teams (ids unique) and the planned rounds' weights.
    pub fn new<S: Into<String>>(team_ids: impl IntoIterator<Item = S>, round_weights: Vec<f64>) -> Result<Self, ScoreError> {
        let mut teams: Vec<TeamTally> = Vec::new();
        for id in team_ids {
            let id = id.into();
            if teams.iter().any(|t| t.team_id == id) {
                return Err(ScoreError::DuplicateTeam(id));
            }
            teams.push(TeamTally {
                team_id: id,
                round_points: Vec::new(),
            });
        }
        Ok(Self {
            round_weights,
            rounds_played: 0,
            teams,
        })
    }

    pub fn teams(&self) -> &[TeamTally] {
        &self.teams
    }

    pub fn round_weights(&self) -> &[f64] {
        &self.round_weights
    }

    pub fn rounds_played(&self) -> usize {
        self.rounds_played
    }

    /// 0-based index of the round to play next; `None` when the game is over.
    pub fn next_round(&self) -> Option<usize> {
        (self.rounds_played < self.round_weights.len()).then_some(self.rounds_played)
    }

    /// Multiplier of the round to play next, for the "×2 points" banner; `None` when the game is over.
    pub fn next_round_weight(&self) -> Option<f64> {
        self.next_round().map(|i| self.round_weights[i])
    }

    /// Records the next round's points (weight applied, e.g. [`RoundOutcome::points`]). Teams left out
    /// score 0. All-or-nothing: on error nothing changes. Returns the 0-based round index recorded.
    pub fn record_round(&mut self, points: &[(&str, i64)]) -> Result<usize, ScoreError> {
        let round = self.next_round().ok_or(ScoreError::NoRoundLeft)?;
        let mut row = vec![None; self.teams.len()];
        for &(id, p) in points {
            let i = self.index_of(id).ok_or_else(|| ScoreError::UnknownTeam(id.to_string()))?;
            if row[i].replace(p).is_some() {
                return Err(ScoreError::DuplicateTeam(id.to_string()));
            }
        }
        for (team, p) in self.teams.iter_mut().zip(row) {
            team.round_points.push(p.unwrap_or(0));
        }
        self.rounds_played += 1;
        Ok(round)
    }

    /// Points of `team_id` in 0-based `round`, if both exist and the round was played.
    pub fn round_points(&self, team_id: &str, round: usize) -> Option<i64> {
        self.teams.get(self.index_of(team_id)?)?.round_points.get(round).copied()
    }

    pub fn total(&self, team_id: &str) -> Option<i64> {
        Some(self.teams[self.index_of(team_id)?].total())
    }

    /// Teams by total, best first; ties share the rank ("1, 1, 3") and keep registration order.
    pub fn standings(&self) -> Vec<Standing> {
        let mut rows: Vec<Standing> = self
            .teams
            .iter()
            .map(|t| Standing {
                rank: 0,
                team_id: t.team_id.clone(),
                total: t.total(),
            })
            .collect();
        // Stable sort: equal totals stay in registration order.
        rows.sort_by_key(|row| std::cmp::Reverse(row.total));
        for i in 0..rows.len() {
            rows[i].rank = if i > 0 && rows[i].total == rows[i - 1].total {
                rows[i - 1].rank
            } else {
                i + 1
            };
        }
        rows
    }

    /// The podium: places by the true totals (a team that mashed less still places higher), but
    /// points shown never below 0: a first-time audience sees "0 pts", not a negative score.
    pub fn podium(&self) -> Vec<PodiumPlace> {
        self.standings()
            .into_iter()
            .map(|s| PodiumPlace {
                shown_points: s.total.max(0),
                rank: s.rank,
                team_id: s.team_id,
            })
            .collect()
    }

    fn index_of(&self, team_id: &str) -> Option<usize> {
        self.teams.iter().position(|t| t.team_id == team_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    const DIFFICULTIES: [f64; 6] = [0.0, 1.0, 3.0, 6.0, 9.0, 10.0];
    const NEXT_TIER: [Judgement; 4] = [Judgement::Great, Judgement::Good, Judgement::Bad, Judgement::Miss];

    fn assert_close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn windows_match_the_documented_table() {
        let judge = JudgeConfig::default();
        let table = [
            (0.0, [22.0, 45.0, 90.0, 135.0]),
            (3.0, [19.36, 39.6, 79.2, 118.8]),
            (6.0, [16.72, 34.2, 68.4, 102.6]),
            (9.0, [14.08, 28.8, 57.6, 86.4]),
            (10.0, [13.2, 27.0, 54.0, 81.0]),
        ];
        for (d, expected) in table {
            for (w, e) in judge.windows_ms(d).iter().zip(expected) {
                assert_close(*w, e);
            }
        }
        // Out-of-range difficulties clamp; NaN counts as the most lenient.
        assert_eq!(judge.windows_ms(15.0), judge.windows_ms(10.0));
        assert_eq!(judge.windows_ms(-2.0), judge.windows_ms(0.0));
        assert_eq!(judge.windows_ms(f64::NAN), judge.windows_ms(0.0));
        // A config that would close the windows keeps 10 % of them.
        let harsh = JudgeConfig {
            shrink_per_difficulty: 0.5,
            ..JudgeConfig::default()
        };
        assert_close(harsh.windows_ms(10.0)[0], 2.2);
    }

    #[test]
    fn window_edges_are_inclusive_per_tier_and_difficulty() {
        let judge = JudgeConfig::default();
        for d in DIFFICULTIES {
            let w = judge.windows_ms(d);
            for (i, tier) in Judgement::HIT_TIERS.into_iter().enumerate() {
                for edge in [w[i], -w[i]] {
                    assert_eq!(judge.judge(edge, d), tier, "d={d} edge {edge}");
                    let beyond = if edge > 0.0 { edge.next_up() } else { edge.next_down() };
                    assert_eq!(judge.judge(beyond, d), NEXT_TIER[i], "d={d} beyond {beyond}");
                }
                // The same edges through the whole round judge (target 0 keeps the arithmetic exact).
                let rules = RoundRules::new(d, 1.0);
                let on = judge_round(&[0.0], &[w[i]], 0.0, &rules);
                assert_eq!(on.targets[0].judgement, tier);
                let off = judge_round(&[0.0], &[w[i].next_up()], 0.0, &rules);
                assert_eq!(off.targets[0].judgement, NEXT_TIER[i]);
                assert_eq!(off.mash_presses.len(), usize::from(i == 3), "beyond Bad the press is a mash");
            }
        }
    }

    #[test]
    fn points_follow_the_documented_formula() {
        let r = RoundRules::new(0.0, 1.0);
        assert_eq!(r.press_points(0.0), 1000);
        assert_eq!(r.press_points(11.0), 925);
        assert_eq!(r.press_points(-22.0), 850);
        assert_eq!(r.press_points(22.0_f64.next_up()), 700);
        assert_eq!(r.press_points(45.0), 550);
        assert_eq!(r.press_points(67.5), 325);
        assert_eq!(r.press_points(90.0), 250);
        assert_eq!(r.press_points(135.0), 50);
        assert_eq!(r.press_points(135.0_f64.next_up()), 0);
        assert_eq!(r.mash_points(), -200);
        // Windows shrink with difficulty; the tier's point range doesn't.
        let hard = RoundRules::new(9.0, 1.0);
        assert_eq!(hard.press_points(14.08), 850);
        assert_eq!(hard.press_points(86.4), 50);
        assert_eq!(r.max_round_points(10), 10_000);
    }

    #[test]
    fn calibration_shifts_judgement() {
        let rules = RoundRules::new(0.0, 1.0);
        let judge = |cal: f64| judge_round(&[1000.0], &[1060.0], cal, &rules);
        let raw = judge(0.0);
        assert_eq!((raw.targets[0].judgement, raw.targets[0].offset_ms), (Judgement::Good, Some(60.0)));
        let calibrated = judge(60.0);
        assert_eq!((calibrated.targets[0].judgement, calibrated.points), (Judgement::Perfect, 1000));
        // Over-correcting makes the same press early, then unreachable (a mash).
        assert_eq!(judge(100.0).targets[0].judgement, Judgement::Great);
        let too_much = judge(200.0);
        assert_eq!((too_much.targets[0].judgement, too_much.points), (Judgement::Miss, -200));
        // A non-finite calibration is ignored rather than turning every press into a mash.
        assert_eq!(judge(f64::NAN), raw);
    }

    #[test]
    fn round_weight_multiplies_points_and_penalties() {
        let targets = [1000.0, 2000.0, 3000.0];
        // Dead centre, Great edge (550), one mash.
        let presses = [1000.0, 2045.0, 5000.0];
        for (weight, perfect, great_edge, mash) in [
            (1.0, 1000, 550, -200),
            (1.5, 1500, 825, -300),
            (2.0, 2000, 1100, -400),
            (3.0, 3000, 1650, -600),
        ] {
            let out = judge_round(&targets, &presses, 0.0, &RoundRules::new(0.0, weight));
            assert_eq!(out.targets[0].points, perfect);
            assert_eq!(out.targets[1].points, great_edge);
            assert_eq!(out.targets[2].judgement, Judgement::Miss);
            assert_eq!(out.mash_points, mash);
            assert_eq!(out.points, perfect + great_edge + mash);
        }
    }

    #[test]
    fn better_offset_never_scores_less_sampled() {
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0001);
        for _ in 0..50_000 {
            let weight = [1.0, 1.5, 2.0, 3.0, rng.random_range(0.1..5.0)][rng.random_range(0..5)];
            let rules = RoundRules::new(rng.random_range(0.0..=10.0), weight);
            let worse: f64 = rng.random_range(0.0..160.0);
            let better: f64 =
                [worse - 1.0, worse - rng.random_range(0.0..2.0), rng.random_range(0.0..=worse)][rng.random_range(0..3)].max(0.0);
            let mut sign = |x: f64| if rng.random_bool(0.5) { x } else { -x };
            let (b, w) = (sign(better), sign(worse));
            assert!(
                rules.press_points(b) >= rules.press_points(w),
                "{rules:?}: {b} scored less than {w}"
            );
        }
        // And densely across every tier edge at each difficulty.
        for d in DIFFICULTIES {
            let rules = RoundRules::new(d, 1.5);
            let mut last = i64::MAX;
            for step in 0..=15_000 {
                let p = rules.press_points(f64::from(step) * 0.01);
                assert!(p <= last, "d={d} at {} ms", f64::from(step) * 0.01);
                last = p;
            }
        }
    }

    #[test]
    fn ties_share_a_rank() {
        let mut board = Scoreboard::new(["a", "b", "c", "d", "e"], vec![1.0, 2.0]).unwrap();
        board
            .record_round(&[("a", 500), ("b", 700), ("c", 700), ("d", 300), ("e", 500)])
            .unwrap();
        let standings = board.standings();
        let ranks: Vec<(usize, &str, i64)> = standings.iter().map(|s| (s.rank, s.team_id.as_str(), s.total)).collect();
        assert_eq!(ranks, [(1, "b", 700), (1, "c", 700), (3, "a", 500), (3, "e", 500), (5, "d", 300)]);

        board.record_round(&[("d", 400)]).unwrap();
        let ranks: Vec<usize> = board.standings().iter().map(|s| s.rank).collect();
        assert_eq!(ranks, [1, 1, 1, 4, 4], "d catches up to 700");
        assert_eq!(
            Scoreboard::new(["x", "y"], vec![])
                .unwrap()
                .standings()
                .iter()
                .map(|s| s.rank)
                .collect::<Vec<_>>(),
            [1, 1]
        );
    }

    #[test]
    fn scoreboard_tracks_rounds_totals_and_next_weight() {
        let mut board = Scoreboard::new(["nebula", "aurora"], vec![1.0, 1.5, 2.0, 3.0]).unwrap();
        assert_eq!((board.next_round(), board.next_round_weight()), (Some(0), Some(1.0)));
        assert_eq!(board.record_round(&[("nebula", 900), ("aurora", 1200)]), Ok(0));
        assert_eq!(board.next_round_weight(), Some(1.5));
        // Errors leave the board untouched.
        assert_eq!(
            board.record_round(&[("nebula", 1), ("pulsar", 5)]),
            Err(ScoreError::UnknownTeam("pulsar".into()))
        );
        assert_eq!(
            board.record_round(&[("nebula", 1), ("nebula", 5)]),
            Err(ScoreError::DuplicateTeam("nebula".into()))
        );
        assert_eq!(board.rounds_played(), 1);
        assert_eq!(board.record_round(&[("nebula", 1350)]), Ok(1));
        assert_eq!((board.round_points("aurora", 1), board.total("aurora")), (Some(0), Some(1200)));
        assert_eq!(board.total("nebula"), Some(2250));
        assert_eq!(board.round_points("nebula", 2), None);
        board.record_round(&[]).unwrap();
        board.record_round(&[]).unwrap();
        assert_eq!((board.next_round(), board.next_round_weight()), (None, None));
        assert_eq!(board.record_round(&[]), Err(ScoreError::NoRoundLeft));
        assert_eq!(
            Scoreboard::new(["a", "a"], vec![1.0]).unwrap_err(),
            ScoreError::DuplicateTeam("a".into())
        );
    }

    #[test]
    fn journaled_scoreboard_is_checked_on_load() {
        let tally = |id: &str, pts: &[i64]| TeamTally {
            team_id: id.into(),
            round_points: pts.to_vec(),
        };
        let journal = |played, teams| ScoreboardJournal {
            round_weights: vec![1.0, 2.0],
            rounds_played: played,
            teams,
        };
        let board = Scoreboard::try_from(journal(1, vec![tally("a", &[5]), tally("b", &[7])])).unwrap();
        assert_eq!((board.total("b"), board.next_round_weight()), (Some(7), Some(2.0)));
        assert!(matches!(
            Scoreboard::try_from(journal(1, vec![tally("a", &[5]), tally("b", &[])])),
            Err(ScoreError::Inconsistent(_))
        ));
        assert!(matches!(Scoreboard::try_from(journal(3, vec![])), Err(ScoreError::Inconsistent(_))));
        assert!(matches!(
            Scoreboard::try_from(journal(0, vec![tally("a", &[]), tally("a", &[])])),
            Err(ScoreError::DuplicateTeam(_))
        ));
        fn journaled<T: Serialize + serde::de::DeserializeOwned>() {}
        journaled::<Scoreboard>();
        journaled::<RoundOutcome>();
        journaled::<RoundRules>();
    }

    /// Claim: with weights [1, 1.5, 2, 3] and 10 targets in the final round, a team trailing by up to
    /// X = 13 499 points after round 3 still wins with an all-Perfect final round (even every press at
    /// the Perfect edge) against an opponent who scores Good on every target (even at Good's best).
    #[test]
    fn final_round_overturns_the_documented_deficit() {
        const DOCUMENTED_X: i64 = 13_499;
        const TARGETS: usize = 10;
        for difficulty in [0.0, 9.0] {
            let final_round = RoundRules::new(difficulty, 3.0);
            let w = final_round.judge.windows_ms(difficulty);
            let worst_perfect = final_round.press_points(w[0]);
            let best_good = final_round.press_points(w[1].next_up());
            let x = TARGETS as i64 * (worst_perfect - best_good) - 1;
            assert_eq!(x, DOCUMENTED_X, "difficulty {difficulty}");

            let targets: Vec<f64> = (0..TARGETS).map(|k| 2000.0 + 1500.0 * k as f64).collect();
            // Alternate early/late; the tiny factors absorb rounding in `target + offset − target`.
            let side = |k: usize| if k.is_multiple_of(2) { 1.0 } else { -1.0 };
            let chaser_presses: Vec<f64> = targets
                .iter()
                .enumerate()
                .map(|(k, t)| t + side(k) * w[0] * (1.0 - 1e-12))
                .collect();
            let leader_presses: Vec<f64> = targets
                .iter()
                .enumerate()
                .map(|(k, t)| t - side(k) * w[1] * (1.0 + 1e-12))
                .collect();
            let chaser = judge_round(&targets, &chaser_presses, 0.0, &final_round);
            let leader = judge_round(&targets, &leader_presses, 0.0, &final_round);
            assert_eq!(chaser.count(Judgement::Perfect), TARGETS);
            assert_eq!(leader.count(Judgement::Good), TARGETS);
            assert_eq!(chaser.points - leader.points, x + 1);

            for (deficit, chaser_rank, leader_rank) in [(x - 1, 1, 2), (x, 1, 2), (x + 1, 1, 1), (x + 2, 2, 1)] {
                let mut board = Scoreboard::new(["leader", "chaser"], vec![1.0, 1.5, 2.0, 3.0]).unwrap();
                board.record_round(&[("leader", 6000 + deficit), ("chaser", 6000)]).unwrap();
                board.record_round(&[("leader", 9000), ("chaser", 9000)]).unwrap();
                board.record_round(&[("leader", 12_000), ("chaser", 12_000)]).unwrap();
                assert_eq!(board.total("leader").unwrap() - board.total("chaser").unwrap(), deficit);
                assert_eq!(board.next_round_weight(), Some(3.0));
                board.record_round(&[("leader", leader.points), ("chaser", chaser.points)]).unwrap();
                let rank = |id: &str| board.standings().into_iter().find(|s| s.team_id == id).unwrap().rank;
                assert_eq!((rank("chaser"), rank("leader")), (chaser_rank, leader_rank), "deficit {deficit}");
            }
        }
    }

    /// Uniformly random presses at `presses_per_s` over a round of 10 targets 1–1.5 s apart.
    fn mash_trial(rng: &mut ChaCha8Rng, presses_per_s: f64, rules: &RoundRules) -> i64 {
        let mut t = 1000.0;
        let targets: Vec<f64> = (0..10)
            .map(|_| {
                t += rng.random_range(1000.0..1500.0);
                t
            })
            .collect();
        let (from, to) = (targets[0] - 500.0, targets[9] + 500.0);
        let count = ((to - from) / 1000.0 * presses_per_s).round() as usize;
        let presses: Vec<f64> = (0..count).map(|_| rng.random_range(from..to)).collect();
        judge_round(&targets, &presses, 0.0, rules).points
    }

    #[test]
    fn random_mashing_scores_worse_than_not_pressing() {
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0002);
        const TRIALS: usize = 400;
        for difficulty in [0.0, 5.0, 10.0] {
            for weight in [1.0, 3.0] {
                let rules = RoundRules::new(difficulty, weight);
                let not_pressing = judge_round(&[1000.0, 2000.0], &[], 0.0, &rules).points;
                assert_eq!(not_pressing, 0);
                for presses_per_s in [1.0, 2.0, 3.0, 5.0, 8.0, 12.0, 20.0] {
                    let scores: Vec<i64> = (0..TRIALS).map(|_| mash_trial(&mut rng, presses_per_s, &rules)).collect();
                    let mean = scores.iter().sum::<i64>() as f64 / TRIALS as f64;
                    let best = *scores.iter().max().unwrap();
                    let label = format!("difficulty {difficulty}, weight {weight}, {presses_per_s}/s");
                    assert!(mean < not_pressing as f64, "{label}: mean {mean}");
                    if presses_per_s >= 3.0 {
                        // Real mashing: not one trial beats standing still.
                        assert!(best < not_pressing, "{label}: best {best}");
                    } else {
                        // Sparse guessing gets lucky sometimes, but never close to playing.
                        assert!(best < rules.max_round_points(10) / 3, "{label}: best {best}");
                    }
                }
            }
        }
    }

    #[test]
    fn break_even_numbers_in_the_doc_hold() {
        // Mean points of a press uniformly inside the Bad window, at difficulty 0, weight 1.
        let rules = RoundRules::new(0.0, 1.0);
        let steps = 270_000;
        let mean = (0..steps)
            .map(|i| rules.press_points(-135.0 + 270.0 * (i as f64 + 0.5) / steps as f64) as f64)
            .sum::<f64>()
            / steps as f64;
        assert!((mean - 391.0).abs() < 1.0, "{mean}");
        let coverage = 200.0 / (mean + 200.0);
        assert!((coverage - 0.34).abs() < 0.005, "{coverage}");
        assert!((2.0 * 135.0 / coverage - 800.0).abs() < 10.0);
        assert!((2.0 * 86.4 / coverage - 510.0).abs() < 10.0);
    }

    #[test]
    fn simultaneous_presses_are_all_judged() {
        let rules = RoundRules::new(0.0, 1.0);
        let out = judge_round(&[100.0, 200.0], &[150.0, 150.0], 0.0, &rules);
        assert_eq!(
            out.targets.iter().map(|t| (t.press, t.offset_ms)).collect::<Vec<_>>(),
            [(Some(0), Some(50.0)), (Some(1), Some(-50.0))]
        );
        assert_eq!(out.count(Judgement::Good), 2);
        // Two pieces due at once, two presses at once.
        let chord = judge_round(&[500.0, 500.0], &[500.0, 500.0], 0.0, &rules);
        assert_eq!((chord.count(Judgement::Perfect), chord.points), (2, 2000));
        // Three presses at once on one target: one hit, two mashes.
        let triple = judge_round(&[500.0], &[500.0, 500.0, 500.0], 0.0, &rules);
        assert_eq!(
            (triple.targets[0].press, triple.mash_presses.clone(), triple.points),
            (Some(0), vec![1, 2], 600)
        );
    }

    #[test]
    fn matching_is_greedy_in_time_order() {
        let rules = RoundRules::new(0.0, 1.0);
        // The first press inside the window decides the target, even if a later one would be closer.
        let early = judge_round(&[1000.0], &[1000.0, 900.0], 0.0, &rules);
        assert_eq!(
            (early.targets[0].press, early.targets[0].judgement, early.mash_presses.clone()),
            (Some(1), Judgement::Bad, vec![0])
        );
        // Nearest target wins; an exact tie goes to the earlier target. Outcomes keep the input order.
        let out = judge_round(&[1100.0, 1000.0], &[1040.0, 1050.0], 0.0, &rules);
        assert_eq!(out.targets[1].press, Some(0));
        assert_eq!(out.targets[0].press, Some(1));
        let tie = judge_round(&[1100.0, 1000.0], &[1050.0], 0.0, &rules);
        assert_eq!((tie.targets[1].press, tie.targets[0].press), (Some(0), None));
        // Non-finite input can't hit anything.
        let junk = judge_round(&[f64::NAN, 1000.0], &[f64::NAN, 1000.0, f64::INFINITY], 0.0, &rules);
        assert_eq!(
            (junk.targets[0].judgement, junk.targets[1].judgement, junk.mash_presses.len()),
            (Judgement::Miss, Judgement::Perfect, 2)
        );
    }

    #[test]
    fn empty_inputs() {
        let rules = RoundRules::new(4.0, 2.0);
        let nothing = judge_round(&[], &[], 0.0, &rules);
        assert_eq!((nothing.targets.len(), nothing.mash_presses.len(), nothing.points), (0, 0, 0));
        let idle = judge_round(&[1000.0, 2000.0], &[], 0.0, &rules);
        assert_eq!((idle.count(Judgement::Miss), idle.points), (2, 0));
        let no_targets = judge_round(&[], &[1000.0, 1001.0], 0.0, &rules);
        assert_eq!((no_targets.mash_presses.len(), no_targets.points), (2, -800));
        assert_eq!(calibration_offset(&[]), None);
        assert!(Scoreboard::new(Vec::<String>::new(), vec![]).unwrap().standings().is_empty());
    }

    #[test]
    fn calibration_is_the_median_without_outliers() {
        assert_eq!(calibration_offset(&[30.0, 32.0, 31.0, 29.0]), None, "four samples are too few");
        assert_eq!(calibration_offset(&[30.0, 32.0, 31.0, 29.0, 33.0]), Some(31.0));
        assert_eq!(
            calibration_offset(&[30.0, 32.0, 400.0, 31.0, -900.0, 29.0, 33.0, f64::NAN]),
            Some(31.0)
        );
        assert_eq!(
            calibration_offset(&[30.0, 32.0, 31.0, 29.0, 400.0, -251.0]),
            None,
            "outliers don't count towards 5"
        );
        assert_eq!(calibration_offset(&[10.0, 20.0, 30.0, 40.0, 50.0, 60.0]), Some(35.0));
        assert_eq!(
            calibration_offset(&[250.0, -250.0, 250.0, 250.0, 250.0]),
            Some(250.0),
            "±250 is inside"
        );
        assert_eq!(calibration_offset(&[250.0_f64.next_up(), 1.0, 2.0, 3.0, 4.0]), None);
        // Applying it: a player consistently 40 ms late is judged dead on.
        let taps = [38.0, 41.0, 40.0, 44.0, 39.0, 42.0, 37.0];
        let cal = calibration_offset(&taps).unwrap();
        let out = judge_round(&[1000.0, 2000.0], &[1040.0, 2041.0], cal, &RoundRules::default());
        assert_eq!(out.count(Judgement::Perfect), 2);
    }

    #[test]
    fn analytic_piece_position() {
        assert_eq!(target_time_ms(2000.0, 3, 2.0), 3500.0);
        assert_eq!(piece_progress(3500.0, 2000.0, 2.0), 3.0);
        assert_eq!(piece_progress(1500.0, 2000.0, 2.0), -1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0003);
        for _ in 0..1000 {
            let (start, slot, speed) = (rng.random_range(0.0..1e6), rng.random_range(0..40), rng.random_range(0.5..5.0));
            assert!((piece_progress(target_time_ms(start, slot, speed), start, speed) - f64::from(slot)).abs() < 1e-6);
        }
        assert_eq!(target_time_ms(0.0, 1, 0.0), f64::INFINITY);
        assert_eq!(target_time_ms(0.0, 1, f64::NAN), f64::INFINITY);
        let never = judge_round(&[target_time_ms(0.0, 1, 0.0)], &[1000.0], 0.0, &RoundRules::default());
        assert_eq!(never.targets[0].judgement, Judgement::Miss);
    }

    #[test]
    fn configs_validate() {
        assert_eq!(JudgeConfig::default().validate(), Ok(()));
        assert_eq!(ScoringConfig::default().validate(), Ok(()));
        assert!(
            JudgeConfig {
                base_windows_ms: [22.0, 20.0, 90.0, 135.0],
                ..JudgeConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            JudgeConfig {
                shrink_per_difficulty: f64::NAN,
                ..JudgeConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            ScoringConfig {
                tier_points: [700.0, 1000.0, 400.0, 100.0],
                ..ScoringConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            ScoringConfig {
                accuracy_falloff: 1.5,
                ..ScoringConfig::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            ScoringConfig {
                mash_penalty: -1.0,
                ..ScoringConfig::default()
            }
            .validate()
            .is_err()
        );
    }
}
