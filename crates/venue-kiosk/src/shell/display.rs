//! The physical screen: window, render quality by adapter, the one scene camera, an idle cursor
//! that hides itself, and keeping the display from blanking.

use std::time::Duration;

use bevy::camera::{Hdr, RenderTarget};
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::post_process::bloom::Bloom;
use bevy::prelude::*;
use bevy::render::renderer::RenderAdapterInfo;
use bevy::window::{CursorOptions, MonitorSelection, PresentMode, PrimaryWindow, WindowMode, WindowRef, WindowResolution};

use crate::config::{Config, Quality};
use crate::frame::AppSystems;

/// The camera every screen draws its 3D scene with; UI renders on top of it.
#[derive(Component)]
pub struct SceneCamera;

/// What the renderer was set up with, and why.
#[derive(Resource, Debug, Clone, PartialEq)]
pub struct RenderProfile {
    pub high: bool,
    pub adapter: String,
    pub reason: String,
}

pub fn window(config: &Config) -> Window {
    let d = &config.display;
    Window {
        title: "venue-kiosk".into(),
        mode: if d.windowed {
            WindowMode::Windowed
        } else {
            WindowMode::BorderlessFullscreen(d.monitor.map_or(MonitorSelection::Primary, MonitorSelection::Index))
        },
        resolution: WindowResolution::new(d.width, d.height).with_scale_factor_override(1.0),
        present_mode: PresentMode::AutoVsync,
        resizable: d.windowed,
        ..default()
    }
}

/// Decide quality: `auto` gives a software rasteriser the cheap path (fill rate is all it has).
pub fn choose_profile(quality: Quality, adapter_name: &str, is_cpu: bool) -> RenderProfile {
    let (high, reason) = match quality {
        Quality::High => (true, "render.quality = high".to_string()),
        Quality::Low => (false, "render.quality = low".to_string()),
        Quality::Auto if is_cpu => (false, format!("auto: `{adapter_name}` is a software rasteriser")),
        Quality::Auto => (true, format!("auto: `{adapter_name}` is a GPU")),
    };
    RenderProfile {
        high,
        adapter: adapter_name.to_string(),
        reason,
    }
}

pub fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_camera)
        .add_systems(Update, hide_idle_cursor.in_set(AppSystems::Present))
        .add_systems(Startup, keep_display_awake);
}

/// The margin `display.overscan_percent` keeps free on each side, in design pixels (1920×1080).
pub fn overscan_px(config: Option<&Config>) -> (f32, f32) {
    let share = config.map_or(0, |c| c.display.overscan_percent) as f32 / 100.0;
    (1920.0 * share, 1080.0 * share)
}

/// The second window that holds the operator's panels, when `display.operator_window` is on.
#[derive(Component)]
pub struct OperatorWindow;

