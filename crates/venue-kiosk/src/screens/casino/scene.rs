//! The casino table in 3D: six felt tiles with a gold rim under a warm light, each with its big
//! ivory die, and the teams' dice (their colour, the casino's face up) beside each line of the live
//! order. The newest move's dice drop and roll into place once. Rebuilt only when the board or the
//! window changes; a straight-down camera spans exactly the layout's design rectangle.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy::window::PrimaryWindow;

use super::layout::{self, Layout, Rect2, to_world};
use super::{CasinoBoard, Stage, stage, table_orders};
use crate::feed::FeedState;
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::shell::display::SceneCamera;

/// The field of view the other screens use (restored on leaving).
const DEFAULT_FOV_DEG: f32 = 60.0;

#[derive(Component)]
struct TablePiece;

/// A die falling onto its casino: it starts high and turned, and lands in `rest`.
#[derive(Component)]
struct Dropping {
    start_s: f64,
    rest: Transform,
    spin: Quat,
}

#[derive(Resource)]
struct TableAssets {
    cube: Handle<Mesh>,
    /// Pips for faces 1–6 on the top of a unit die.
    pips: Vec<Handle<Mesh>>,
    rim: Handle<StandardMaterial>,
    felt: Handle<StandardMaterial>,
    ivory: Handle<StandardMaterial>,
    dark_pip: Handle<StandardMaterial>,
    light_pip: Handle<StandardMaterial>,
}

/// What the table was built from: (board revision, design size, teams' colours).
#[derive(Resource, Default)]
struct TableKey(Option<(u64, [u32; 2], Vec<[u8; 4]>)>);

pub fn plugin(app: &mut App) {
    app.init_resource::<TableKey>()
        .add_systems(OnEnter(Screen::Casino), (setup_assets, spawn_lights))
        .add_systems(OnExit(Screen::Casino), leave)
        .add_systems(
            Update,
            (frame_table, rebuild_table, drop_dice)
                .chain()
                .run_if(in_state(Screen::Casino))
                .in_set(AppSystems::Present),
        );
}

/// The design size the UI lays out in: the window over `UiScale`.
pub fn design_size(window: &Window, scale: f32) -> Vec2 {
    let s = if scale > 0.0 { scale } else { 1.0 };
    Vec2::new(window.width() / s, window.height() / s)
}

/// The pips of `face` on the top of a unit die (centred at the origin).
fn pip_mesh(face: u8) -> Mesh {
    let spots: &[(f32, f32)] = match face {
        1 => &[(0.0, 0.0)],
        2 => &[(-1.0, -1.0), (1.0, 1.0)],
        3 => &[(-1.0, -1.0), (0.0, 0.0), (1.0, 1.0)],
        4 => &[(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)],
        5 => &[(-1.0, -1.0), (1.0, -1.0), (0.0, 0.0), (-1.0, 1.0), (1.0, 1.0)],
        _ => &[(-1.0, -1.0), (-1.0, 0.0), (-1.0, 1.0), (1.0, -1.0), (1.0, 0.0), (1.0, 1.0)],
    };
    let mut mesh: Option<Mesh> = None;
    for &(x, z) in spots {
        let pip = Mesh::from(Cylinder::new(0.095, 0.02)).translated_by(Vec3::new(x * 0.27, 0.5, z * 0.27));
        match mesh.as_mut() {
            Some(m) => {
                let _ = m.merge(&pip);
            }
            None => mesh = Some(pip),
        }
    }
    mesh.unwrap_or_else(|| Mesh::from(Cylinder::new(0.0, 0.0)))
}

fn setup_assets(
    mut commands: Commands,
    existing: Option<Res<TableAssets>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    if existing.is_some() {
        return;
    }
    commands.insert_resource(TableAssets {
        cube: meshes.add(Cuboid::new(1.0, 1.0, 1.0)),
        pips: (1..=6).map(|f| meshes.add(pip_mesh(f))).collect(),
        rim: materials.add(StandardMaterial {
            base_color: Color::srgb(0.86, 0.66, 0.28),
            metallic: 0.8,
            perceptual_roughness: 0.45,
            ..default()
        }),
        felt: materials.add(StandardMaterial {
            base_color: Color::srgb(0.03, 0.20, 0.15),
            perceptual_roughness: 0.95,
            reflectance: 0.2,
            ..default()
        }),
        ivory: materials.add(StandardMaterial {
            base_color: Color::srgb(0.96, 0.94, 0.88),
            perceptual_roughness: 0.35,
            reflectance: 0.5,
            ..default()
        }),
        dark_pip: materials.add(StandardMaterial {
            base_color: Color::srgb(0.08, 0.07, 0.09),
            perceptual_roughness: 0.5,
            ..default()
        }),
        light_pip: materials.add(StandardMaterial {
            base_color: Color::WHITE,
            emissive: LinearRgba::rgb(0.35, 0.35, 0.35),
            perceptual_roughness: 0.4,
            ..default()
        }),
    });
}

