//! The operator's keys (and `DrawCommand`s) move the desk; a draw is made and journaled off the main
//! thread; the roll ends on time.

use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, Task};
use chrono::Utc;

use super::{DrawCommand, DrawDesk, DrawJournal, DrawTasks, append_later};
use venue_rules::draw::desk::{self, Stage};
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
            None
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