fn spawn_camera(mut commands: Commands, config: Res<Config>, adapter: Option<Res<RenderAdapterInfo>>) {
    let (name, is_cpu) = match adapter.as_deref() {
        Some(info) => (info.name.clone(), format!("{:?}", info.device_type) == "Cpu"),
        None => ("none".to_string(), true),
    };
    let profile = choose_profile(config.render.quality, &name, is_cpu);
    info!("render profile: {} ({})", if profile.high { "high" } else { "low" }, profile.reason);
    let mut camera = commands.spawn((
        Name::new("Scene camera"),
        SceneCamera,
        Camera3d::default(),
        Camera {
            clear_color: ClearColorConfig::Custom(crate::shell::ui::theme::NIGHT),
            ..default()
        },
        Transform::from_xyz(0.0, 0.0, 0.0).looking_to(Vec3::NEG_Z, Vec3::Y),
        Projection::Perspective(PerspectiveProjection {
            fov: 60f32.to_radians(),
            far: 4000.0,
            ..default()
        }),
    ));
    // Bevy UI stays on the scene camera; the operator panel (egui) gets its own camera drawn
    // after it, so the panel is always on top of the signage.
    camera.insert(IsDefaultUiCamera);

    if profile.high {
        camera.insert((Msaa::Sample4, Hdr, Tonemapping::TonyMcMapface, Bloom::NATURAL));
    } else {
        camera.insert((Msaa::Off, Tonemapping::None));
    }
    let mut panel_camera = commands.spawn((
        Name::new("Operator panel camera"),
        Camera2d,
        Camera {
            order: 1,
            clear_color: ClearColorConfig::None,
            ..default()
        },
        Msaa::Off,
        bevy_egui::PrimaryEguiContext,
    ));
    if config.display.operator_window {
        // The panels alone in a window of their own (`display.operator_window`).
        let window = panel_camera
            .commands()
            .spawn((
                Name::new("Operator window"),
                OperatorWindow,
                Window {
                    title: "venue-kiosk · operator".into(),
                    resolution: WindowResolution::new(1280, 800).with_scale_factor_override(1.0),
                    ..default()
                },
            ))
            .id();
        panel_camera.insert((
            Camera {
                order: 1,
                clear_color: ClearColorConfig::Custom(crate::shell::ui::theme::NIGHT),
                ..default()
            },
            RenderTarget::Window(WindowRef::Entity(window)),
        ));
        info!("operator panels in their own window (display.operator_window)");
    }
    commands.insert_resource(profile);
}

/// Show the cursor while the mouse moves; hide it after `display.hide_cursor_after_s` of stillness.
fn hide_idle_cursor(
    config: Res<Config>,
    time: Res<Time<Real>>,
    mut moved: MessageReader<CursorMoved>,
    mut last_move: Local<Option<Duration>>,
    mut cursor: Query<&mut CursorOptions, With<PrimaryWindow>>,
) {
    let now = time.elapsed();
    if moved.read().count() > 0 {
        *last_move = Some(now);
    }
    let idle_after = Duration::from_secs(config.display.hide_cursor_after_s);
    let visible = !idle_after.is_zero() && last_move.is_some_and(|t| now.saturating_sub(t) < idle_after);
    if let Ok(mut options) = cursor.single_mut()
        && options.visible != visible
    {
        options.visible = visible;
    }
}

/// Neither winit nor Bevy can inhibit screen blanking, so ask the X server: switch the screensaver
/// and DPMS off once, then reset the idle timer every 50 s in case a desktop turns them back on.
/// Runs on its own thread; a machine without `xset` only logs it once.
fn keep_display_awake() {
    if std::env::var_os("DISPLAY").is_none() {
        info!("keep-awake: no X display; configure blanking in the session (docs)");
        return;
    }
    let _ = std::thread::Builder::new().name("keep-awake".into()).spawn(|| {
        let run = |args: &[&str]| std::process::Command::new("xset").args(args).output();
        match run(&["s", "off", "-dpms", "s", "noblank"]) {
            Ok(out) if out.status.success() => info!("keep-awake: X screensaver and DPMS switched off"),
            Ok(out) => warn!("keep-awake: xset failed: {}", String::from_utf8_lossy(&out.stderr).trim()),
            Err(e) => {
                warn!("keep-awake: cannot run xset ({e}); install x11-xserver-utils or disable blanking in the session");
                return;
            }
        }
        loop {
            std::thread::sleep(Duration::from_secs(50));
            let _ = run(&["s", "reset"]);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_follows_the_adapter_and_config_overrides() {
        assert!(!choose_profile(Quality::Auto, "llvmpipe (LLVM 15.0.6, 256 bits)", true).high);
        assert!(choose_profile(Quality::Auto, "NVIDIA GeForce RTX 4060", false).high);
        assert!(choose_profile(Quality::High, "llvmpipe", true).high);
        assert!(!choose_profile(Quality::Low, "NVIDIA", false).high);
    }
}
