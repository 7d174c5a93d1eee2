//! The draw's data and record: the local override and the feed make the effective draw data; the
//! journal is opened (and replayed) off the main thread; the desk follows new prizes and tickets;
//! revealed results go to the outbox and the server's answers are journaled.

use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, futures::check_ready};
use chrono::Utc;

use super::{AnchorLink, DrawDesk, DrawJournal, DrawTasks, LocalDraw, StartPrize, append_later, edits_are_local, prizes};
use crate::config::Config;
use crate::feed::{FeedState, Outbox, PostOutcome, ResultAnswer, ResultPost, ResultStream};
use crate::shell::i18n::Labels;
use crate::shell::storage::journal_dir;
use venue_contract::wire::DrawData;
use venue_rules::draw::desk::Desk;
use venue_rules::draw::journal::{self, Journal, JournalEntry, JournalError};

/// Read the local override in the background (only without an event server: with one, the server
/// is the one source of prizes and tickets).
pub(super) fn load_local_override(config: Res<Config>, mut local: ResMut<LocalDraw>) {
    if !edits_are_local(&config) {
        local.loaded = true;
        return;
    }
    let dir = journal_dir(&config);
    local.loading = Some(IoTaskPool::get().spawn(async move { prizes::load_override(&dir) }));
}

/// With an event server, armed commitments are registered with it (anchoring).
pub(super) fn set_up_anchoring(mut commands: Commands, config: Res<Config>) {
    let server = crate::feed::outbox::OutboxConfig::from_config(&config.feed);
    if server.is_none() {
        info!("no event server: draws are not anchored (the journal says so)");
    }
    let mut link = AnchorLink::new(server);
    link.wait_s = config.draw.anchor_wait_s;
    commands.insert_resource(link);
}

/// Recompute the effective draw data when the feed's or the override changed.
pub(super) fn update_effective(feed: Res<FeedState>, mut local: ResMut<LocalDraw>) {
    // Poll without marking the resource changed: screens rebuild only when something really changed.
    let finished = local.bypass_change_detection().loading.as_mut().and_then(check_ready);
    if let Some(result) = finished {
        local.loading = None;
        match result {
            Ok(value) => {
                if let Some(v) = &value {
                    info!(
                        "local draw override in use: {} prizes, {} tickets",
                        v.prizes.as_ref().map_or("the feed's".into(), |p| p.len().to_string()),
                        v.tickets.as_ref().map_or("the feed's".into(), |t| t.len().to_string())
                    );
                }
                local.set(value);
            }
            Err(e) => {
                error!("local draw override cannot be used: {e}; the draw waits until it is moved aside (operator panel)");
                local.load_error = Some(e);
            }
        }
    }
    if !local.loaded || local.load_error.is_some() {
        return;
    }
    let key = (local.revision, feed.draw.clone());
    let same = local
        .applied
        .as_ref()
        .is_some_and(|(rev, data)| *rev == key.0 && data.as_ref().map(Arc::as_ptr) == key.1.as_ref().map(Arc::as_ptr));
    if same {
        return;
    }
    local.effective = match &local.value {
        None => feed.draw.clone(),
        Some(value) => value.apply(feed.draw.as_deref()).map(Arc::new),
    };
    local.applied = Some(key);
}

/// Open (and replay) the journal in the background once the draw data is known.
/// A journal another process holds is tried again every [`LOCKED_RETRY_S`] (also after a RESET,
/// while the old journal's last background write lets go of it).
pub(super) fn open_journal(
    local: Res<LocalDraw>,
    config: Res<Config>,
    mut tasks: ResMut<DrawTasks>,
    desk: Option<Res<DrawDesk>>,
    time: Res<Time<Real>>,
) {
    let now = time.elapsed_secs_f64();
    if tasks.open_error.is_some() && tasks.retry_open_at.is_some_and(|at| now >= at) {
        tasks.open_error = None;
        tasks.retry_open_at = None;
    }
    if desk.is_some() || tasks.opening.is_some() || tasks.open_error.is_some() || local.effective.is_none() {
        return;
    }
    let dir = journal_dir(&config);
    tasks.opening = Some(IoTaskPool::get().spawn(async move { Journal::open(&dir) }));
}

/// Seconds between tries to open a journal another process holds.
pub const LOCKED_RETRY_S: f64 = 2.0;

