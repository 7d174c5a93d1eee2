//! The operator's keys (and `DrawCommand`s) move the desk; a draw is made and journaled off the main
//! thread; the roll ends on time.

use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, Task};
use chrono::Utc;

use super::{AnchorLink, DrawCommand, DrawDesk, DrawJournal, DrawTasks, append_later};
use venue_rules::draw::desk::{self, DeskEvent, Stage};
use venue_rules::draw::engine;
use venue_rules::draw::journal::{Journal, JournalEntry};

/// Space/Enter = next step, Esc = cancel before commit (or withdraw a no-show question),
/// ← → = prize, ↑ ↓ = winner, N = no-show (twice, to confirm).
pub(super) fn operator_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut commands: MessageReader<DrawCommand>,
    time: Res<Time<Real>>,
    mut desk: Option<ResMut<DrawDesk>>,
    journal: Option<Res<DrawJournal>>,
    mut tasks: ResMut<DrawTasks>,
    egui_input: Option<Res<bevy_egui::input::EguiWantsInput>>,
) {
    let next_command = commands.read().any(|c| *c == DrawCommand::Next);
    // Typing in the operator panel (a prize name, a CSV path) never draws, cancels or moves on.
    let typing = egui_input.is_some_and(|i| i.wants_any_keyboard_input());
    let pressed = |key: KeyCode| !typing && keys.just_pressed(key);
    let (Some(desk), Some(journal)) = (desk.as_mut(), journal) else {
        return;
    };
    let now_s = time.elapsed_secs_f64();
    if tasks.commit.is_none() {
        let job = if next_command || pressed(KeyCode::Space) || pressed(KeyCode::Enter) {
            desk.0.press_next(now_s, Utc::now())
        } else if pressed(KeyCode::KeyN) {
            desk.0.press_no_show(now_s, Utc::now())
        } else {
            // A draw waiting for its registration starts here, so never under an emergency takeover.
            let waited = desk.bypass_change_detection().0.poll_anchor(now_s, Utc::now());
            if waited.is_some() {
                desk.set_changed();
            }
            waited
        };
        if let Some(job) = job {
            tasks.commit = Some(spawn_commit(job, journal.0.clone()));
        }
    }
    if pressed(KeyCode::Escape) {
        desk.0.cancel();
    }
    if pressed(KeyCode::ArrowRight) {
        desk.0.select(1);
    }
    if pressed(KeyCode::ArrowLeft) {
        desk.0.select(-1);
    }
    if pressed(KeyCode::ArrowDown) {
        desk.0.select_winner(1);
    }
    if pressed(KeyCode::ArrowUp) {
        desk.0.select_winner(-1);
    }
}

/// Draw and journal (fsync) in the background; the reels start only once this is done.
fn spawn_commit(job: desk::CommitJob, journal: Arc<Mutex<Journal>>) -> Task<Result<engine::AuditRecord, String>> {
    IoTaskPool::get().spawn(async move {
        let pool = job.pool.clone();
        let record = job.draw()?;
        let mut journal = journal.lock().map_err(|_| "journal lock poisoned".to_string())?;
        journal.save_tickets(&pool).map_err(|e| e.to_string())?;
        // Durable before the reels move: a crash after this shows this result, never a new one.
        journal
            .append(&JournalEntry::Committed { record: record.clone() })
            .map_err(|e| e.to_string())?;
        Ok(record)
    })
}

/// End the roll on time and journal the reveal (in the background).
pub(super) fn advance_roll(time: Res<Time<Real>>, desk: Option<ResMut<DrawDesk>>, journal: Option<Res<DrawJournal>>) {
    let (Some(mut desk), Some(journal)) = (desk, journal) else { return };
    // Read first: only touch the resource (and trigger a rebuild) when the stage really changes.
    if !matches!(desk.0.stage, Stage::Rolling { .. }) {
        return;
    }
    // Mark the desk changed (which rebuilds the screen) only when the roll really ends.
    let revealed = desk.bypass_change_detection().0.tick(time.elapsed_secs_f64());
    if let Some(sequence) = revealed {
        desk.set_changed();
        append_later(&journal, JournalEntry::Revealed { sequence, at: Utc::now() });
    }
}