/// A warm key light from the top left (no shadows: a software renderer cannot afford them).
fn spawn_lights(mut commands: Commands, mut key: ResMut<TableKey>) {
    key.0 = None;
    commands.spawn((
        Name::new("Casino light"),
        DespawnOnExit(Screen::Casino),
        DirectionalLight {
            color: Color::srgb(1.0, 0.95, 0.86),
            illuminance: 3_200.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(-4.0, 10.0, -6.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    // A lamp over the middle of the table: the felt glows there and falls off toward the edges.
    commands.spawn((
        Name::new("Casino lamp"),
        DespawnOnExit(Screen::Casino),
        PointLight {
            color: Color::srgb(1.0, 0.9, 0.75),
            intensity: 1_300_000.0,
            range: 40.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(0.0, 6.0, 0.0),
    ));
}

fn leave(mut commands: Commands, mut camera: Query<(Entity, &mut Projection), With<SceneCamera>>, mut key: ResMut<TableKey>) {
    key.0 = None;
    for (entity, mut projection) in &mut camera {
        commands.entity(entity).remove::<AmbientLight>();
        if let Projection::Perspective(p) = &mut *projection {
            p.fov = DEFAULT_FOV_DEG.to_radians();
        }
    }
}

/// Straight down over the table, a narrow lens and a cool ambient fill. Every frame, because the
/// camera may be created after the screen starts and the other screens move it.
fn frame_table(
    mut commands: Commands,
    window: Query<&Window, With<PrimaryWindow>>,
    scale: Res<UiScale>,
    mut camera: Query<(Entity, &mut Transform, &mut Projection, Has<AmbientLight>), With<SceneCamera>>,
) {
    let Ok(window) = window.single() else { return };
    let want = layout::camera_transform(design_size(window, scale.0));
    let Ok((entity, mut t, mut projection, lit)) = camera.single_mut() else {
        return;
    };
    if *t != want {
        *t = want;
    }
    if let Projection::Perspective(p) = &*projection
        && (p.fov - layout::FOV_DEG.to_radians()).abs() > 1e-6
        && let Projection::Perspective(p) = &mut *projection
    {
        p.fov = layout::FOV_DEG.to_radians();
    }
    if !lit {
        commands.entity(entity).insert(AmbientLight {
            color: Color::srgb(0.78, 0.84, 1.0),
            brightness: 420.0,
            affects_lightmapped_meshes: true,
        });
    }
}

/// A slab spanning `rect` (design pixels), `height` thick, its top at `top`.
fn slab(size: Vec2, rect: Rect2, inset: f32, top: f32, height: f32) -> Transform {
    let center = to_world(size, rect.center());
    Transform::from_xyz(center.x, top - height / 2.0, center.z).with_scale(Vec3::new(
        (rect.w - 2.0 * inset) / layout::PX_PER_UNIT,
        height,
        (rect.h - 2.0 * inset) / layout::PX_PER_UNIT,
    ))
}

#[derive(Clone, Copy)]
struct DieSpec {
    at: Vec2,
    size_px: f32,
    face: u8,
    turn: f32,
}

/// What the table is built from.
#[derive(SystemParam)]
struct TableSource<'w, 's> {
    board: Res<'w, CasinoBoard>,
    feed: Res<'w, FeedState>,
    assets: Option<Res<'w, TableAssets>>,
    window: Query<'w, 's, &'static Window, With<PrimaryWindow>>,
    scale: Res<'w, UiScale>,
    time: Res<'w, Time<Real>>,
}

fn rebuild_table(
    mut commands: Commands,
    source: TableSource,
    pieces: Query<Entity, With<TablePiece>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut key: ResMut<TableKey>,
    mut team_materials: Local<Vec<(Color, Handle<StandardMaterial>)>>,
) {
    let TableSource {
        board,
        feed,
        assets,
        window,
        scale,
        time,
    } = source;
    let (Some(assets), Ok(window)) = (assets, window.single()) else {
        return;
    };
    let Some(game) = board.game.as_ref() else { return };
    let size = design_size(window, scale.0);
    let teams = super::board::team_looks(game, &feed);
    let colours: Vec<[u8; 4]> = teams.iter().map(|t| t.color.to_srgba().to_u8_array()).collect();
    let want = (board.revision, [size.x as u32, size.y as u32], colours);
    if key.0.as_ref() == Some(&want) {
        return;
    }
    key.0 = Some(want);
    for e in &pieces {
        commands.entity(e).despawn();
    }
    if stage(game) == Stage::Final {
        return;
    }
    let l: Layout = layout::layout(size, teams.len());
    let mut team_material = |color: Color| -> Handle<StandardMaterial> {
        if let Some((_, h)) = team_materials.iter().find(|(c, _)| *c == color) {
            return h.clone();
        }
        let h = materials.add(StandardMaterial {
            base_color: color,
            emissive: LinearRgba::from(color) * 0.18,
            perceptual_roughness: 0.3,
            reflectance: 0.5,
            ..default()
        });
        team_materials.push((color, h.clone()));
        h
    };
    let roll = board.roll.as_ref().and_then(|r| {
        game.placements()
            .iter()
            .rev()
            .find(|p| p.move_id == r.move_id)
            .map(|p| (p.team, p.face, usize::from(p.dice), r.started_s))
    });
    let now = time.elapsed_secs_f64();
    let eye = layout::camera_transform(size).translation.y;
    let piece = |commands: &mut Commands, mesh: &Handle<Mesh>, material: &Handle<StandardMaterial>, t: Transform| {
        commands
            .spawn((
                TablePiece,
                DespawnOnExit(Screen::Casino),
                Mesh3d(mesh.clone()),
                MeshMaterial3d(material.clone()),
                t,
            ))
            .id()
    };
    let die = |commands: &mut Commands, spec: DieSpec, body: &Handle<StandardMaterial>, pip: &Handle<StandardMaterial>| {
        let s = spec.size_px / layout::PX_PER_UNIT;
        // Pulled toward the middle so that its top face, nearer the lens, lands on its spot.
        let p = to_world(size, spec.at) * (1.0 - (0.05 + s) / eye);
        let rest = Transform::from_xyz(p.x, 0.05 + s / 2.0, p.z)
            .with_rotation(Quat::from_rotation_y(spec.turn))
            .with_scale(Vec3::splat(s));
        let id = piece(commands, &assets.cube, body, rest);
        let pips = commands
            .spawn((Mesh3d(assets.pips[usize::from(spec.face - 1)].clone()), MeshMaterial3d(pip.clone())))
            .id();
        commands.entity(id).add_child(pips);
        (id, rest)
    };
    for (slots, order) in l.casinos.iter().zip(table_orders(game)) {
        piece(&mut commands, &assets.cube, &assets.rim, slab(size, slots.tile, 0.0, 0.05, 0.12));
        piece(&mut commands, &assets.cube, &assets.felt, slab(size, slots.tile, 7.0, 0.055, 0.12));
        die(
            &mut commands,
            DieSpec {
                at: slots.die.center(),
                size_px: slots.die.w * 0.86,
                face: order.face,
                turn: 0.12,
            },
            &assets.ivory,
            &assets.dark_pip,
        );
        for (i, entry) in order.entries.iter().enumerate() {
            let Some(slot) = slots.line_dice.get(i) else { continue };
            let material = team_material(teams[entry.team].color);
            let count = usize::from(entry.dice);
            let positions = layout::line_dice_positions(*slot, slots.small_die, count);
            let shown = positions.len();
            for (k, at) in positions.into_iter().enumerate() {
                let turn = ((entry.team * 7 + k * 3 + usize::from(order.face)) % 11) as f32 * 0.05 - 0.25;
                let (id, rest) = die(
                    &mut commands,
                    DieSpec {
                        at,
                        size_px: slots.small_die,
                        face: order.face,
                        turn,
                    },
                    &material,
                    &assets.light_pip,
                );
                // The newest move's dice are the last ones of its team on its casino.
                if let Some((team, face, dice, started_s)) = roll
                    && team == entry.team
                    && face == order.face
                    && k + dice.min(shown) >= shown
                    && now < started_s + super::board::ROLL_S
                {
                    let spin = Quat::from_euler(EulerRot::XYZ, 2.4 + k as f32, 1.3 * k as f32, 3.1);
                    commands.entity(id).insert(Dropping {
                        start_s: started_s + k as f64 * 0.06,
                        rest,
                        spin,
                    });
                }
            }
        }
    }
}

/// Fall with a bounce, turning until the face lands up.
fn drop_dice(mut commands: Commands, time: Res<Time<Real>>, mut dice: Query<(Entity, &Dropping, &mut Transform)>) {
    let now = time.elapsed_secs_f64();
    for (entity, d, mut t) in &mut dice {
        let u = ((now - d.start_s) / (super::board::ROLL_S - 0.3)).clamp(0.0, 1.0) as f32;
        let fall = bounce(u);
        let mut next = d.rest;
        next.translation.y += (1.0 - fall) * 3.5;
        next.rotation = d.spin.slerp(d.rest.rotation, (u * 1.4).min(1.0));
        *t = next;
        if u >= 1.0 {
            *t = d.rest;
            commands.entity(entity).remove::<Dropping>();
        }
    }
}

/// 0 → 1 with a small bounce at the end (a die hitting the felt).
fn bounce(u: f32) -> f32 {
    if u < 0.7 {
        let v = u / 0.7;
        v * v
    } else {
        let v = (u - 0.7) / 0.3;
        1.0 - 0.12 * (v * std::f32::consts::PI).sin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_die_lands_and_stays() {
        assert_eq!(bounce(0.0), 0.0);
        assert!((bounce(1.0) - 1.0).abs() < 1e-5);
        assert!(bounce(0.85) < 1.0);
        for f in 1..=6u8 {
            let m = pip_mesh(f);
            assert!(m.count_vertices() > 0, "face {f}");
        }
    }
}
