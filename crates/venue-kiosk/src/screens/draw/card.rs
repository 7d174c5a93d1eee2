//! The result card (#17): with a result revealed, `P` saves a PNG of the stage (prize, winners,
//! commitment and seed fingerprints) and a text beside it with the full record (time, prize,
//! winners, commitment, seed, ticket list hash, anchoring), in `journal_dir/cards/`: the evidence
//! organisers hand to finance.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured, save_to_disk};

use super::{DrawDesk, DrawJournal};
use venue_rules::draw::desk::{Desk, Stage};
use venue_rules::draw::engine::{self, AuditRecord};

/// Where the card of `record` goes: `cards/result-<sequence>-<prize>.png` (and `.txt`).
pub fn card_path(journal_dir: &Path, record: &AuditRecord) -> PathBuf {
    let prize: String = record
        .prize_id
        .chars()
        .map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' })
        .take(60)
        .collect();
    journal_dir.join("cards").join(format!("result-{:04}-{prize}.png", record.sequence))
}

/// The card's text: everything needed to check the result against the journal.
pub fn card_text(desk: &Desk, record: &AuditRecord) -> String {
    let prize = desk
        .prizes
        .iter()
        .find(|p| p.engine.id == record.prize_id)
        .map_or(record.prize_id.as_str(), |p| p.name.as_str());
    let mut lines = vec![
        format!("Prize: {prize} ({})", record.prize_id),
        format!(
            "Result {} · batch {} · {} winner(s)",
            record.sequence,
            record.batch,
            record.winners.len()
        ),
        format!(
            "Drawn: {}",
            record
                .revealed_at
                .or(record.committed_at)
                .map_or("unknown".to_string(), |t| t.to_rfc3339())
        ),
    ];
    for w in &record.winners {
        lines.push(format!("  #{} {}", w.ticket, desk.display_name(w.ticket)));
    }
    if let Some(absent) = &record.replaces {
        lines.push(format!(
            "Replaces: #{} ({})",
            absent.ticket,
            record.reason.as_deref().unwrap_or("no-show")
        ));
    }
    lines.extend([
        format!(
            "Seed commitment: {} (SHA-256 {})",
            engine::fingerprint(&record.seed_commitment),
            record.seed_commitment
        ),
        format!("Seed: {} ({})", engine::fingerprint(&record.seed), record.seed),
        format!(
            "Tickets: {} ({} in the pool, {} eligible)",
            record.tickets_hash, record.pool_size, record.eligible_tickets
        ),
        match (record.is_anchored(), record.not_anchored.as_deref()) {
            (true, _) => "Anchored with the event server".to_string(),
            (false, Some(why)) => format!("NOT ANCHORED: {why}"),
            (false, None) => "NOT ANCHORED".to_string(),
        },
        "Check: venue-kiosk verify-draw <journal_dir>/draw-journal.jsonl".to_string(),
    ]);
    lines.join("\n") + "\n"
}

/// `P` with a result on stage: the card, saved off the main thread.
pub(super) fn save_card(
    mut commands: Commands,
    keys: Res<ButtonInput<KeyCode>>,
    desk: Option<Res<DrawDesk>>,
    journal: Option<Res<DrawJournal>>,
    egui_input: Option<Res<bevy_egui::input::EguiWantsInput>>,
) {
    if !keys.just_pressed(KeyCode::KeyP) || egui_input.is_some_and(|i| i.wants_any_keyboard_input()) {
        return;
    }
    let (Some(desk), Some(journal)) = (desk, journal) else { return };
    let Stage::Revealed { sequence } = desk.0.stage else {
        info!("result card: reveal a result first (P saves the one on stage)");
        return;
    };
    let Some(record) = desk.0.record(sequence) else { return };
    let Ok(dir) = journal.0.lock().map(|j| j.dir().to_path_buf()) else {
        return;
    };
    let png = card_path(&dir, record);
    let text = card_text(&desk.0, record);
    let txt = png.with_extension("txt");
    bevy::tasks::IoTaskPool::get()
        .spawn(async move {
            let written = std::fs::create_dir_all(txt.parent().unwrap_or(Path::new("."))).and_then(|()| std::fs::write(&txt, text));
            if let Err(e) = written {
                error!("result card: cannot write {}: {e}", txt.display());
            }
        })
        .detach();
    info!("result card of result {sequence}: {}", png.display());
    commands
        .spawn(Screenshot::primary_window())
        .observe(move |event: On<ScreenshotCaptured>| {
            if let Some(dir) = png.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            (save_to_disk(png.clone()))(event);
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;
    use venue_contract::payload::Endpoint;
    use venue_rules::draw::engine::DrawState;

    #[test]
    fn the_card_names_the_prize_winners_time_and_fingerprints() {
        let data: venue_contract::wire::DrawData = serde_json::from_slice(venue_contract::sample::body(Endpoint::Draw)).unwrap();
        let mut desk = Desk::new(&data, DrawState::new(), Vec::new());
        let job = desk.press_next(0.0, Utc::now()).expect("a draw starts");
        let record = job.draw().unwrap();
        desk.finish_commit(Ok(record.clone()), 0.0);
        let text = card_text(&desk, &record);
        let prize = &desk.prizes[0];
        assert!(text.starts_with(&format!("Prize: {} ({})", prize.name, prize.engine.id)), "{text}");
        let winner = &record.winners[0];
        assert!(
            text.contains(&format!("#{} {}", winner.ticket, desk.display_name(winner.ticket))),
            "{text}"
        );
        assert!(text.contains(&engine::fingerprint(&record.seed_commitment)), "{text}");
        assert!(text.contains(&record.seed), "{text}");
        assert!(text.contains("Drawn: 20"), "{text}");
        assert!(text.contains("NOT ANCHORED"), "no server here: {text}");
        let path = card_path(
            Path::new("/j"),
            &AuditRecord {
                prize_id: "경품 1/..".into(),
                ..record
            },
        );
        assert_eq!(path, Path::new("/j/cards/result-0000-경품_1___.png"));
    }
}
