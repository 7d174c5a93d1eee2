//! Lucky-draw screen: the desk (desk.rs) drives `Idle → Committing → Rolling → Revealed`; the
//! engine (engine.rs) draws; the journal (journal.rs) makes each result durable before the reels
//! (machine.rs) start. Drawing and journaling run off the main thread.

pub mod celebration;
pub mod desk;
pub mod engine;
pub mod journal;
pub mod machine;
pub mod panel;
pub mod prizes;
pub mod reels;
pub mod verify;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::{IoTaskPool, Task, futures::check_ready};
use chrono::Utc;

use crate::app::Screen;
use crate::config::Config;
use crate::feed::wire::DrawData;
use crate::feed::{FeedState, Outbox, PostOutcome, ResultAnswer, ResultPost, ResultStream, sample};
use crate::images::{ImageEntry, ImageStore};
use crate::ui::{UiFonts, ellipsize, theme};
use desk::{Desk, Stage};
use journal::{Journal, JournalEntry, Replayed};

/// The open journal, shared with the background tasks that write it.
#[derive(Resource, Clone)]
pub struct DrawJournal(pub Arc<Mutex<Journal>>);

#[derive(Resource)]
pub struct DrawDesk(pub Desk);

/// The draw data the desk uses: the feed's, with the local override (prizes and/or tickets the
/// operator edited or imported on this kiosk, without an event server) applied. One place decides
/// it; the desk, the photos and the panel read `effective`.
#[derive(Resource, Default)]
pub struct LocalDraw {
    /// The override file has been read (or there is none to read): the desk may open.
    pub loaded: bool,
    /// The override in force, as stored in `journal_dir/local-draw.json`.
    pub value: Option<prizes::LocalOverride>,
    /// The override file exists but cannot be used: the draw waits until the operator moves it aside.
    pub load_error: Option<String>,
    pub effective: Option<Arc<DrawData>>,
    loading: Option<Task<Result<Option<prizes::LocalOverride>, String>>>,
    /// Bumped by `set`, so `update_effective` recomputes.
    revision: u64,
    applied: Option<(u64, Option<Arc<DrawData>>)>,
}

impl LocalDraw {
    /// A new override is in force (already stored by the caller); `None` = use the feed's data.
    pub fn set(&mut self, value: Option<prizes::LocalOverride>) {
        self.value = value.filter(|v| !v.is_empty());
        self.load_error = None;
        self.loaded = true;
        self.revision += 1;
    }
}

/// Background work in flight.
#[derive(Resource, Default)]
struct DrawTasks {
    opening: Option<Task<Result<(Journal, Replayed), String>>>,
    commit: Option<Task<Result<engine::AuditRecord, String>>>,
    open_error: Option<String>,
}

#[derive(Component)]
struct DrawRoot;

pub fn plugin(app: &mut App) {
    app.add_plugins((celebration::plugin, panel::plugin, reels::plugin))
        .init_resource::<DrawTasks>()
        .init_resource::<LocalDraw>()
        .add_systems(Startup, load_local_override)
        .add_systems(OnEnter(Screen::LuckyDraw), spawn_root)
        .add_systems(
            Update,
            (
                update_effective,
                open_journal,
                finish_tasks,
                follow_feed,
                operator_keys,
                advance_roll,
                receive_answers,
                post_results,
            )
                .chain(),
        )
        .add_systems(Update, (request_photos, rebuild).chain().run_if(in_state(Screen::LuckyDraw)));
}

/// Where this source's draw journal lives: `draw.journal_dir`, else the OS data dir.
pub fn journal_dir(config: &Config) -> PathBuf {
    if let Some(dir) = &config.draw.journal_dir {
        return dir.clone();
    }
    use sha2::{Digest, Sha256};
    let key = hex::encode(Sha256::digest(crate::feed::WorkerConfig::cache_key(&config.feed).as_bytes()));
    dirs::data_local_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join("venue-kiosk")
        .join(format!("draw-{}", &key[..16]))
}

