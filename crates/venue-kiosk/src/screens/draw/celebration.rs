//! Confetti when winners are revealed: a burst of paper pieces from the top of the screen that
//! flutter down and are gone after a few seconds. Each piece's path is a pure function of its
//! launch values and the time since the reveal, so frames never accumulate drift.

use bevy::prelude::*;
use rand::{Rng, SeedableRng};

use super::DrawDesk;
use crate::frame::AppSystems;
use crate::screens::Screen;
use venue_rules::draw::desk::Stage;

/// How long the burst lasts.
pub const CELEBRATION_S: f32 = 6.0;
const PIECES: usize = 160;
const PALETTE: [Color; 6] = [
    Color::srgb(1.0, 0.79, 0.25),
    Color::srgb(0.99, 0.92, 0.60),
    Color::srgb(0.24, 0.86, 0.85),
    Color::srgb(0.65, 0.55, 0.98),
    Color::srgb(0.96, 0.45, 0.71),
    Color::srgb(0.98, 0.98, 1.0),
];

/// Launch values of one piece; positions are in percent of the screen.
#[derive(Component, Debug, Clone, Copy, PartialEq)]
pub struct Confetto {
    pub x: f32,
    pub y: f32,
    pub vx: f32,
    pub vy: f32,
    pub spin: f32,
    pub sway: f32,
    pub started_s: f32,
}

impl Confetto {
    /// Where the piece is `t` seconds after launch: (left %, top %, angle in radians). Falling
    /// paper: thrown up, then gravity against a drag that caps the fall speed, with a sideways sway.
    pub fn at(&self, t: f32) -> (f32, f32, f32) {
        const GRAVITY: f32 = 60.0; // % of the screen height per s²
        const DRAG: f32 = 1.6; // 1/s
        let decay = (1.0 - (-DRAG * t).exp()) / DRAG;
        let terminal = GRAVITY / DRAG;
        // v(t) = T + (vy − T)·e^(−Dt), integrated.
        let y = self.y + terminal * t + (self.vy - terminal) * decay;
        let x = self.x + self.vx * decay + self.sway * (t * 3.0 + self.spin).sin();
        (x, y, self.spin * t)
    }
}

#[derive(Component)]
struct ConfettiLayer;

pub fn plugin(app: &mut App) {
    app.add_systems(
        Update,
        (launch, fly)
            .chain()
            .run_if(in_state(Screen::LuckyDraw))
            .in_set(AppSystems::Present),
    );
}

/// A burst each time a result is revealed (not when a restart re-shows one).
fn launch(mut commands: Commands, desk: Option<Res<DrawDesk>>, time: Res<Time<Real>>, mut last: Local<Option<Stage>>) {
    let Some(desk) = desk else { return };
    let stage = desk.0.stage;
    let was = last.replace(stage);
    let Stage::Revealed { sequence } = stage else { return };
    if !matches!(was, Some(Stage::Rolling { sequence: s, .. }) if s == sequence) {
        return;
    }
    let now = time.elapsed_secs();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(sequence);
    commands
        .spawn((
            Name::new("Confetti"),
            ConfettiLayer,
            DespawnOnExit(Screen::LuckyDraw),
            GlobalZIndex(10),
            Node {
                position_type: PositionType::Absolute,
                width: percent(100),
                height: percent(100),
                overflow: Overflow::clip(),
                ..default()
            },
        ))
        .with_children(|layer| {
            for i in 0..PIECES {
                let piece = Confetto {
                    x: rng.random_range(5.0..95.0),
                    y: rng.random_range(-25.0..5.0),
                    vx: rng.random_range(-25.0..25.0),
                    vy: rng.random_range(-15.0..10.0),
                    spin: rng.random_range(-9.0..9.0),
                    sway: rng.random_range(0.5..2.5),
                    started_s: now + rng.random_range(0.0..1.2),
                };
                let (w, h) = if i % 3 == 0 { (14.0, 14.0) } else { (9.0, 18.0) };
                layer.spawn((
                    piece,
                    Node {
                        position_type: PositionType::Absolute,
                        left: percent(piece.x),
                        top: percent(-20.0),
                        width: px(w),
                        height: px(h),
                        border_radius: BorderRadius::all(px(if i % 3 == 0 { 7.0 } else { 2.0 })),
                        ..default()
                    },
                    BackgroundColor(PALETTE[i % PALETTE.len()]),
                    UiTransform::IDENTITY,
                ));
            }
        });
}

fn fly(
    mut commands: Commands,
    time: Res<Time<Real>>,
    layers: Query<(Entity, &Children), With<ConfettiLayer>>,
    mut pieces: Query<(&Confetto, &mut Node, &mut UiTransform)>,
) {
    let now = time.elapsed_secs();
    for (layer, children) in &layers {
        let mut alive = false;
        for child in children {
            let Ok((piece, mut node, mut transform)) = pieces.get_mut(*child) else {
                continue;
            };
            let t = now - piece.started_s;
            if t < 0.0 {
                alive = true;
                continue;
            }
            alive |= t < CELEBRATION_S;
            let (x, y, angle) = piece.at(t);
            node.left = percent(x);
            node.top = percent(y);
            transform.rotation = Rot2::radians(angle);
        }
        if !alive {
            commands.entity(layer).despawn();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_fall_through_the_screen_in_time() {
        let piece = Confetto {
            x: 50.0,
            y: -5.0,
            vx: 10.0,
            vy: -20.0,
            spin: 3.0,
            sway: 1.0,
            started_s: 0.0,
        };
        let (x0, y0, _) = piece.at(0.0);
        assert!((x0 - 50.0 - (3.0f32).sin()).abs() < 1e-3 && (y0 + 5.0).abs() < 1e-3, "{x0} {y0}");
        let (_, up, _) = piece.at(0.2);
        assert!(up < y0, "thrown up first: {up}");
        let (_, end, _) = piece.at(CELEBRATION_S);
        assert!(end > 110.0, "gone below the screen by the end: {end}");
        // The fall speed is capped (paper, not a stone).
        let speed = piece.at(5.0).1 - piece.at(4.0).1;
        assert!(speed > 30.0 && speed < 40.0, "{speed}");
    }
}
