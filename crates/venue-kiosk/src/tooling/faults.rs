//! Fault injection and rehearsal aids from the command line: panic the main loop after N frames
//! (crash-safety test), cycle the screens (the soak). `--freeze-after-frames` lives with the watchdog
//! it tests, in `health`.

use bevy::prelude::*;

use crate::frame::AppSystems;
use crate::screens::Screen;

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        cycle_screens
            .run_if(resource_exists::<CycleScreens>)
            .in_set(AppSystems::RecordInput),
    )
    .add_systems(Last, panic_when_asked.run_if(resource_exists::<PanicAfterFrames>));
}

/// Testing aid: panic on the main thread after N frames, to prove a crash restarts and resumes.
#[derive(Resource, Clone, Copy)]
pub struct PanicAfterFrames(pub u32);

fn panic_when_asked(frames: Res<bevy::diagnostic::FrameCount>, at: Res<PanicAfterFrames>) {
    if frames.0 >= at.0 {
        panic!("--panic-after-frames {}: deliberate panic (crash-safety test)", at.0);
    }
}

/// Soak and rehearsal aid: show schedule → draw → game in turn, `every_s` seconds each.
#[derive(Resource, Clone, Copy)]
pub struct CycleScreens {
    pub every_s: f64,
}

fn cycle_screens(
    cycle: Res<CycleScreens>,
    time: Res<Time<Real>>,
    mut since: Local<f64>,
    screen: Res<State<Screen>>,
    mut next: ResMut<NextState<Screen>>,
) {
    *since += time.delta_secs_f64();
    if *since < cycle.every_s {
        return;
    }
    *since = 0.0;
    let target = match screen.get() {
        Screen::Schedule => Screen::LuckyDraw,
        Screen::LuckyDraw => Screen::CubeGame,
        Screen::CubeGame => Screen::Casino,
        Screen::Casino => Screen::Schedule,
    };
    info!("cycling to {target:?}");
    next.set(target);
}