fn spawn_root(mut commands: Commands) {
    commands.spawn((
        Name::new("Lucky draw"),
        DrawRoot,
        DespawnOnExit(Screen::LuckyDraw),
        Node {
            width: percent(100),
            height: percent(100),
            flex_direction: FlexDirection::Column,
            padding: UiRect::axes(px(56), px(36)),
            row_gap: px(18),
            ..default()
        },
    ));
}

/// Whether edits are kept on this kiosk (no event server) rather than sent to the server.
pub fn edits_are_local(config: &Config) -> bool {
    crate::feed::outbox::OutboxConfig::from_config(&config.feed).is_none()
}

/// Read the local override in the background (only without an event server: with one, the server
/// is the one source of prizes and tickets).
fn load_local_override(config: Res<Config>, mut local: ResMut<LocalDraw>) {
    if !edits_are_local(&config) {
        local.loaded = true;
        return;
    }
    let dir = journal_dir(&config);
    local.loading = Some(IoTaskPool::get().spawn(async move { prizes::load_override(&dir) }));
}

/// Recompute the effective draw data when the feed's or the override changed.
fn update_effective(feed: Res<FeedState>, mut local: ResMut<LocalDraw>) {
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
fn open_journal(local: Res<LocalDraw>, config: Res<Config>, mut tasks: ResMut<DrawTasks>, desk: Option<Res<DrawDesk>>) {
    if desk.is_some() || tasks.opening.is_some() || tasks.open_error.is_some() || local.effective.is_none() {
        return;
    }
    let dir = journal_dir(&config);
    tasks.opening = Some(IoTaskPool::get().spawn(async move { Journal::open(&dir).map_err(|e| e.to_string()) }));
}

fn finish_tasks(
    mut commands: Commands,
    local: Res<LocalDraw>,
    mut tasks: ResMut<DrawTasks>,
    mut desk: Option<ResMut<DrawDesk>>,
    time: Res<Time<Real>>,
    start_prize: Option<Res<StartPrize>>,
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
                error!("draw journal cannot be opened: {error}; drawing is disabled until it can");
                tasks.open_error = Some(error);
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
fn follow_feed(local: Res<LocalDraw>, desk: Option<ResMut<DrawDesk>>, mut seen: Local<Option<Arc<DrawData>>>) {
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
                    desk.0.notice = Some(format!(
                        "Draw updated ({} on this kiosk): {} prizes, {} tickets in the pool; new seed commitment",
                        match (&value.prizes, &value.tickets) {
                            (Some(_), Some(_)) => "local prize and ticket lists",
                            (Some(_), None) => "local prize list",
                            _ => "local ticket list",
                        },
                        desk.0.prizes.len(),
                        desk.0.pool.len()
                    ));
                }
                info!("draw desk updated from the feed: {} tickets", data.tickets.len());
                *seen = Some(data.clone());
            }
        }
    }
}

/// `--prize ID`: the prize the desk starts on (instead of the first one not yet complete).
#[derive(Resource, Debug, Clone)]
pub struct StartPrize(pub String);

/// `--autodraw` (tests, rehearsals): presses Space by itself. `Once`: one draw as soon as the desk
/// is ready. `All`: draws every prize to the end, one step every `step_s` seconds.
#[derive(Resource, Debug, Clone, PartialEq)]
pub enum AutoDraw {
    Once { pressed: bool },
    All { step_s: f64, last_s: f64 },
}

impl AutoDraw {
    fn wants_press(&mut self, desk: &Desk, now_s: f64) -> bool {
        match self {
            AutoDraw::Once { pressed } => desk.stage == Stage::Idle && !std::mem::replace(pressed, true),
            AutoDraw::All { step_s, last_s } => {
                let ready = matches!(desk.stage, Stage::Idle | Stage::Revealed { .. }) && now_s - *last_s >= *step_s;
                let open = desk.prizes.iter().any(|p| !desk.state.is_complete(&p.engine));
                if ready && (open || desk.stage != Stage::Idle) && desk.notice.is_none() {
                    *last_s = now_s;
                    return true;
                }
                false
            }
        }
    }
}