/// Anchoring and the journal's trail: registers each armed commitment with the event server (on a
/// thread of its own), takes the answers (a draw that waited for one starts in [`operator_keys`]),
/// and journals what the desk queued (armed and discarded seeds, anchors, prize and ticket
/// changes), in order, off the main thread.
pub(super) fn anchor_draws(
    time: Res<Time<Real>>,
    desk: Option<ResMut<DrawDesk>>,
    link: Option<Res<AnchorLink>>,
    journal: Option<Res<DrawJournal>>,
) {
    let (Some(mut desk), Some(link), Some(journal)) = (desk, link, journal) else {
        return;
    };
    let now_s = time.elapsed_secs_f64();
    // Poll without marking the desk changed: the stage rebuilds only when something shows.
    let quiet = &mut desk.bypass_change_detection().0;
    let before = (quiet.anchor.clone(), quiet.stage);
    for (commitment, answer) in link.answers.try_iter() {
        if let Err(why) = &answer {
            warn!("the seed commitment was not registered with the event server: {why}");
        }
        quiet.anchor_answer(&commitment, answer, now_s);
    }
    let registration = link.server.clone().zip(quiet.wants_registration(now_s));
    let events = quiet.take_events();
    if (quiet.anchor.clone(), quiet.stage) != before {
        desk.set_changed();
    }
    if let Some((server, commitment)) = registration {
        // The armed commitment is on disk before the server hears of it: every commitment the
        // server holds is in the journal, also when the kiosk is killed right after registering.
        let prize = desk.0.prize().map(|p| p.engine.id.clone());
        let wait = std::time::Duration::from_secs_f64(desk.0.anchor_wait_s);
        let (answers, journal) = (link.sender.clone(), journal.0.clone());
        std::thread::spawn(move || {
            append_trail(&journal, events, Utc::now());
            let answer = crate::feed::outbox::register_commitment(&server, &commitment, prize.as_deref(), wait);
            let _ = answers.send((commitment, answer));
        });
        return;
    }
    if !events.is_empty() {
        journal_events(&journal, events);
    }
}

/// Journals the desk's events in one background task, in their order (ticket lists are hashed there).
fn journal_events(journal: &DrawJournal, events: Vec<DeskEvent>) {
    let (journal, at) = (journal.0.clone(), Utc::now());
    IoTaskPool::get().spawn(async move { append_trail(&journal, events, at) }).detach();
}

/// Appends the desk's events in order (blocking: fsync); a failure is logged, the draw goes on.
fn append_trail(journal: &Mutex<Journal>, events: Vec<DeskEvent>, at: chrono::DateTime<Utc>) {
    if events.is_empty() {
        return;
    }
    let entries: Vec<JournalEntry> = events.into_iter().map(|event| trail_entry(event, at)).collect();
    let Ok(mut journal) = journal.lock() else { return };
    for entry in entries {
        if let Err(e) = journal.append(&entry) {
            error!("cannot journal {entry:?}: {e}");
        }
    }
}

