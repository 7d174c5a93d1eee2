//! The stage operator's draw panel (egui, with the operator panel on F1, on the lucky-draw screen):
//! the seed commitment and ticket fingerprint to read out, results and their server status,
//! winners exported as CSV (all, and one file per prize), and a reset that needs the word RESET
//! typed in and never deletes anything: the journal is archived beside the new one.

use std::path::{Path, PathBuf};

use bevy::prelude::*;
use bevy::tasks::IoTaskPool;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use crossbeam_channel::{Receiver, Sender};

use super::desk::Stage;
use super::journal::{JOURNAL_FILE, winners_csv};
use super::{DrawDesk, DrawJournal, engine, journal_dir};
use crate::app::Screen;
use crate::config::Config;
use crate::operator::OperatorPanel;

#[derive(Resource)]
struct PanelState {
    reset_word: String,
    status: Option<String>,
    results: (Sender<String>, Receiver<String>),
}

impl Default for PanelState {
    fn default() -> Self {
        Self {
            reset_word: String::new(),
            status: None,
            results: crossbeam_channel::unbounded(),
        }
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<PanelState>().add_systems(EguiPrimaryContextPass, draw_panel);
}

/// Writes `winners.csv` and one `winners-<prize>.csv` per prize into `dir/exports-<stamp>/`.
pub fn export_winners(dir: &Path, records: &[engine::AuditRecord], stamp: &str) -> Result<PathBuf, String> {
    let out = dir.join(format!("exports-{stamp}"));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let write = |name: String, text: String| std::fs::write(out.join(&name), text).map_err(|e| format!("{name}: {e}"));
    write("winners.csv".into(), winners_csv(records, None))?;
    let mut prizes: Vec<&str> = records.iter().map(|r| r.prize_id.as_str()).collect();
    prizes.sort_unstable();
    prizes.dedup();
    for prize in prizes {
        let safe: String = prize
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        write(format!("winners-{safe}.csv"), winners_csv(records, Some(prize)))?;
    }
    Ok(out)
}

/// Moves the journal aside (`draw-journal-reset-<stamp>.jsonl`); the next open starts empty.
pub fn archive_journal(dir: &Path, stamp: &str) -> Result<PathBuf, String> {
    let from = dir.join(JOURNAL_FILE);
    let to = dir.join(format!("draw-journal-reset-{stamp}.jsonl"));
    std::fs::rename(&from, &to).map_err(|e| format!("{}: {e}", from.display()))?;
    Ok(to)
}

#[allow(clippy::too_many_arguments)]
fn draw_panel(
    mut commands: Commands,
    mut contexts: EguiContexts,
    panel: Res<OperatorPanel>,
    screen: Res<State<Screen>>,
    config: Res<Config>,
    desk: Option<Res<DrawDesk>>,
    journal: Option<Res<DrawJournal>>,
    outbox: Option<Res<crate::feed::Outbox>>,
    mut state: ResMut<PanelState>,
) {
    while let Ok(message) = state.results.1.try_recv() {
        state.status = Some(message);
    }
    if !panel.open || *screen.get() != Screen::LuckyDraw {
        return;
    }
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let dir = journal_dir(&config);
    egui::Window::new("Lucky draw · 추첨 관리")
        .default_pos([40.0, 520.0])
        .default_width(460.0)
        .show(ctx, |ui| {
            let Some(desk) = desk.as_deref() else {
                ui.label("The draw is not ready (waiting for prizes and tickets, or the journal).");
                return;
            };
            let desk = &desk.0;
            ui.label(format!("Seed commitment: {}", engine::fingerprint(&desk.commitment())));
            ui.label(format!(
                "Tickets: {} ({} in the pool)",
                engine::fingerprint(&engine::tickets_hash(&desk.pool)),
                desk.pool.len()
            ));
            ui.label(format!(
                "Results: {} in the journal, {} stored on the server{}",
                desk.records.len(),
                desk.acknowledged.len(),
                if outbox.is_some() { "" } else { " (no event server)" }
            ));
            if !desk.conflicts.is_empty() {
                ui.colored_label(
                    egui::Color32::from_rgb(240, 90, 90),
                    format!("{} conflicts with the server", desk.conflicts.len()),
                );
            }
            for prize in &desk.prizes {
                let drawn = desk.state.winners_of(&prize.engine.id).len();
                ui.small(format!("{} — {drawn}/{} drawn", prize.name, prize.engine.winner_count));
            }
            ui.separator();
            if ui.button("Export winners (CSV, all and per prize)").clicked() {
                let (records, dir, tx) = (desk.records.clone(), dir.clone(), state.results.0.clone());
                let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
                IoTaskPool::get()
                    .spawn(async move {
                        let _ = tx.send(match export_winners(&dir, &records, &stamp) {
                            Ok(out) => format!("exported to {}", out.display()),
                            Err(e) => format!("export failed: {e}"),
                        });
                    })
                    .detach();
            }
            ui.separator();
            ui.label("Reset: archives this journal and starts an empty draw. Type RESET:");
            ui.text_edit_singleline(&mut state.reset_word);
            let idle = matches!(desk.stage, Stage::Idle | Stage::Revealed { .. });
            let armed = state.reset_word.trim() == "RESET" && idle && journal.is_some();
            if ui.add_enabled(armed, egui::Button::new("Reset the draw")).clicked() {
                let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
                match archive_journal(&dir, &stamp) {
                    Ok(to) => {
                        warn!("draw reset by the operator; the journal was archived as {}", to.display());
                        state.status = Some(format!("reset; the old journal is {}", to.display()));
                        // The journal reopens empty on the next frame (see `open_journal`).
                        commands.remove_resource::<DrawDesk>();
                        commands.remove_resource::<DrawJournal>();
                    }
                    Err(e) => state.status = Some(format!("reset failed: {e}")),
                }
                state.reset_word.clear();
            }
            if !idle {
                ui.small("(not while a draw is in flight)");
            }
            if let Some(status) = &state.status {
                ui.label(status);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::draw::engine::{DrawState, EnginePrize, EngineTicket, draw_batch};

    #[test]
    fn exports_every_prize_and_reset_keeps_the_old_journal() {
        let dir = tempfile::tempdir().unwrap();
        let pool: Vec<EngineTicket> = (0..50)
            .map(|i| EngineTicket {
                number: 100 + i,
                holder: format!("h{i}"),
            })
            .collect();
        let mut state = DrawState::new();
        let mut records = Vec::new();
        for (id, n) in [("tv", 1), ("mug/cup", 3)] {
            let prize = EnginePrize {
                id: id.into(),
                winner_count: n,
                allow_previous_winners: false,
                batch_size: None,
            };
            records.push(draw_batch(&mut state, &pool, &prize, None, [n as u8; 32]).unwrap().record);
        }
        let out = export_winners(dir.path(), &records, "t1").unwrap();
        let all = std::fs::read_to_string(out.join("winners.csv")).unwrap();
        assert_eq!(all.lines().count(), 1 + 4);
        let mugs = std::fs::read_to_string(out.join("winners-mug_cup.csv")).unwrap();
        assert_eq!(mugs.lines().count(), 1 + 3, "{mugs}");

        std::fs::write(dir.path().join(JOURNAL_FILE), "line\n").unwrap();
        let archived = archive_journal(dir.path(), "t2").unwrap();
        assert_eq!(std::fs::read_to_string(archived).unwrap(), "line\n");
        assert!(!dir.path().join(JOURNAL_FILE).exists());
        assert!(
            archive_journal(dir.path(), "t3").is_err(),
            "nothing to archive is an error, not silence"
        );
    }
}
