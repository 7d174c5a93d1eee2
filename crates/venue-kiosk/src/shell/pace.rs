//! Frame pacing: `display.max_fps` caps the frame rate (0: the display's refresh, through vsync),
//! and while a screen stands still but for the slow sky (an idle draw desk, a paused game, the
//! schedule's tour held during a break) the kiosk draws only `display.still_fps` frames a second,
//! so a PC that also shows slides is not kept busy. Benchmarks and captures run at full rate.

use std::time::Duration;

use bevy::prelude::*;
use bevy::winit::{UpdateMode, WinitSettings};

use crate::config::Config;

/// Screens call [`Motion::hold_still`] on each frame where their content stands still. Read and
/// reset at the end of every frame.
#[derive(Resource, Default, Debug)]
pub struct Motion {
    still: bool,
}

impl Motion {
    pub fn hold_still(&mut self) {
        self.still = true;
    }
}

/// Full-rate frames whatever the config: benchmarks and captures insert it.
#[derive(Resource, Debug)]
pub struct Unpaced;

/// How winit should run the frame loop: continuously, or at most `fps` frames a second (input and
/// window events still wake it at once).
pub fn update_mode(max_fps: u32, still_fps: u32, still: bool) -> UpdateMode {
    let fps = match (still && still_fps > 0, max_fps) {
        (true, 0) => still_fps,
        (true, max) => still_fps.min(max),
        (false, max) => max,
    };
    if fps == 0 {
        UpdateMode::Continuous
    } else {
        UpdateMode::reactive_low_power(Duration::from_secs_f64(1.0 / f64::from(fps)))
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<Motion>().add_systems(Last, pace);
}

fn pace(config: Res<Config>, unpaced: Option<Res<Unpaced>>, mut motion: ResMut<Motion>, winit: Option<ResMut<WinitSettings>>) {
    let still = std::mem::take(&mut motion.still);
    let mode = if unpaced.is_some() {
        UpdateMode::Continuous
    } else {
        update_mode(config.display.max_fps, config.display.still_fps, still)
    };
    if let Some(mut winit) = winit
        && (winit.focused_mode != mode || winit.unfocused_mode != mode)
    {
        winit.focused_mode = mode;
        winit.unfocused_mode = mode;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(mode: UpdateMode) -> Option<Duration> {
        match mode {
            UpdateMode::Continuous => None,
            UpdateMode::Reactive { wait, .. } => Some(wait),
        }
    }

    #[test]
    fn cap_and_still_frames() {
        assert_eq!(wait(update_mode(0, 10, false)), None, "no cap: the display's refresh (vsync)");
        assert_eq!(wait(update_mode(30, 10, false)), Some(Duration::from_secs_f64(1.0 / 30.0)));
        assert_eq!(wait(update_mode(0, 10, true)), Some(Duration::from_millis(100)));
        assert_eq!(wait(update_mode(5, 10, true)), Some(Duration::from_millis(200)), "the cap wins");
        assert_eq!(wait(update_mode(0, 0, true)), None, "still_fps = 0: no slowdown");
    }

    #[test]
    fn a_still_frame_slows_the_loop_and_motion_restores_it() {
        let mut app = App::new();
        let mut config = Config::default();
        config.display.max_fps = 60;
        config.display.still_fps = 4;
        app.insert_resource(config)
            .insert_resource(WinitSettings::continuous())
            .add_plugins(plugin);
        app.world_mut().resource_mut::<Motion>().hold_still();
        app.update();
        assert_eq!(
            wait(app.world().resource::<WinitSettings>().focused_mode),
            Some(Duration::from_millis(250))
        );
        app.update();
        let capped = Some(Duration::from_secs_f64(1.0 / 60.0));
        assert_eq!(wait(app.world().resource::<WinitSettings>().focused_mode), capped);
        app.insert_resource(Unpaced);
        app.update();
        assert_eq!(wait(app.world().resource::<WinitSettings>().unfocused_mode), None);
    }
}