/// The journal's form of a desk event.
fn trail_entry(event: DeskEvent, at: chrono::DateTime<Utc>) -> JournalEntry {
    match event {
        DeskEvent::Armed { seed_commitment, prize_id } => JournalEntry::Armed {
            seed_commitment,
            prize_id,
            at,
        },
        DeskEvent::Discarded { seed_commitment, reason } => JournalEntry::Discarded {
            seed_commitment,
            reason,
            at,
        },
        DeskEvent::Anchored { seed_commitment, anchor } => JournalEntry::Anchored {
            seed_commitment,
            server_nonce: anchor.server_nonce,
            registered_at: anchor.registered_at,
            at,
        },
        DeskEvent::AnchorFailed { seed_commitment, reason } => JournalEntry::AnchorFailed {
            seed_commitment,
            reason,
            at,
        },
        DeskEvent::PrizeChanged { before, after } => JournalEntry::PrizeChanged {
            prize_id: before.id.clone(),
            before,
            after,
            at,
        },
        DeskEvent::TicketsChanged { from, to } => JournalEntry::TicketsChanged {
            from_hash: engine::tickets_hash(&from),
            to_hash: engine::tickets_hash(&to),
            tickets: to.len() as u64,
            at,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::draw::AnchorLink;
    use venue_contract::payload::Endpoint;
    use venue_rules::draw::desk::Desk;
    use venue_rules::draw::engine::{DrawState, fingerprint};
    use venue_rules::draw::journal::JOURNAL_FILE;

    /// Issue #17: an operator who grinds seeds (Esc until one "feels right", then Space) leaves
    /// every armed commitment in the journal, and verify-draw lists each one thrown away.
    #[test]
    fn a_kiosk_that_grinds_seeds_leaves_every_commitment_in_the_journal() {
        IoTaskPool::get_or_init(bevy::tasks::TaskPool::new);
        let dir = tempfile::tempdir().unwrap();
        let data: venue_contract::wire::DrawData = serde_json::from_slice(venue_contract::sample::body(Endpoint::Draw)).unwrap();
        let (journal, _) = Journal::open(dir.path()).unwrap();
        let mut app = App::new();
        app.init_resource::<ButtonInput<KeyCode>>()
            .init_resource::<Time<Real>>()
            .init_resource::<DrawTasks>()
            .add_message::<DrawCommand>()
            .insert_resource(AnchorLink::new(None))
            .insert_resource(DrawDesk(Desk::new(&data, DrawState::new(), Vec::new())))
            .insert_resource(DrawJournal(Arc::new(Mutex::new(journal))))
            .add_systems(Update, (operator_keys, anchor_draws).chain());
        app.update();
        const GRINDS: usize = 15;
        let mut shown = vec![app.world().resource::<DrawDesk>().0.commitment()];
        for key in std::iter::repeat_n(KeyCode::Escape, GRINDS).chain([KeyCode::Space]) {
            let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
            keys.reset_all();
            keys.press(key);
            app.update();
            shown.push(app.world().resource::<DrawDesk>().0.commitment());
        }
        // Space started the commit: wait for it, as `finish_tasks` does.
        let task = app.world_mut().resource_mut::<DrawTasks>().commit.take().expect("Space drew");
        let record = bevy::tasks::block_on(task).unwrap();
        assert_eq!(
            record.seed_commitment, shown[GRINDS],
            "the seed on screen when Space came is the one drawn"
        );
        assert_eq!(record.not_anchored.as_deref(), Some(desk::NOT_ANCHORED_LOCAL));
        app.world_mut().resource_mut::<DrawDesk>().0.finish_commit(Ok(record.clone()), 1.0);
        app.update();

        // The trail is written in the background: wait for every armed seed (1 + 15 + the next one).
        let path = dir.path().join(JOURNAL_FILE);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let text = std::fs::read_to_string(&path).unwrap();
            if text.matches("\"type\":\"armed\"").count() == GRINDS + 2 && text.matches("\"type\":\"discarded\"").count() == GRINDS {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the trail was not journaled: {text}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let report = venue_rules::draw::verify::verify_audit(&path, None).unwrap();
        let text = report.to_string();
        assert!(report.ok, "{text}");
        assert!(
            text.contains(&format!(
                "seed commitments: {} armed, 1 decided a draw, {GRINDS} DISCARDED before a draw, 1 armed and never drawn",
                GRINDS + 2
            )),
            "{text}"
        );
        for commitment in &shown[..GRINDS] {
            assert!(
                text.contains(&format!("  DISCARDED {}: armed ", fingerprint(commitment))) && text.contains("Esc"),
                "{commitment} missing: {text}"
            );
        }
        assert!(text.contains("NOT ANCHORED: no event server configured"), "{text}");
    }
}
