//! Lucky-draw screen: the stage operator's desk, the 3D reels, the winners and their record. The rules live
//! in `venue_rules::draw`: the desk drives `Idle → Committing → Rolling → Revealed`, the engine draws, the
//! journal makes each result durable before the reels start. This module wires the plugin and holds the
//! screen's resources; the systems live beside it: [`records`] (data, journal, posting), [`input`] (keys,
//! commits, the roll), [`stage`] (the screen), [`reels`] (the 3D drums), [`sound`] (drumroll, ticks,
//! fanfare), [`celebration`] and the operator's [`panel`]. Drawing and journaling run off the main thread.

pub mod card;
pub mod celebration;
pub mod input;
pub mod pages;
pub mod panel;
pub mod prizes;
pub mod records;
pub mod reels;
pub mod sound;
pub mod stage;

use std::sync::{Arc, Mutex};

use bevy::prelude::*;
use bevy::tasks::Task;

use crate::config::Config;
use crate::frame::AppSystems;
use crate::screens::{Moment, Screen};
use crate::shell::emergency::screen_uncovered;
use venue_contract::wire::DrawData;
use venue_rules::draw::desk::{Desk, Stage};
use venue_rules::draw::engine::{self, ServerAnchor};
use venue_rules::draw::journal::{Journal, JournalEntry, Replayed};
use venue_rules::draw::machine::reel_lands_at;

/// An armed desk waiting for Space stands still but for the sky: fewer frames (`display.still_fps`).
fn still_while_idle(desk: Option<Res<DrawDesk>>, mut motion: ResMut<crate::shell::pace::Motion>) {
    if desk.is_some_and(|d| d.0.stage == Stage::Idle) {
        motion.hold_still();
    }
}

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
pub struct DrawTasks {
    opening: Option<Task<Result<(Journal, Replayed), venue_rules::draw::journal::JournalError>>>,
    commit: Option<Task<Result<engine::AuditRecord, String>>>,
    open_error: Option<String>,
    /// When to try again to open a journal another process holds.
    retry_open_at: Option<f64>,
}

/// The registration of each armed seed commitment with the event server (anchoring, see
/// `venue_rules::draw::desk`): run on threads of their own, answered here.
#[derive(Resource)]
pub struct AnchorLink {
    /// `None`: no event server, draws are not anchored.
    server: Option<crate::feed::outbox::OutboxConfig>,
    /// `draw.anchor_wait_s`: how long Space waits for the answer (the desk's default otherwise).
    wait_s: Option<u32>,
    answers: crossbeam_channel::Receiver<(String, Result<ServerAnchor, String>)>,
    sender: crossbeam_channel::Sender<(String, Result<ServerAnchor, String>)>,
}

impl AnchorLink {
    pub fn new(server: Option<crate::feed::outbox::OutboxConfig>) -> AnchorLink {
        let (sender, answers) = crossbeam_channel::unbounded();
        AnchorLink {
            server,
            wait_s: None,
            answers,
            sender,
        }
    }
}

#[derive(Component)]
pub struct DrawRoot;

pub fn plugin(app: &mut App) {
    let page_s = app.world().get_resource::<Config>().map_or(8, |c| c.draw.page_seconds);
    app.insert_resource(pages::WallPaging::new(page_s as f64));
    app.add_plugins((celebration::plugin, panel::plugin, reels::plugin))
        .add_systems(
            Update,
            still_while_idle.run_if(in_state(Screen::LuckyDraw)).in_set(AppSystems::Present),
        )
        .init_resource::<DrawTasks>()
        .init_resource::<LocalDraw>()
        .add_message::<DrawCommand>()
        .add_systems(Startup, (records::load_local_override, records::set_up_anchoring))
        .add_systems(OnEnter(Screen::LuckyDraw), stage::spawn_root)
        .add_systems(
            Update,
            (
                (
                    records::update_effective,
                    records::open_journal,
                    records::finish_tasks,
                    records::follow_feed,
                    records::receive_answers,
                )
                    .chain()
                    .in_set(AppSystems::Ingest),
                // Nothing is drawn hidden under an emergency takeover; a roll under way still ends and is journaled.
                (input::operator_keys, card::save_card)
                    .run_if(in_state(Screen::LuckyDraw))
                    .run_if(screen_uncovered)
                    .in_set(AppSystems::RecordInput),
                // The roll ends on time and results are posted on any screen.
                (input::anchor_draws, input::advance_roll, records::post_results, pages::follow)
                    .chain()
                    .in_set(AppSystems::Tick),
                (stage::request_photos, stage::rebuild, sound::stage_sound)
                    .chain()
                    .run_if(in_state(Screen::LuckyDraw))
                    .in_set(AppSystems::Present),
            ),
        );
}

/// The desk's "next step" from something other than the keyboard (`--autodraw`), read by the
/// same system as Space and Enter.
#[derive(Message, Debug, Clone, Copy, PartialEq, Eq)]
pub enum DrawCommand {
    Next,
}

/// The moment the draw is in, for captures: rolling once the first reel has landed and the
/// others still spin, revealed once the winners show.
pub fn moment(desk: &DrawDesk, paging: Option<&pages::WallPaging>, now_s: f64) -> Option<Moment> {
    match desk.0.stage {
        Stage::Rolling { started_s, .. } if now_s - started_s > f64::from(reel_lands_at(0)) + 0.05 => Some(Moment::Rolling),
        Stage::Revealed { sequence }
            if paging
                .zip(desk.0.record(sequence))
                .and_then(|(p, r)| p.view(sequence, r.winners.len(), now_s))
                == Some(pages::WallView::CompleteList) =>
        {
            Some(Moment::WinnerList)
        }
        Stage::Revealed { .. } => Some(Moment::Revealed),
        Stage::Anchoring { .. } => Some(Moment::Registering),
        _ => None,
    }
}

/// Whether edits are kept on this kiosk (no event server) rather than sent to the server.
pub fn edits_are_local(config: &Config) -> bool {
    crate::feed::outbox::OutboxConfig::from_config(&config.feed).is_none()
}

/// `--prize ID`: the prize the desk starts on (instead of the first one not yet complete).
#[derive(Resource, Debug, Clone)]
pub struct StartPrize(pub String);

/// Append an entry in the background (it fsyncs); a failure is logged, the screen goes on.
fn append_later(journal: &DrawJournal, entry: JournalEntry) {
    crate::shell::background::append_later(&journal.0, entry, Journal::append);
}
