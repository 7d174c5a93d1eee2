//! The stage operator's draw panel (egui, with the operator panel on F1, on the lucky-draw screen):
//! the seed commitment and ticket fingerprint to read out, results and their server status,
//! winners exported as CSV (all, and one file per prize), and a reset that needs the word RESET
//! typed in and never deletes anything: the journal is archived beside the new one. And the prize
//! editor: add, change, delete and reorder prizes and import tickets from CSV, only while the desk
//! is idle. With an event server the changes go to the server (its admin API, on a thread of their
//! own) and come back with the feed; without one they are kept in the local override file beside
//! the journal (see `prizes.rs` for the rules).

use std::path::{Path, PathBuf};

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::tasks::IoTaskPool;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use crossbeam_channel::{Receiver, Sender};

use super::prizes::{self, Decided, LocalOverride, PrizeDraft, PrizeEdit, Target};
use super::{DrawDesk, DrawJournal, LocalDraw};
use crate::config::Config;
use crate::feed::outbox::{OutboxConfig, admin_calls};
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::screens::operator::OperatorPanel;
use crate::shell::images::{ImageEntry, ImageStore};
use crate::shell::storage::journal_dir;
use venue_contract::wire::{CONTRACT_VERSION, Prize};
use venue_rules::draw::desk::{Anchor, Desk, Stage};
use venue_rules::draw::engine;
use venue_rules::draw::journal::{WinnerNames, winners_csv_named};

/// A background edit's outcome.
enum Done {
    /// Stored on this kiosk: the override now in force.
    Local(Option<LocalOverride>, String),
    /// The event server took it; the feed brings it back.
    Server(String),
    Failed(String),
}

/// The prize form: a new prize (`id: None`) or one being changed.
struct Form {
    id: Option<String>,
    draft: PrizeDraft,
    batched: bool,
    batch: u32,
}

impl Form {
    fn new(id: Option<String>, draft: PrizeDraft) -> Form {
        Form {
            id,
            batched: draft.batch_size.is_some(),
            batch: draft.batch_size.unwrap_or(1),
            draft,
        }
    }

    fn draft(&self) -> PrizeDraft {
        PrizeDraft {
            batch_size: self.batched.then_some(self.batch),
            ..self.draft.clone()
        }
    }
}

/// What a second click drops or moves aside.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Drop {
    Prizes,
    Tickets,
    Damaged,
}

#[derive(Resource)]
struct PanelState {
    reset_word: String,
    status: Option<String>,
    results: (Sender<String>, Receiver<String>),
    form: Option<Form>,
    problems: Vec<String>,
    csv_path: String,
    /// One edit or import at a time.
    job: Option<Receiver<Done>>,
    /// The last edit's outcome: `Err` is shown in red.
    edit_status: Option<Result<String, String>>,
    confirm_delete: Option<String>,
    confirm_drop: Option<Drop>,
}