/// Space/Enter = next step, Esc = cancel before commit (or withdraw a no-show question),
/// ← → = prize, ↑ ↓ = winner, N = no-show (twice, to confirm).
#[allow(clippy::too_many_arguments)]
fn operator_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut auto: Option<ResMut<AutoDraw>>,
    screen: Res<State<Screen>>,
    time: Res<Time<Real>>,
    mut desk: Option<ResMut<DrawDesk>>,
    journal: Option<Res<DrawJournal>>,
    mut tasks: ResMut<DrawTasks>,
    egui_input: Option<Res<bevy_egui::input::EguiWantsInput>>,
) {
    if *screen.get() != Screen::LuckyDraw {
        return;
    }
    // Typing in the operator panel (a prize name, a CSV path) never draws, cancels or moves on.
    let typing = egui_input.is_some_and(|i| i.wants_any_keyboard_input());
    let pressed = |key: KeyCode| !typing && keys.just_pressed(key);
    let (Some(desk), Some(journal)) = (desk.as_mut(), journal) else {
        return;
    };
    let now_s = time.elapsed_secs_f64();
    if tasks.commit.is_none() {
        let auto_press = auto.as_mut().is_some_and(|a| a.wants_press(&desk.0, now_s));
        let job = if auto_press || pressed(KeyCode::Space) || pressed(KeyCode::Enter) {
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

/// Append an entry in the background (it fsyncs); a failure is logged, the screen goes on.
fn append_later(journal: &DrawJournal, entry: JournalEntry) {
    crate::background::append_later(&journal.0, entry, Journal::append);
}

/// Hand revealed results the server has not stored yet to the outbox (it retries until answered).
fn post_results(desk: Option<Res<DrawDesk>>, outbox: Option<ResMut<Outbox>>) {
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
fn receive_answers(mut answers: MessageReader<ResultAnswer>, desk: Option<ResMut<DrawDesk>>, journal: Option<Res<DrawJournal>>) {
    let (Some(mut desk), Some(journal)) = (desk, journal) else {
        answers.clear();
        return;
    };
    for ResultAnswer(report) in answers.read() {
        if report.stream != ResultStream::Draw {
            continue;
        }
        let sequence = report.id;
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
                desk.0.post_problem = Some(format!("The event server refused draw result {sequence} (HTTP {status}): {reason}"));
            }
        }
    }
}

/// End the roll on time and journal the reveal (in the background).
fn advance_roll(time: Res<Time<Real>>, desk: Option<ResMut<DrawDesk>>, journal: Option<Res<DrawJournal>>) {
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

/// Photos decode in the background: the embedded sample's are compiled in; others are read from a
/// file (absolute, or relative to a file source's directory) or downloaded from an http(s) URL.
/// A forgotten (failed, then retried) photo is asked for again.
fn request_photos(local: Res<LocalDraw>, config: Res<Config>, mut store: ResMut<ImageStore>) {
    if !local.is_changed() && !store.is_changed() {
        return;
    }
    let Some(draw) = local.effective.as_deref() else { return };
    let base_dir = match crate::feed::source::SourceSpec::parse(&config.feed.source) {
        Ok(crate::feed::source::SourceSpec::Dir(dir)) => Some(dir),
        _ => None,
    };
    for prize in &draw.prizes {
        let Some(url) = prize.image_url.as_deref() else { continue };
        if store.get(url).is_some() {
            continue;
        }
        if let Some(bytes) = sample::prize_photo(url) {
            store.request_bytes(url, bytes);
            continue;
        }
        match prizes::photo_source(url, base_dir.as_deref()) {
            Some(prizes::PhotoSource::Url(u)) => store.request_url(url, u),
            Some(prizes::PhotoSource::File(path)) => store.request_path(url, path),
            None => {}
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn rebuild(
    mut commands: Commands,
    feed: Res<FeedState>,
    store: Res<ImageStore>,
    fonts: Res<UiFonts>,
    desk: Option<Res<DrawDesk>>,
    tasks: Res<DrawTasks>,
    local: Res<LocalDraw>,
    outbox: Option<Res<Outbox>>,
    rig: Option<Res<reels::ReelRig>>,
    root: Query<Entity, With<DrawRoot>>,
    added: Query<(), Added<DrawRoot>>,
    mut built: Local<Option<(u64, usize)>>,
) {
    let Ok(root) = root.single() else { return };
    let desk_changed = desk.as_ref().is_some_and(|d| d.is_changed());
    let key = (feed.revision, store.pending());
    let rig_added = rig.as_ref().is_some_and(|r| r.is_added());
    if *built == Some(key) && added.is_empty() && !desk_changed && !rig_added && !tasks.is_changed() && !local.is_changed() {
        return;
    }
    *built = Some(key);
    let posting = outbox.is_some();
    commands.entity(root).despawn_children();
    commands.entity(root).with_children(|ui| {
        ui.spawn((Text::new("LUCKY DRAW · 행운의 추첨"), fonts.bold(56.0, theme::GOLD)));
        let Some(desk) = desk.as_deref() else {
            let line = tasks
                .open_error
                .clone()
                .map(|e| format!("Draw journal unavailable: {e}"))
                .or_else(|| {
                    local
                        .load_error
                        .as_ref()
                        .map(|e| format!("Local prize list unusable (see the operator panel, F1): {e}"))
                })
                .unwrap_or_else(|| "Waiting for prizes and tickets from the event feed…".into());
            ui.spawn((Text::new(line), fonts.text(30.0, theme::TEXT_DIM)));
            return;
        };
        build_stage(ui, &desk.0, &store, &fonts, rig.as_deref(), posting);
    });
}

fn build_stage(
    ui: &mut ChildSpawnerCommands,
    desk: &Desk,
    store: &ImageStore,
    fonts: &UiFonts,
    rig: Option<&reels::ReelRig>,
    posting: bool,
) {
    let Some(prize) = desk.prize() else {
        ui.spawn((Text::new("No prizes in the feed"), fonts.text(30.0, theme::TEXT_DIM)));
        return;
    };
    let drawn = desk.state.winners_of(&prize.engine.id);
    ui.spawn(Node {
        column_gap: px(40),
        flex_grow: 1.0,
        // Never push the status lines below off the screen, whatever the columns hold.
        min_height: px(0),
        flex_basis: px(0),
        overflow: Overflow::clip(),
        ..default()
    })
    .with_children(|row| {
        // Left: the prize.
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(12),
            width: px(560),
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|col| {
            photo(col, store, prize.image_url.as_deref(), 560.0, 420.0, fonts);
            col.spawn((Text::new(prize.name.clone()), fonts.bold(40.0, theme::TEXT)));
            col.spawn((
                Text::new(format!("{} of {} winners drawn", drawn.len(), prize.engine.winner_count)),
                fonts.text(26.0, theme::TEXT_DIM),
            ));
        });
        // Centre: the machine.
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(18),
            flex_grow: 1.0,
            align_items: AlignItems::Center,
            ..default()
        })
        .with_children(|col| {
            let (label, color) = match desk.stage {
                Stage::Idle => ("READY · SPACE to draw", theme::GOLD),
                Stage::Committing => ("SEALING THE RESULT…", theme::TEXT_DIM),
                Stage::Rolling { .. } => ("ROLLING…", theme::TEXT),
                Stage::Revealed { .. } => ("WINNER · 당첨!", theme::GOLD),
            };
            col.spawn((Text::new(label), fonts.bold(44.0, color)));
            if let Some(rig) = rig {
                reels::spawn_window(col, rig, desk.reel_count());
            }
            if let Stage::Revealed { sequence } = desk.stage
                && let Some(record) = desk.record(sequence)
            {
                revealed_winners(col, desk, record, fonts);
            }
            if let Some(ticket) = desk.confirm_no_show {
                col.spawn((
                    Text::new(format!(
                        "#{ticket} {} did not show up? N again: draw one replacement · ESC: keep the winner",
                        desk.display_name(ticket)
                    )),
                    fonts.bold(28.0, theme::STALE),
                ));
            }
            if let Some(notice) = &desk.notice {
                col.spawn((Text::new(notice.clone()), fonts.bold(26.0, theme::OFFLINE)));
            }
            if let Some(problem) = &desk.post_problem {
                col.spawn((Text::new(problem.clone()), fonts.bold(22.0, theme::OFFLINE)));
            }
        });
        // Right: winners so far.
        row.spawn(Node {
            flex_direction: FlexDirection::Column,
            row_gap: px(8),
            width: px(420),
            flex_shrink: 0.0,
            ..default()
        })
        .with_children(|col| {
            col.spawn((Text::new("WINNERS · 당첨자"), fonts.bold(26.0, theme::GOLD)));
            let revealed_only = |seq: u64| !matches!(desk.stage, Stage::Rolling { sequence, .. } if sequence == seq);
            for p in &desk.prizes {
                let winners: Vec<_> = desk
                    .records
                    .iter()
                    .filter(|r| r.prize_id == p.engine.id && revealed_only(r.sequence))
                    .flat_map(|r| r.winners.iter())
                    .collect();
                if winners.is_empty() {
                    continue;
                }
                col.spawn((Text::new(ellipsize(&p.name, 34)), fonts.bold(22.0, theme::TEXT)));
                let names: Vec<String> = winners
                    .iter()
                    .take(8)
                    .map(|w| format!("#{} {}", w.ticket, desk.display_name(w.ticket)))
                    .collect();
                col.spawn((Text::new(names.join("  ·  ")), fonts.text(18.0, theme::TEXT_DIM)));
            }
        });
    });
    ui.spawn((
        Text::new(format!(
            "Seed commitment {} · Tickets {} ({} in the pool) · {}",
            engine::fingerprint(&desk.commitment()),
            engine::fingerprint(&engine::tickets_hash(&desk.pool)),
            desk.pool.len(),
            server_line(desk, posting),
        )),
        fonts.text(22.0, theme::TEXT_DIM),
    ));
    ui.spawn((
        Text::new("SPACE next · ← → prize · ↑ ↓ winner · N no-show · ESC cancel"),
        fonts.text(20.0, theme::TEXT_DIM),
    ));
}

/// Where the results stand with the event server, in a few words.
fn server_line(desk: &Desk, posting: bool) -> String {
    if !posting {
        let n = desk.records.len();
        return format!("{n} result{} in the local journal (no event server)", if n == 1 { "" } else { "s" });
    }
    let stored = desk.acknowledged.len();
    let waiting = desk.unposted().count();
    let mut line = format!("{stored} result{} stored on the server", if stored == 1 { "" } else { "s" });
    if waiting > 0 {
        line.push_str(&format!(", {waiting} waiting"));
    }
    if !desk.conflicts.is_empty() {
        line.push_str(&format!(", {} CONFLICTS", desk.conflicts.len()));
    }
    line
}

/// Winners of the record on screen: large lines for a few, a wall of cards for a big batch (every
/// winner of the prize so far, this batch's in gold). A no-show replacement names whom it replaces;
/// a result the server holds differently is shown with the server's winners.
fn revealed_winners(col: &mut ChildSpawnerCommands, desk: &Desk, record: &engine::AuditRecord, fonts: &UiFonts) {
    let highlighted = desk.highlighted_winner();
    if let Some(absent) = &record.replaces {
        col.spawn((
            Text::new(format!(
                "replaces #{} {} (no-show)",
                absent.ticket,
                desk.display_name(absent.ticket)
            )),
            fonts.text(24.0, theme::TEXT_DIM),
        ));
    }
    let prize_winners = desk.state.winners_of(&record.prize_id);
    if prize_winners.len() <= 3 && record.winners.len() <= 3 {
        for w in &record.winners {
            let marker = if record.winners.len() > 1 && highlighted == Some(w.ticket) {
                "▶ "
            } else {
                ""
            };
            col.spawn((
                Text::new(format!("{marker}#{}  {}", w.ticket, desk.display_name(w.ticket))),
                fonts.bold(44.0, theme::TEXT),
            ));
        }
    } else {
        col.spawn(Node {
            flex_wrap: FlexWrap::Wrap,
            justify_content: JustifyContent::Center,
            column_gap: px(10),
            row_gap: px(10),
            width: px(760),
            ..default()
        })
        .with_children(|wall| {
            let this_batch: Vec<u32> = record.winners.iter().map(|w| w.ticket).collect();
            let shown = 24;
            for w in prize_winners.iter().rev().take(shown).rev() {
                let fresh = this_batch.contains(&w.ticket);
                let border = if highlighted == Some(w.ticket) {
                    theme::TEXT
                } else if fresh {
                    theme::GOLD
                } else {
                    Color::srgba(1.0, 1.0, 1.0, 0.15)
                };
                wall.spawn((
                    Node {
                        width: px(176),
                        padding: UiRect::axes(px(10), px(6)),
                        flex_direction: FlexDirection::Column,
                        align_items: AlignItems::Center,
                        border: UiRect::all(px(if fresh { 3 } else { 1 })),
                        border_radius: BorderRadius::all(px(10)),
                        ..default()
                    },
                    BorderColor::all(border),
                    BackgroundColor(theme::PANEL),
                ))
                .with_children(|card| {
                    card.spawn((
                        Text::new(format!("#{}", w.ticket)),
                        fonts.bold(30.0, if fresh { theme::GOLD } else { theme::TEXT }),
                    ));
                    card.spawn((Text::new(ellipsize(desk.display_name(w.ticket), 14)), fonts.text(20.0, theme::TEXT)));
                });
            }
            if prize_winners.len() > shown {
                wall.spawn((
                    Text::new(format!("… and {} earlier", prize_winners.len() - shown)),
                    fonts.text(22.0, theme::TEXT_DIM),
                ));
            }
        });
    }
    if let Some(server) = desk.conflicts.get(&record.sequence) {
        let winners: Vec<String> = server["winners"]
            .as_array()
            .map(|ws| ws.iter().filter_map(|w| w.as_u64()).map(|t| format!("#{t}")).collect())
            .unwrap_or_default();
        col.spawn((
            Node {
                padding: UiRect::all(px(12)),
                border_radius: BorderRadius::all(px(10)),
                flex_direction: FlexDirection::Column,
                ..default()
            },
            BackgroundColor(theme::URGENT),
        ))
        .with_children(|b| {
            b.spawn((
                Text::new("THE EVENT SERVER HOLDS A DIFFERENT RESULT FOR THIS BATCH"),
                fonts.bold(24.0, theme::TEXT),
            ));
            b.spawn((
                Text::new(format!("server's winners: {}", winners.join(" "))),
                fonts.bold(28.0, theme::TEXT),
            ));
        });
    }
    col.spawn((
        Text::new(format!("seed revealed {}", engine::fingerprint(&record.seed))),
        fonts.text(20.0, theme::TEXT_DIM),
    ));
}

/// The prize photo, or a framed placeholder saying why there is none (the draw works without it).
fn photo(parent: &mut ChildSpawnerCommands, store: &ImageStore, url: Option<&str>, w: f32, h: f32, fonts: &UiFonts) {
    let node = Node {
        width: px(w),
        height: px(h),
        border_radius: BorderRadius::all(px(10)),
        justify_content: JustifyContent::Center,
        align_items: AlignItems::Center,
        ..default()
    };
    match url.and_then(|u| store.get(u)) {
        Some(ImageEntry::Ready(handle)) => {
            parent.spawn((node, ImageNode::new(handle.clone())));
        }
        other => {
            let label = match other {
                Some(ImageEntry::Loading) => "…",
                Some(ImageEntry::Failed(_)) => "photo unavailable",
                _ => "no photo",
            };
            parent
                .spawn((node, BackgroundColor(Color::srgb(0.10, 0.12, 0.20))))
                .with_child((Text::new(label), fonts.text(18.0, theme::TEXT_DIM)));
        }
    }
}