pub(super) fn finish_tasks(
    mut commands: Commands,
    local: Res<LocalDraw>,
    mut tasks: ResMut<DrawTasks>,
    mut desk: Option<ResMut<DrawDesk>>,
    time: Res<Time<Real>>,
    start_prize: Option<Res<StartPrize>>,
    anchors: Option<Res<AnchorLink>>,
) {
    if let Some(task) = tasks.opening.as_mut()
        && let Some(result) = check_ready(task)
    {
        tasks.opening = None;
        match result {
            Ok((journal, replayed)) => {
                for w in &replayed.warnings {
                    warn!("draw journal: {w}");
                }
                let data: &DrawData = local.effective.as_deref().expect("checked when opening");
                let mut new_desk = Desk::new(data, replayed.state.clone(), replayed.records.clone());
                if let Some(anchors) = anchors.as_deref() {
                    new_desk.set_anchoring(anchors.server.is_some());
                    if let Some(wait) = anchors.wait_s {
                        new_desk.anchor_wait_s = f64::from(wait);
                    }
                }
                // Seeds armed when the kiosk last stopped are gone: journaled as thrown away.
                new_desk.discard_stale(&replayed.open_commitments);
                new_desk.acknowledged = replayed.acknowledged.clone();
                new_desk.conflicts = replayed.conflicts.clone();
                if let Some(StartPrize(id)) = start_prize.as_deref() {
                    match new_desk.prizes.iter().position(|p| &p.engine.id == id) {
                        Some(i) => new_desk.selected = i,
                        None => warn!("--prize {id}: no such prize in the feed"),
                    }
                }
                let pending = replayed.pending_reveal().map(|r| r.sequence);
                new_desk.resume_pending(replayed.pending_reveal());
                let mut journal = journal;
                if let Some(sequence) = pending {
                    // Committed before a crash, never shown: show it now (never re-roll) and record that.
                    warn!("draw result {sequence} was committed but not revealed before the last stop; showing it");
                    if let Err(e) = journal.append(&JournalEntry::Revealed { sequence, at: Utc::now() }) {
                        error!("cannot journal the reveal of result {sequence}: {e}");
                    }
                }
                info!("draw journal at {} ({} results)", journal.dir().display(), replayed.records.len());
                commands.insert_resource(DrawDesk(new_desk));
                commands.insert_resource(DrawJournal(Arc::new(Mutex::new(journal))));
            }
            Err(error) => {
                if matches!(error, JournalError::Locked { .. }) {
                    // Shown on stage; tried again until the other process lets go.
                    warn!("draw journal: {error}");
                    tasks.retry_open_at = Some(time.elapsed_secs_f64() + LOCKED_RETRY_S);
                } else {
                    error!("draw journal cannot be opened: {error}; drawing is disabled until it can");
                }
                tasks.open_error = Some(error.to_string());
            }
        }
    }
    if let (Some(task), Some(desk)) = (tasks.commit.as_mut(), desk.as_mut())
        && let Some(result) = check_ready(task)
    {
        tasks.commit = None;
        if let Err(e) = &result {
            error!("draw not committed: {e}");
        }
        desk.0.finish_commit(result, time.elapsed_secs_f64());
    }
}

/// New prizes or tickets from the feed (or the local override) reach the desk as soon as it is idle.
pub(super) fn follow_feed(
    local: Res<LocalDraw>,
    desk: Option<ResMut<DrawDesk>>,
    labels: Res<Labels>,
    mut seen: Local<Option<Arc<DrawData>>>,
) {
    let (Some(mut desk), Some(data)) = (desk, local.effective.as_ref()) else {
        return;
    };
    match seen.as_ref() {
        None => *seen = Some(data.clone()),
        Some(old) if Arc::ptr_eq(old, data) => {}
        Some(_) => {
            if desk.bypass_change_detection().0.refresh(data) {
                desk.set_changed();
                if let Some(value) = &local.value {
                    let lists = labels.text(match (&value.prizes, &value.tickets) {
                        (Some(_), Some(_)) => "draw-local-both",
                        (Some(_), None) => "draw-local-prizes",
                        _ => "draw-local-tickets",
                    });
                    desk.0.operator_note = Some(labels.text_with(
                        "draw-updated-locally",
                        &[
                            ("lists", (&lists).into()),
                            ("prizes", desk.0.prizes.len().into()),
                            ("tickets", desk.0.pool.len().into()),
                        ],
                    ));
                }
                info!("draw desk updated from the feed: {} tickets", data.tickets.len());
                *seen = Some(data.clone());
            }
        }
    }
}