impl Default for PanelState {
    fn default() -> Self {
        Self {
            reset_word: String::new(),
            status: None,
            results: crossbeam_channel::unbounded(),
            form: None,
            problems: Vec::new(),
            csv_path: String::new(),
            job: None,
            edit_status: None,
            confirm_delete: None,
            confirm_drop: None,
        }
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<PanelState>()
        .add_systems(Update, finish_jobs.in_set(AppSystems::Ingest))
        .add_systems(EguiPrimaryContextPass, draw_panel.run_if(in_state(Screen::LuckyDraw)));
}

/// Writes `winners.csv` and one `winners-<prize>.csv` per prize into `dir/exports-<stamp>/`, with
/// each winner's status (won / no-show), the prize's name and the winner's display name.
pub fn export_winners(dir: &Path, records: &[engine::AuditRecord], names: &WinnerNames, stamp: &str) -> Result<PathBuf, String> {
    let out = dir.join(format!("exports-{stamp}"));
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let write = |name: String, text: String| std::fs::write(out.join(&name), text).map_err(|e| format!("{name}: {e}"));
    write("winners.csv".into(), winners_csv_named(records, None, names))?;
    let mut prizes: Vec<&str> = records.iter().map(|r| r.prize_id.as_str()).collect();
    prizes.sort_unstable();
    prizes.dedup();
    for prize in prizes {
        let safe: String = prize
            .chars()
            .map(|c| if c.is_alphanumeric() || c == '-' { c } else { '_' })
            .collect();
        write(format!("winners-{safe}.csv"), winners_csv_named(records, Some(prize), names))?;
    }
    Ok(out)
}

/// Moves the journal aside (`draw-journal-reset-<stamp>.jsonl`); the new journal starts with a
/// reset entry naming the archive and its SHA-256 (`venue_rules::draw::journal::reset`).
pub fn archive_journal(dir: &Path, stamp: &str) -> Result<PathBuf, String> {
    venue_rules::draw::journal::reset(dir, stamp, chrono::Utc::now()).map_err(|e| e.to_string())
}

const RED: egui::Color32 = egui::Color32::from_rgb(240, 90, 90);
const GREEN: egui::Color32 = egui::Color32::from_rgb(110, 200, 120);

/// Where prize and ticket changes go: the event server (the one source of truth when there is
/// one), or the local override file beside the journal.
enum Sink {
    Server(OutboxConfig),
    Local(PathBuf),
}

impl Sink {
    fn target(&self) -> Target {
        match self {
            Sink::Server(_) => Target::Server,
            Sink::Local(_) => Target::Local,
        }
    }
}

/// Runs `work` on a thread of its own (disk and network never touch a frame, nor the task pool
/// the journal writes on); the panel picks the outcome up.
fn spawn_job(state: &mut PanelState, working: &str, work: impl FnOnce() -> Done + Send + 'static) {
    let (tx, rx) = crossbeam_channel::bounded(1);
    std::thread::spawn(move || {
        let _ = tx.send(work());
    });
    state.job = Some(rx);
    state.edit_status = Some(Ok(working.to_string()));
}

/// The path as typed: surrounding quotes (pasted from a file manager) dropped, `~/` expanded.
fn typed_path(text: &str) -> PathBuf {
    let text = text.trim().trim_matches(|c| c == '"' || c == '\'');
    match text.strip_prefix("~/").zip(dirs::home_dir()) {
        Some((rest, home)) => home.join(rest),
        None => PathBuf::from(text),
    }
}

/// Plans an edit (pure rules) and, when it is allowed, stores it in the background.
fn submit(state: &mut PanelState, edit: PrizeEdit, current: &[Prize], desk: &Desk, sink: &Sink, local: Option<&LocalOverride>) -> bool {
    let plan = match prizes::plan(current, &edit, &desk.state, sink.target()) {
        Ok(plan) => plan,
        Err(problems) => {
            state.edit_status = Some(Err(problems.join(" ")));
            state.problems = problems;
            return false;
        }
    };
    state.problems.clear();
    let summary = plan.summary.clone();
    match sink {
        Sink::Server(config) => {
            let (config, calls) = (config.clone(), prizes::server_calls(&plan));
            spawn_job(state, "sending to the event server…", move || {
                match admin_calls(&config, &calls) {
                    Ok(_) => Done::Server(format!("{summary} on the event server; it shows here with the next feed update")),
                    Err(e) => Done::Failed(format!("not saved: {e}")),
                }
            });
        }
        Sink::Local(dir) => {
            let value = LocalOverride {
                version: CONTRACT_VERSION,
                prizes: Some(plan.prizes),
                tickets: local.and_then(|v| v.tickets.clone()),
            };
            let dir = dir.clone();
            spawn_job(state, "saving…", move || match prizes::save_override(&dir, &value) {
                Ok(()) => Done::Local(Some(value), format!("{summary} (kept on this kiosk)")),
                Err(e) => Done::Failed(format!("not saved: {e}")),
            });
        }
    }
    true
}

fn import_tickets(state: &mut PanelState, sink: &Sink, local: Option<&LocalOverride>) {
    let path = typed_path(&state.csv_path);
    if path.as_os_str().is_empty() {
        state.edit_status = Some(Err("Type the path of the CSV file first.".into()));
        return;
    }
    let shown = path.display().to_string();
    match sink {
        Sink::Server(config) => {
            let config = config.clone();
            spawn_job(state, "reading the CSV…", move || {
                let tickets = match prizes::read_tickets_csv(&path) {
                    Ok(tickets) => tickets,
                    Err(refusal) => return Done::Failed(format!("{shown}: {refusal}")),
                };
                match admin_calls(&config, &[prizes::tickets_upload(&tickets)]) {
                    Ok(_) => Done::Server(format!(
                        "{} tickets from {shown} added or updated on the event server; they show here with the next feed update",
                        tickets.len()
                    )),
                    Err(e) => Done::Failed(format!("{shown}: checked, but not stored: {e}")),
                }
            });
        }
        Sink::Local(dir) => {
            let (dir, prizes) = (dir.clone(), local.and_then(|v| v.prizes.clone()));
            spawn_job(state, "reading the CSV…", move || {
                let tickets = match prizes::read_tickets_csv(&path) {
                    Ok(tickets) => tickets,
                    Err(refusal) => return Done::Failed(format!("{shown}: {refusal}")),
                };
                let n = tickets.len();
                let value = LocalOverride {
                    version: CONTRACT_VERSION,
                    prizes,
                    tickets: Some(tickets),
                };
                match prizes::save_override(&dir, &value) {
                    Ok(()) => Done::Local(
                        Some(value),
                        format!("imported {n} tickets from {shown}: the ticket list on this kiosk"),
                    ),
                    Err(e) => Done::Failed(format!("not saved: {e}")),
                }
            });
        }
    }
}

/// Drops a part of the local override (or moves a damaged file aside) in the background.
fn drop_override(state: &mut PanelState, what: Drop, dir: &Path, local: Option<&LocalOverride>) {
    let dir = dir.to_path_buf();
    if what == Drop::Damaged {
        let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
        spawn_job(state, "moving it aside…", move || {
            let (from, to) = (
                dir.join(prizes::OVERRIDE_FILE),
                dir.join(format!("local-draw.damaged-{stamp}.json")),
            );
            match std::fs::rename(&from, &to) {
                Ok(()) => Done::Local(None, format!("moved to {}; the feed's prizes and tickets are used", to.display())),
                Err(e) => Done::Failed(format!("{}: {e}", from.display())),
            }
        });
        return;
    }
    let mut value = local.cloned().unwrap_or_default();
    let message = match what {
        Drop::Prizes => {
            value.prizes = None;
            "the feed's prizes are used again"
        }
        _ => {
            value.tickets = None;
            "the feed's tickets are used again"
        }
    };
    spawn_job(state, "saving…", move || match prizes::save_override(&dir, &value) {
        Ok(()) => Done::Local(Some(value), message.to_string()),
        Err(e) => Done::Failed(format!("not saved: {e}")),
    });
}

/// A second click confirms: `label` arms it, then "Yes" or "Keep".
fn confirm_drop(ui: &mut egui::Ui, state: &mut PanelState, what: Drop, enabled: bool, label: &str, question: &str) -> bool {
    if state.confirm_drop != Some(what) {
        if ui.add_enabled(enabled, egui::Button::new(label).small()).clicked() {
            state.confirm_drop = Some(what);
        }
        return false;
    }
    let mut confirmed = false;
    ui.horizontal_wrapped(|ui| {
        ui.colored_label(RED, question);
        if ui.add_enabled(enabled, egui::Button::new("Yes").small()).clicked() {
            confirmed = true;
            state.confirm_drop = None;
        }
        if ui.small_button("Keep").clicked() {
            state.confirm_drop = None;
        }
    });
    confirmed
}

/// The draw as the panel sees it.
#[derive(SystemParam)]
struct PanelDraw<'w> {
    config: Res<'w, Config>,
    desk: Option<Res<'w, DrawDesk>>,
    journal: Option<Res<'w, DrawJournal>>,
    outbox: Option<Res<'w, crate::feed::Outbox>>,
}

