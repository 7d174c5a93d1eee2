//! The screens and the switching between them. `Screen` is the one state that says what is on show;
//! each screen is a folder whose `mod.rs` wires its plugin and resources, systems in their own files.
//! The operator panel (F1) drives the screens, so it lives here too.

pub mod casino;
pub mod draw;
pub mod game;
pub mod operator;
pub mod schedule;

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;

use crate::config::Mode;
use crate::frame::AppSystems;

/// One state per screen; the operator switches with F2 / F3 / F4 / F9.
#[derive(States, Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Screen {
    #[default]
    Schedule,
    LuckyDraw,
    CubeGame,
    Casino,
}

impl Screen {
    /// Screens that place the scene camera themselves (the others share the sky's camera tour).
    pub fn frames_its_own_stage(self) -> bool {
        matches!(self, Screen::CubeGame | Screen::Casino)
    }
}

impl From<Mode> for Screen {
    fn from(mode: Mode) -> Self {
        match mode {
            Mode::Schedule => Screen::Schedule,
            Mode::Draw => Screen::LuckyDraw,
            Mode::Game => Screen::CubeGame,
            Mode::Casino => Screen::Casino,
        }
    }
}

/// A moment on a screen worth waiting for before a screenshot (`--capture-on`). Each screen says
/// which one it is in ([`draw::moment`], [`game::moment`]), so captures never read a screen's
/// internals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// The draw waits for the event server to register its commitment (anchoring).
    Registering,
    /// Well into the roll: the first reel has landed, the others still spin.
    Rolling,
    Revealed,
    /// A big batch's complete list of winners, after its pages.
    WinnerList,
    /// The game's calibration with enough taps for a median.
    Calibrating,
    /// Mid-round, not at its first frame.
    Playing,
    /// Mid-fold.
    Folding,
    Leaderboard,
    Podium,
    /// The casino's board is up and no dice are moving.
    Table,
}

/// The moment each screen that has one is in now.
#[derive(SystemParam)]
pub struct ScreenMoments<'w> {
    desk: Option<Res<'w, draw::DrawDesk>>,
    paging: Option<Res<'w, draw::pages::WallPaging>>,
    game: Option<Res<'w, game::Game>>,
    speed: Option<Res<'w, game::GameSpeed>>,
    casino: Option<Res<'w, casino::CasinoBoard>>,
    screen: Option<Res<'w, State<Screen>>>,
    time: Res<'w, Time<Real>>,
}

impl ScreenMoments<'_> {
    pub fn draw(&self) -> Option<Moment> {
        draw::moment(self.desk.as_deref()?, self.paging.as_deref(), self.time.elapsed_secs_f64())
    }

    pub fn game(&self) -> Option<Moment> {
        let now_ms = game::clock_ms(&self.time, self.speed.as_deref().copied().unwrap_or_default());
        game::moment(self.game.as_deref()?, now_ms)
    }

    pub fn casino(&self) -> Option<Moment> {
        casino::moment(self.casino.as_deref()?, self.time.elapsed_secs_f64())
    }

    /// Is the casino on screen?
    pub fn on_casino(&self) -> bool {
        self.screen.as_deref().is_some_and(|s| *s.get() == Screen::Casino)
    }
}

/// The screens, the switch keys and the operator panel.
pub fn plugin(app: &mut App) {
    app.add_plugins((schedule::plugin, draw::plugin, game::plugin, casino::plugin, operator::plugin))
        .add_systems(Update, switch_screen.in_set(AppSystems::RecordInput));
}