/// Hand revealed results the server has not stored yet to the outbox (it retries until answered).
pub(super) fn post_results(desk: Option<Res<DrawDesk>>, outbox: Option<ResMut<Outbox>>) {
    let (Some(desk), Some(mut outbox)) = (desk, outbox) else { return };
    if !desk.is_changed() {
        return;
    }
    for record in desk.0.unposted() {
        outbox.0.post(ResultPost {
            stream: ResultStream::Draw,
            id: record.sequence,
            idempotency_key: journal::idempotency_key(record),
            body: journal::to_wire_result(record),
        });
    }
}

/// The server's answers: journaled, and a conflict or a refusal is put in front of the operator.
pub(super) fn receive_answers(
    mut answers: MessageReader<ResultAnswer>,
    desk: Option<ResMut<DrawDesk>>,
    journal: Option<Res<DrawJournal>>,
    labels: Res<Labels>,
) {
    let (Some(mut desk), Some(journal)) = (desk, journal) else {
        answers.clear();
        return;
    };
    for ResultAnswer(report) in answers.read() {
        if report.stream != ResultStream::Draw {
            continue;
        }
        let sequence = report.id;
        // Matched by the idempotency key, not the sequence alone: an answer to a post from before a
        // RESET (whose sequences start again) must never mark a new result as stored.
        if desk.0.record(sequence).map(journal::idempotency_key).as_deref() != Some(report.idempotency_key.as_str()) {
            warn!(
                "an answer for {} does not match draw result {sequence} of this journal; ignored",
                report.idempotency_key
            );
            continue;
        }
        match &report.outcome {
            PostOutcome::Stored { status } => {
                desk.0.acknowledged.insert(sequence);
                desk.0.post_problem = None;
                append_later(
                    &journal,
                    JournalEntry::Acknowledged {
                        sequence,
                        server_status: *status,
                        at: Utc::now(),
                    },
                );
            }
            PostOutcome::Conflict { server_result } => {
                error!(
                    "draw result {sequence} ({}) conflicts with the server's stored result {server_result}",
                    report.idempotency_key
                );
                desk.0.conflicts.insert(sequence, server_result.clone());
                append_later(
                    &journal,
                    JournalEntry::Conflict {
                        sequence,
                        server_result: server_result.clone(),
                        at: Utc::now(),
                    },
                );
            }
            PostOutcome::Rejected { status, reason } => {
                desk.0.post_problem = Some(labels.text_with(
                    "draw-server-refused",
                    &[
                        ("sequence", (sequence as i64).into()),
                        ("status", i64::from(*status).into()),
                        ("reason", reason.into()),
                    ],
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::feed::PostReport;
    use crate::shell::i18n::LabelLanguages;
    use std::sync::Mutex;
    use venue_contract::payload::Endpoint;
    use venue_rules::draw::engine::DrawState;

    /// Issue #17: an answer is matched to its result by the idempotency key, never by the sequence
    /// alone (after a RESET the sequences start again; an old answer must not mark a new result).
    #[test]
    fn answers_are_matched_by_idempotency_key() {
        IoTaskPool::get_or_init(bevy::tasks::TaskPool::new);
        let dir = tempfile::tempdir().unwrap();
        let data: DrawData = serde_json::from_slice(venue_contract::sample::body(Endpoint::Draw)).unwrap();
        let (journal, _) = Journal::open(dir.path()).unwrap();
        let mut desk = Desk::new(&data, DrawState::new(), Vec::new());
        let job = desk.press_next(0.0, Utc::now()).expect("a draw starts");
        let record = job.draw().unwrap();
        desk.finish_commit(Ok(record.clone()), 0.0);
        let sequence = record.sequence;
        let mut app = App::new();
        app.add_message::<ResultAnswer>()
            .insert_resource(DrawDesk(desk))
            .insert_resource(DrawJournal(Arc::new(Mutex::new(journal))))
            .insert_resource(Labels::new(LabelLanguages::ENGLISH))
            .add_systems(Update, receive_answers);
        let answer = |key: String| {
            ResultAnswer(PostReport {
                stream: ResultStream::Draw,
                id: sequence,
                idempotency_key: key,
                outcome: PostOutcome::Stored { status: 201 },
            })
        };
        // Same sequence, another result's key (a post from before a RESET): ignored.
        app.world_mut().write_message(answer("draw-old-prize-1-0123456789abcdef".into()));
        app.update();
        assert!(!app.world().resource::<DrawDesk>().0.acknowledged.contains(&sequence));
        // Its own key: stored.
        app.world_mut().write_message(answer(journal::idempotency_key(&record)));
        app.update();
        assert!(app.world().resource::<DrawDesk>().0.acknowledged.contains(&sequence));
    }
}