/// Background jobs the panel started finish on any screen.
fn finish_jobs(mut local: ResMut<LocalDraw>, mut state: ResMut<PanelState>) {
    while let Ok(message) = state.results.1.try_recv() {
        state.status = Some(message);
    }
    if let Some(done) = state.job.as_ref().and_then(|rx| rx.try_recv().ok()) {
        state.job = None;
        state.edit_status = Some(match done {
            Done::Local(value, message) => {
                local.set(value);
                Ok(message)
            }
            Done::Server(message) => Ok(message),
            Done::Failed(error) => {
                warn!("draw panel: {error}");
                Err(error)
            }
        });
    }
}

fn draw_panel(
    mut commands: Commands,
    mut contexts: EguiContexts,
    panel: Res<OperatorPanel>,
    draw: PanelDraw,
    local: Res<LocalDraw>,
    mut store: ResMut<ImageStore>,
    mut state: ResMut<PanelState>,
) {
    if !panel.open {
        return;
    }
    let PanelDraw {
        config,
        desk,
        journal,
        outbox,
    } = draw;
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let dir = journal_dir(&config);
    let sink = match OutboxConfig::from_config(&config.feed) {
        Some(server) => Sink::Server(server),
        None => Sink::Local(dir.clone()),
    };
    let state = &mut *state;
    egui::Window::new("Lucky draw · 추첨 관리")
        .default_pos([1380.0, 40.0])
        .default_width(520.0)
        .show(ctx, |ui| {
            let Some(desk) = desk.as_deref() else {
                ui.label("The draw is not ready (waiting for prizes and tickets, or the journal).");
                if let (Some(error), Sink::Local(dir)) = (&local.load_error, &sink) {
                    ui.colored_label(RED, format!("The local prize list cannot be used: {error}"));
                    let idle = state.job.is_none();
                    if confirm_drop(
                        ui,
                        state,
                        Drop::Damaged,
                        idle,
                        "Move the damaged file aside…",
                        "Move it aside and use the feed's prizes and tickets?",
                    ) {
                        drop_override(state, Drop::Damaged, dir, None);
                    }
                    edit_status(ui, state);
                }
                return;
            };
            let desk = &desk.0;
            ui.label(format!("Seed commitment: {}", engine::fingerprint(&desk.commitment_on_screen())));
            if desk.commitment_on_screen() != desk.commitment() {
                ui.label(format!("Next armed seed commitment: {}", engine::fingerprint(&desk.commitment())));
            }
            // Anchoring of the armed seed, and how many results were drawn without the server's nonce.
            let armed = match &desk.anchor {
                Anchor::Anchored(anchor) => format!(
                    "Armed seed anchored: the event server registered it at {} (nonce {})",
                    anchor.registered_at.format("%H:%M:%S UTC"),
                    engine::fingerprint(&anchor.server_nonce)
                ),
                Anchor::Registering => "Armed seed: registering with the event server…".to_owned(),
                Anchor::Local => "Armed seed NOT ANCHORED: no event server".to_owned(),
                Anchor::Failed { reason, .. } => format!("Armed seed NOT ANCHORED: {reason} (tried again every few seconds)"),
            };
            match desk.anchor {
                Anchor::Failed { .. } => ui.colored_label(RED, armed),
                _ => ui.label(armed),
            };
            let unanchored = desk.records.iter().filter(|r| !r.is_anchored()).count();
            if unanchored > 0 {
                ui.colored_label(
                    RED,
                    format!("{unanchored} of {} results NOT ANCHORED (see verify-draw)", desk.records.len()),
                );
            }
            if let Some(note) = &desk.operator_note {
                ui.label(note);
            }
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
                ui.colored_label(RED, format!("{} conflicts with the server", desk.conflicts.len()));
            }
            ui.separator();
            editor(ui, state, desk, &local, &mut store, &sink);
            ui.separator();
            if ui.button("Export winners (CSV, all and per prize)").clicked() {
                let (records, dir, tx) = (desk.records.clone(), dir.clone(), state.results.0.clone());
                let names = WinnerNames {
                    prizes: desk.prizes.iter().map(|p| (p.engine.id.clone(), p.name.clone())).collect(),
                    people: desk.names.clone(),
                };
                let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S").to_string();
                IoTaskPool::get()
                    .spawn(async move {
                        let _ = tx.send(match export_winners(&dir, &records, &names, &stamp) {
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

fn edit_status(ui: &mut egui::Ui, state: &PanelState) {
    match &state.edit_status {
        Some(Ok(message)) => {
            ui.colored_label(GREEN, message);
        }
        Some(Err(error)) => {
            ui.colored_label(RED, error);
        }
        None => {}
    }
}

/// The prize list (reorder, edit, delete, add), the ticket import and the local override.
fn editor(ui: &mut egui::Ui, state: &mut PanelState, desk: &Desk, local: &LocalDraw, store: &mut ImageStore, sink: &Sink) {
    let current: Vec<Prize> = local.effective.as_deref().map(|d| prizes::sorted(&d.prizes)).unwrap_or_default();
    let override_value = local.value.as_ref();
    let idle = desk.stage == Stage::Idle;
    let editable = idle && state.job.is_none();
    match sink {
        Sink::Server(server) => ui.small(format!(
            "Prizes and tickets live on the event server ({}): changes are sent there with the admin token and show here with the next feed update.",
            server.base
        )),
        Sink::Local(dir) => ui.small(format!(
            "No event server: changes are kept on this kiosk ({}).",
            dir.join(prizes::OVERRIDE_FILE).display()
        )),
    };
    if !idle {
        ui.colored_label(
            RED,
            "Editing waits until the draw is idle (not while sealing, rolling or showing a result; SPACE moves on).",
        );
    }
    if let (Sink::Local(dir), Some(value)) = (sink, override_value) {
        if let Some(list) = &value.prizes {
            ui.horizontal(|ui| {
                ui.strong(format!("local prize list, {} prizes", list.len()));
                if confirm_drop(
                    ui,
                    state,
                    Drop::Prizes,
                    editable,
                    "Use the feed's prizes…",
                    "Drop the local prize list? (results stay in the journal)",
                ) {
                    drop_override(state, Drop::Prizes, dir, Some(value));
                }
            });
        }
        if let Some(list) = &value.tickets {
            ui.horizontal(|ui| {
                ui.strong(format!("local ticket list, {} tickets", list.len()));
                if confirm_drop(
                    ui,
                    state,
                    Drop::Tickets,
                    editable,
                    "Use the feed's tickets…",
                    "Drop the local ticket list? (results stay in the journal)",
                ) {
                    drop_override(state, Drop::Tickets, dir, Some(value));
                }
            });
        }
    }
    let mut edit: Option<PrizeEdit> = None;
    ui.label(egui::RichText::new(format!("Prizes · 경품 ({})", current.len())).strong());
    egui::ScrollArea::vertical()
        .max_height(230.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            for (i, prize) in current.iter().enumerate() {
                let decided = Decided::of(&desk.state, &prize.id);
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(editable && i > 0, egui::Button::new("▲").small())
                        .on_hover_text("earlier on stage")
                        .clicked()
                    {
                        edit = Some(PrizeEdit::Move {
                            id: prize.id.clone(),
                            up: true,
                        });
                    }
                    if ui
                        .add_enabled(editable && i + 1 < current.len(), egui::Button::new("▼").small())
                        .on_hover_text("later on stage")
                        .clicked()
                    {
                        edit = Some(PrizeEdit::Move {
                            id: prize.id.clone(),
                            up: false,
                        });
                    }
                    let marker = if desk.prize().is_some_and(|p| p.engine.id == prize.id) {
                        "▶ "
                    } else {
                        ""
                    };
                    ui.label(format!("{marker}{}. {}", i + 1, crate::shell::ui::ellipsize(&prize.name, 34)));
                    let mut facts = format!("{}/{} drawn", decided.winners, prize.winner_count);
                    if let Some(b) = prize.batch_size {
                        facts.push_str(&format!(" · batches of {b}"));
                    }
                    if prize.allow_previous_winners {
                        facts.push_str(" · previous winners may win");
                    }
                    if !prize.eligible_groups.is_empty() || !prize.excluded_groups.is_empty() {
                        facts.push_str(&format!(
                            " · {}",
                            engine::describe_groups(&prize.eligible_groups, &prize.excluded_groups)
                        ));
                    }
                    ui.weak(facts);
                    if ui.add_enabled(editable, egui::Button::new("Edit").small()).clicked() {
                        state.form = Some(Form::new(Some(prize.id.clone()), PrizeDraft::from_prize(prize)));
                        state.problems.clear();
                    }
                    let deletable = editable && decided.records == 0;
                    if state.confirm_delete.as_deref() == Some(prize.id.as_str()) {
                        if ui.add_enabled(deletable, egui::Button::new("Really delete").small()).clicked() {
                            edit = Some(PrizeEdit::Delete { id: prize.id.clone() });
                            state.confirm_delete = None;
                        }
                        if ui.small_button("Keep").clicked() {
                            state.confirm_delete = None;
                        }
                    } else if ui
                        .add_enabled(deletable, egui::Button::new("Delete").small())
                        .on_disabled_hover_text(if decided.records > 0 {
                            "This prize has results in the draw journal: it cannot be deleted."
                        } else {
                            "Only while the draw is idle."
                        })
                        .clicked()
                    {
                        state.confirm_delete = Some(prize.id.clone());
                    }
                });
                if let Some(photo) = prize.image_url.as_deref() {
                    match store.get(photo) {
                        Some(ImageEntry::Failed(error)) => {
                            let mut retry = false;
                            ui.horizontal_wrapped(|ui| {
                                ui.colored_label(
                                    RED,
                                    format!(
                                        "    photo {}: {error} (the stage shows a placeholder)",
                                        crate::shell::ui::ellipsize(photo, 48)
                                    ),
                                );
                                retry = ui.small_button("Retry photo").clicked();
                            });
                            if retry {
                                store.forget(photo);
                            }
                        }
                        Some(ImageEntry::Loading) => {
                            ui.weak("    photo loading…");
                        }
                        _ => {}
                    }
                }
            }
        });
    if ui
        .add_enabled(editable && state.form.is_none(), egui::Button::new("Add a prize"))
        .clicked()
    {
        state.form = Some(Form::new(None, PrizeDraft::default()));
        state.problems.clear();
    }
    let mut close = false;
    if let Some(form) = state.form.as_mut() {
        let mut save = false;
        ui.group(|ui| {
            ui.strong(if form.id.is_some() { "Edit prize" } else { "New prize" });
            egui::Grid::new("prize-form").num_columns(2).show(ui, |ui| {
                ui.label("Name");
                ui.add(
                    egui::TextEdit::singleline(&mut form.draft.name)
                        .desired_width(320.0)
                        .char_limit(400),
                );
                ui.end_row();
                ui.label("Photo");
                ui.add(
                    egui::TextEdit::singleline(&mut form.draft.photo)
                        .desired_width(320.0)
                        .char_limit(prizes::MAX_PHOTO_CHARS + 100)
                        .hint_text(match sink {
                            Sink::Server(_) => "https://… or /api/v1/images/… (empty: no photo)",
                            Sink::Local(_) => "/path/to/photo.jpg or https://… (empty: no photo)",
                        }),
                );
                ui.end_row();
                ui.label("Winners");
                ui.add(egui::DragValue::new(&mut form.draft.winner_count).range(1..=prizes::MAX_WINNERS));
                ui.end_row();
                ui.label("Batches");
                ui.horizontal(|ui| {
                    ui.checkbox(&mut form.batched, "draw in batches of");
                    ui.add_enabled(
                        form.batched,
                        egui::DragValue::new(&mut form.batch).range(1..=form.draft.winner_count.max(1)),
                    );
                });
                ui.end_row();
                ui.label("");
                ui.checkbox(&mut form.draft.allow_previous_winners, "winners of earlier prizes may win this too");
                ui.end_row();
                ui.label("Only groups");
                ui.add(
                    egui::TextEdit::singleline(&mut form.draft.eligible_groups)
                        .desired_width(320.0)
                        .char_limit(700)
                        .hint_text("everyone (or e.g. staff)"),
                );
                ui.end_row();
                ui.label("Excluded groups");
                ui.add(
                    egui::TextEdit::singleline(&mut form.draft.excluded_groups)
                        .desired_width(320.0)
                        .char_limit(700)
                        .hint_text("e.g. staff, speaker, sponsor"),
                );
                ui.end_row();
            });
            for problem in &state.problems {
                ui.colored_label(RED, problem);
            }
            ui.horizontal(|ui| {
                save = ui.add_enabled(editable, egui::Button::new("Save")).clicked();
                close = ui.button("Cancel").clicked();
            });
        });
        if save {
            let draft = form.draft();
            let edit_now = match form.id.clone() {
                Some(id) => PrizeEdit::Update { id, draft },
                None => PrizeEdit::Add(draft),
            };
            close = submit(state, edit_now, &current, desk, sink, override_value);
        }
    }
    if close {
        state.form = None;
        state.problems.clear();
    }
    if let Some(edit) = edit {
        state.confirm_delete = None;
        submit(state, edit, &current, desk, sink, override_value);
    }
    ui.add_space(6.0);
    ui.label(egui::RichText::new("Tickets · 응모권").strong());
    ui.horizontal(|ui| {
        ui.add(
            egui::TextEdit::singleline(&mut state.csv_path)
                .desired_width(330.0)
                .hint_text("/path/to/tickets.csv"),
        );
        if ui.add_enabled(editable, egui::Button::new("Import CSV")).clicked() {
            import_tickets(state, sink, override_value);
        }
    });
    ui.small(match sink {
        Sink::Server(_) => {
            "CSV with a header: number,holder[,name][,groups]. Adds or updates these tickets on the server; the others stay."
        }
        Sink::Local(_) => "CSV with a header: number,holder[,name][,groups]. Becomes this kiosk's whole ticket list. All or nothing.",
    });
    edit_status(ui, state);
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_rules::draw::engine::{DrawState, EnginePrize, EngineTicket, draw_batch};
    use venue_rules::draw::journal::JOURNAL_FILE;

    #[test]
    fn exports_every_prize_and_reset_keeps_the_old_journal() {
        let dir = tempfile::tempdir().unwrap();
        let pool: Vec<EngineTicket> = (0..50)
            .map(|i| EngineTicket {
                number: 100 + i,
                holder: format!("h{i}"),
                groups: Vec::new(),
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
                eligible_groups: Vec::new(),
                excluded_groups: Vec::new(),
            };
            records.push(draw_batch(&mut state, &pool, &prize, None, [n as u8; 32]).unwrap().record);
        }
        let out = export_winners(dir.path(), &records, &WinnerNames::default(), "t1").unwrap();
        let all = std::fs::read_to_string(out.join("winners.csv")).unwrap();
        assert_eq!(all.lines().count(), 1 + 4);
        let mugs = std::fs::read_to_string(out.join("winners-mug_cup.csv")).unwrap();
        assert_eq!(mugs.lines().count(), 1 + 3, "{mugs}");

        std::fs::write(dir.path().join(JOURNAL_FILE), "line\n").unwrap();
        let archived = archive_journal(dir.path(), "t2").unwrap();
        assert_eq!(std::fs::read_to_string(&archived).unwrap(), "line\n");
        // The new journal links to the archive, with its hash.
        let fresh = std::fs::read_to_string(dir.path().join(JOURNAL_FILE)).unwrap();
        assert!(
            fresh.starts_with("{\"type\":\"reset\",\"archived\":\"draw-journal-reset-t2.jsonl\""),
            "{fresh}"
        );
        assert!(
            fresh.contains(&hex::encode(<sha2::Sha256 as sha2::Digest>::digest(b"line\n"))),
            "{fresh}"
        );
        assert!(archive_journal(dir.path(), "t2").is_err(), "an archive is never overwritten");
        std::fs::remove_file(dir.path().join(JOURNAL_FILE)).unwrap();
        assert!(
            archive_journal(dir.path(), "t3").is_err(),
            "nothing to archive is an error, not silence"
        );
    }
}
