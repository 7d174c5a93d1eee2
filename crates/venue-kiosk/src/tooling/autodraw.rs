//! `--autodraw` (tests, rehearsals): presses "next" on the draw desk by itself.

use bevy::prelude::*;

use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::screens::draw::{DrawCommand, DrawDesk};
use venue_rules::draw::desk::{Desk, Stage};

/// `Once`: one draw as soon as the desk
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

fn autodraw(mut auto: ResMut<AutoDraw>, desk: Option<Res<DrawDesk>>, time: Res<Time<Real>>, mut next: MessageWriter<DrawCommand>) {
    let Some(desk) = desk else { return };
    if auto.wants_press(&desk.0, time.elapsed_secs_f64()) {
        next.write(DrawCommand::Next);
    }
}

pub fn plugin(auto: AutoDraw) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(auto.clone())
            .add_systems(Update, autodraw.run_if(in_state(Screen::LuckyDraw)).in_set(AppSystems::RecordInput));
    }
}
