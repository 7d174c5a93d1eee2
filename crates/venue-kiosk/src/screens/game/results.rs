//! The record of the game: the journal is opened (and a game resumed) off the main thread, each
//! finished round is journaled before it is posted, and the server's answers are journaled too.

use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, futures::check_ready};
use chrono::Utc;

use super::{Game, GameJournalHandle, GameTasks, PostProblem, append_later};
use crate::config::Config;
use crate::feed::{FeedState, Outbox, PostOutcome, ResultAnswer, ResultPost, ResultStream};
use venue_rules::game::journal::{self, GameEntry, GameJournal};
use venue_rules::game::session::GameSession;

pub(super) fn open_journal(feed: Res<FeedState>, config: Res<Config>, mut tasks: ResMut<GameTasks>, game: Option<Res<Game>>) {
    if game.is_some() || tasks.opening.is_some() || tasks.open_error.is_some() || feed.game.is_none() {
        return;
    }
    let dir = crate::shell::storage::journal_dir(&config);
    tasks.opening = Some(IoTaskPool::get().spawn(async move { GameJournal::open(&dir) }));
}

/// A new game, or the journaled one resumed at its current round with the scores kept.
pub(super) fn finish_open(
    mut commands: Commands,
    (feed, config): (Res<FeedState>, Option<Res<Config>>),
    mut tasks: ResMut<GameTasks>,
    outbox: Option<ResMut<Outbox>>,
) {
    let Some(task) = tasks.opening.as_mut() else { return };
    let Some(result) = check_ready(task) else { return };
    tasks.opening = None;
    let (mut journal, record, warnings) = match result {
        Ok(opened) => opened,
        Err(e) => {
            error!("game journal cannot be opened: {e}; the game is disabled until it can");
            tasks.open_error = Some(e);
            return;
        }
    };
    for w in warnings {
        warn!("game journal: {w}");
    }
    let Some(data) = feed.game.as_deref() else { return };
    let team_ids: Vec<String> = data.teams.iter().map(|t| t.id.clone()).collect();
    let resumable = record.game_id.is_some() && record.teams == team_ids && record.rounds.len() < data.rounds.len();
    let game_id = match (&record.game_id, resumable) {
        (Some(id), true) => id.clone(),
        _ => new_game_id(),
    };
    let mut session = match GameSession::new(data, game_id.clone()) {
        Ok(s) => s,
        Err(e) => {
            error!("the game cannot start: {e}");
            tasks.open_error = Some(e);
            return;
        }
    };
    if resumable {
        if let Err(e) = session.resume(&record.round_points(), record.calibration_ms.unwrap_or(0.0)) {
            error!("the game journal does not fit the feed's game ({e}); starting a new game");
            session = GameSession::new(data, format!("{game_id}-b")).expect("built once already");
        } else {
            info!("game {game_id} resumed after {} rounds", record.rounds.len());
        }
    }
    // The sound's latency from the last calibration by ear, else the config's.
    session.sound_latency_ms = record
        .sound_latency_ms
        .unwrap_or_else(|| config.as_deref().map_or(0.0, |c| f64::from(c.sound.latency_ms)));
    if session.board.rounds_played() == 0 {
        session.calibration_ms = record.calibration_ms.unwrap_or(0.0);
        let started = GameEntry::Started {
            game_id: session.game_id.clone(),
            teams: team_ids,
            at: Utc::now(),
        };
        if record.game_id.as_ref() != Some(&session.game_id)
            && let Err(e) = journal.append(&started)
        {
            error!("cannot journal the game start: {e}");
        }
    }
    if let Some(mut outbox) = outbox {
        for entry in record.unposted() {
            post_round(&mut outbox, entry);
        }
    }
    let mut answered = record.acknowledged.clone();
    answered.extend(&record.conflicts);
    commands.insert_resource(Game {
        session,
        answered,
        post_problem: None,
    });
    commands.insert_resource(GameJournalHandle(Arc::new(Mutex::new(journal))));
}

/// A fresh game's id: when it started, and a little randomness for two kiosks starting at once.
pub(super) fn new_game_id() -> String {
    format!("g-{}-{:04x}", Utc::now().format("%Y%m%d-%H%M%S"), rand::random::<u16>())
}

fn post_round(outbox: &mut Outbox, entry: &GameEntry) {
    let (GameEntry::Round { game_id, round, .. }, Some(body)) = (entry, journal::to_wire_result(entry)) else {
        return;
    };
    outbox.0.post(ResultPost {
        stream: ResultStream::Game,
        id: u64::from(*round),
        idempotency_key: journal::idempotency_key(game_id, *round),
        body,
    });
}

pub(super) fn post_journaled(mut tasks: ResMut<GameTasks>, mut outbox: Option<ResMut<Outbox>>) {
    if tasks.journaling.is_empty() {
        return;
    }
    tasks.journaling.retain_mut(|task| match check_ready(task) {
        None => true,
        Some(Ok(entry)) => {
            if let Some(outbox) = outbox.as_mut() {
                post_round(outbox, &entry);
            }
            false
        }
        Some(Err(e)) => {
            error!("cannot journal the round: {e}");
            false
        }
    });
}

pub(super) fn receive_answers(
    mut answers: MessageReader<ResultAnswer>,
    game: Option<ResMut<Game>>,
    journal: Option<Res<GameJournalHandle>>,
) {
    let (Some(mut game), Some(journal)) = (game, journal) else {
        answers.clear();
        return;
    };
    for ResultAnswer(report) in answers.read() {
        if report.stream != ResultStream::Game {
            continue;
        }
        let round = report.id as u32;
        let game_id = game.session.game_id.clone();
        match &report.outcome {
            PostOutcome::Stored { status } => {
                game.answered.push(round);
                append_later(
                    &journal,
                    GameEntry::Acknowledged {
                        game_id,
                        round,
                        status: *status,
                    },
                );
            }
            PostOutcome::Conflict { server_result } => {
                error!("game round {round} conflicts with the server's stored result {server_result}");
                game.answered.push(round);
                game.post_problem = Some(PostProblem::Differs { round });
                append_later(
                    &journal,
                    GameEntry::Conflict {
                        game_id,
                        round,
                        server_result: server_result.clone(),
                    },
                );
            }
            PostOutcome::Rejected { status, reason } => {
                game.post_problem = Some(PostProblem::Refused {
                    round,
                    status: *status,
                    reason: reason.clone(),
                });
            }
        }
    }
}

/// The round that last started (by `Round.index`), so each start is told to the server once.
#[derive(Default)]
pub(super) struct AnnouncedStart(Option<(usize, u32)>);

/// When a round's countdown begins, tell the event server (attendees' bets on it close there). A
/// thread of its own does the post: nothing waits for the network on the main thread, and a failure
/// only costs an early close (the round's result closes the bets anyway).
pub(super) fn announce_round_start(game: Option<Res<Game>>, config: Option<Res<Config>>, mut announced: Local<AnnouncedStart>) {
    let (Some(game), Some(config)) = (game, config) else { return };
    let venue_rules::game::session::Phase::Countdown { round, .. } = game.session.phase else {
        return;
    };
    let Some(plan) = game.session.rounds.get(round) else { return };
    let key = (round, plan.index);
    if announced.0 == Some(key) {
        return;
    }
    announced.0 = Some(key);
    let Some(server) = crate::feed::outbox::OutboxConfig::from_config(&config.feed) else {
        return;
    };
    let index = plan.index;
    std::thread::spawn(move || {
        if let Err(e) = crate::feed::outbox::post_round_started(&server, index) {
            tracing::warn!("could not tell the server that round {index} started: {e}");
        }
    });
}