/// F2 / F3 / F4 / F9 switch screens without a restart (F5–F8 are the cube game's).
fn switch_screen(
    keys: Res<ButtonInput<KeyCode>>,
    screen: Res<State<Screen>>,
    mut desk: Option<ResMut<draw::DrawDesk>>,
    mut next: ResMut<NextState<Screen>>,
) {
    let target = if keys.just_pressed(KeyCode::F2) {
        Screen::Schedule
    } else if keys.just_pressed(KeyCode::F3) {
        Screen::LuckyDraw
    } else if keys.just_pressed(KeyCode::F4) {
        Screen::CubeGame
    } else if keys.just_pressed(KeyCode::F9) {
        Screen::Casino
    } else {
        return;
    };
    request_screen(target, *screen.get(), desk.as_deref_mut(), &mut next);
}

/// Switch to `target`, unless the lucky draw holds the screen (a result sealed or rolling: the
/// audience would miss the reveal); then the draw's operator line says so.
pub(crate) fn request_screen(target: Screen, current: Screen, desk: Option<&mut draw::DrawDesk>, next: &mut NextState<Screen>) {
    if current == Screen::LuckyDraw
        && target != current
        && let Some(desk) = desk
        && !desk.0.may_switch_screen()
    {
        info!("switch to {target:?} held: the draw is rolling");
        return;
    }
    info!("operator switched to {target:?}");
    NextState::set_if_neq(next, target);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hotkeys_switch_screens_in_a_running_app() {
        // No InputPlugin: the test owns the key state, as a real key event would set it.
        let mut app = App::new();
        app.add_plugins(bevy::state::app::StatesPlugin)
            .init_resource::<ButtonInput<KeyCode>>()
            .insert_state(Screen::Schedule)
            .add_systems(Update, switch_screen);
        app.update();
        for (key, expected) in [
            (KeyCode::F3, Screen::LuckyDraw),
            (KeyCode::Escape, Screen::LuckyDraw),
            (KeyCode::F4, Screen::CubeGame),
            (KeyCode::F9, Screen::Casino),
            (KeyCode::F5, Screen::Casino),
            (KeyCode::F2, Screen::Schedule),
        ] {
            let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
            keys.reset_all();
            keys.press(key);
            app.update();
            app.update();
            assert_eq!(*app.world().resource::<State<Screen>>().get(), expected, "after {key:?}");
        }
    }

    /// Issue 20: F2/F4 during a roll moved away and the winners were revealed off screen.
    #[test]
    fn no_switch_while_the_reels_roll() {
        use venue_contract::payload::Endpoint;
        use venue_rules::draw::desk::{Desk, Stage};
        let data: venue_contract::wire::DrawData = serde_json::from_slice(venue_contract::sample::body(Endpoint::Draw)).unwrap();
        let mut desk = Desk::new(&data, venue_rules::draw::engine::DrawState::new(), Vec::new());
        let job = desk.press_next(0.0, chrono::Utc::now()).unwrap();
        desk.finish_commit(job.draw(), 0.0);
        assert!(matches!(desk.stage, Stage::Rolling { .. }));
        let mut app = App::new();
        app.add_plugins(bevy::state::app::StatesPlugin)
            .init_resource::<ButtonInput<KeyCode>>()
            .insert_state(Screen::LuckyDraw)
            .insert_resource(draw::DrawDesk(desk))
            .add_systems(Update, switch_screen);
        app.update();
        for key in [KeyCode::F2, KeyCode::F4, KeyCode::F9] {
            let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
            keys.reset_all();
            keys.press(key);
            app.update();
            app.update();
            assert_eq!(
                *app.world().resource::<State<Screen>>().get(),
                Screen::LuckyDraw,
                "{key:?} while rolling"
            );
        }
        let note = app.world().resource::<draw::DrawDesk>().0.operator_note.clone();
        assert!(note.is_some_and(|n| n.contains("held")));
        // After the reveal the switch goes through.
        app.world_mut().resource_mut::<draw::DrawDesk>().0.tick(1e6);
        let mut keys = app.world_mut().resource_mut::<ButtonInput<KeyCode>>();
        keys.reset_all();
        keys.press(KeyCode::F2);
        app.update();
        app.update();
        assert_eq!(*app.world().resource::<State<Screen>>().get(), Screen::Schedule);
    }
}
