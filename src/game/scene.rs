//! The game's 3D stage: one cube net per team (up to four side by side; more teams share one net
//! with a piece each), the moving pieces, the glowing target slot, blocks that drop into place,
//! misses that bounce away, faces that light up when complete, and the fold into a cube when a
//! round ends. Everything is derived each frame from the session and the game clock, so the
//! drawing can never disagree with the judge (which uses the analytic target instants).

use bevy::prelude::*;

use super::net::{self, FACE_CELLS};
use super::session::{COUNTDOWN_MS, FOLD_MS, Phase};
use super::{Game, GameSpeed, clock_ms};
use crate::app::Screen;
use crate::display::SceneCamera;
use crate::ui::hex_color;

/// Distance between two nets' centres, in cells.
const NET_SPACING: f32 = 14.0;
const PIECE_HEIGHT: f32 = 0.7;

#[derive(Component)]
struct NetRoot {
    net: usize,
}

/// The hinge of a face: its rotation is the fold.
#[derive(Component)]
struct FaceHinge {
    face: usize,
}

/// The centre of a face, under its hinge: cells and placed blocks hang off it and fold with it.
#[derive(Component)]
struct FaceCenter {
    net: usize,
    face: usize,
}

#[derive(Component)]
struct FacePlate {
    net: usize,
    face: usize,
    material: Handle<StandardMaterial>,
}

#[derive(Component)]
struct PieceMarker {
    team: usize,
}

/// The glowing slot on each net (all nets share the round's targets).
#[derive(Component)]
struct TargetGlow;

/// A block a team dropped into its slot this round.
#[derive(Component)]
struct PlacedBlock;

#[derive(Resource)]
struct StageAssets {
    cell: Handle<Mesh>,
    piece: Handle<Mesh>,
    small_piece: Handle<Mesh>,
    glow: Handle<Mesh>,
    glow_material: Handle<StandardMaterial>,
    team_materials: Vec<Handle<StandardMaterial>>,
    /// Dropped blocks: the team's colour, lighter, so they stand out on a lit face.
    block_materials: Vec<Handle<StandardMaterial>>,
}

/// Which blocks exist, so each is spawned once: (round, started, team, piece).
#[derive(Resource, Default)]
struct Placed(Vec<(usize, u64, usize, usize)>);

pub fn plugin(app: &mut App) {
    app.init_resource::<Placed>()
        .add_systems(OnExit(Screen::CubeGame), |mut placed: ResMut<Placed>| placed.0.clear())
        .add_systems(
            Update,
            (spawn_stage, (frame_stage, fold, move_pieces, drop_blocks, light_faces))
                .chain()
                .run_if(in_state(Screen::CubeGame)),
        );
}

fn nets_for(teams: usize) -> usize {
    if teams <= 4 { teams } else { 1 }
}

fn net_of(team: usize, teams: usize) -> usize {
    if teams <= 4 { team } else { 0 }
}

/// A team's spot inside a cell on a shared net (more than four teams).
fn lane_offset(team: usize, teams: usize) -> Vec3 {
    if teams <= 4 {
        return Vec3::ZERO;
    }
    let (col, row) = ((team % 3) as f32 - 1.0, (team / 3) as f32 - 1.0);
    Vec3::new(col * 0.3, 0.0, row * 0.3)
}

/// A cell's centre in its net's frame (the base face's centre is the origin).
fn cell_position(x: f64, y: f64) -> Vec3 {
    Vec3::new(x as f32 - 4.0, 0.0, y as f32 - 4.0)
}

fn spawn_stage(
    mut commands: Commands,
    game: Option<Res<Game>>,
    roots: Query<(), With<NetRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
) {
    let Some(game) = game else { return };
    if !roots.is_empty() {
        return;
    }
    let teams = &game.session.teams;
    let unlit = |color: Color| StandardMaterial {
        base_color: color,
        unlit: true,
        ..default()
    };
    let assets = StageAssets {
        cell: meshes.add(Cuboid::new(0.92, 0.14, 0.92)),
        piece: meshes.add(Cuboid::new(0.8, 0.8, 0.8)),
        small_piece: meshes.add(Cuboid::new(0.32, 0.32, 0.32)),
        glow: meshes.add(Cuboid::new(1.0, 0.05, 1.0)),
        glow_material: materials.add(StandardMaterial {
            base_color: Color::srgba(1.0, 0.92, 0.6, 0.85),
            unlit: true,
            alpha_mode: AlphaMode::Add,
            ..default()
        }),
        team_materials: teams.iter().map(|t| materials.add(unlit(hex_color(&t.color)))).collect(),
        block_materials: teams
            .iter()
            .map(|t| materials.add(unlit(hex_color(&t.color).mix(&Color::WHITE, 0.55))))
            .collect(),
    };
    let nets = nets_for(teams.len());
    for net in 0..nets {
        let x = (net as f32 - (nets as f32 - 1.0) / 2.0) * NET_SPACING;
        let color = if nets == teams.len() {
            hex_color(&teams[net].color)
        } else {
            Color::srgb(0.6, 0.7, 0.9)
        };
        commands
            .spawn((
                Name::new(format!("Net {net}")),
                NetRoot { net },
                DespawnOnExit(Screen::CubeGame),
                Transform::from_xyz(x, 0.0, 0.0),
                Visibility::default(),
            ))
            .with_children(|root| {
                spawn_face(root, net, 2, &assets, &mut materials, color);
                root.spawn((
                    TargetGlow,
                    Mesh3d(assets.glow.clone()),
                    MeshMaterial3d(assets.glow_material.clone()),
                    Transform::from_xyz(0.0, 0.12, 0.0),
                    Visibility::Hidden,
                ));
            });
    }
    for (team, material) in assets.team_materials.iter().enumerate() {
        let mesh = if nets == teams.len() {
            assets.piece.clone()
        } else {
            assets.small_piece.clone()
        };
        commands.spawn((
            Name::new(format!("Piece {team}")),
            PieceMarker { team },
            DespawnOnExit(Screen::CubeGame),
            Mesh3d(mesh),
            MeshMaterial3d(material.clone()),
            Transform::default(),
            Visibility::Hidden,
        ));
    }
    commands.insert_resource(assets);
}

/// Frame the nets there are (one net close up, four from further back). Every frame, because the
/// camera may be created after the game starts and the other screens move it.
fn frame_stage(game: Option<Res<Game>>, mut camera: Query<&mut Transform, With<SceneCamera>>) {
    let Some(game) = game else { return };
    let nets = nets_for(game.session.teams.len()) as f32;
    // Steep enough that a net reads as a cross, close enough that four fill the width.
    let distance = 8.0 + nets.max(1.5) * 5.6;
    let want = Transform::from_xyz(0.0, distance * 0.84, distance * 0.55).looking_at(Vec3::new(0.0, 0.0, 1.8), Vec3::Y);
    if let Ok(mut t) = camera.single_mut()
        && *t != want
    {
        *t = want;
    }
}

/// Where a face hangs off its parent: the hinge (in the parent face's centre frame), the fold axis
/// and the way from the hinge to the face's centre. Base 2 is the root; 4 hangs off 3.
fn hinge(face: usize) -> (Vec3, Vec3, Vec3) {
    let h = FACE_CELLS as f32 / 2.0;
    match face {
        0 => (Vec3::new(0.0, 0.0, -h), Vec3::X, Vec3::new(0.0, 0.0, -h)),
        1 => (Vec3::new(-h, 0.0, 0.0), Vec3::NEG_Z, Vec3::new(-h, 0.0, 0.0)),
        3 | 4 => (Vec3::new(h, 0.0, 0.0), Vec3::Z, Vec3::new(h, 0.0, 0.0)),
        5 => (Vec3::new(0.0, 0.0, h), Vec3::NEG_X, Vec3::new(0.0, 0.0, h)),
        _ => (Vec3::ZERO, Vec3::Y, Vec3::ZERO),
    }
}

fn children_of(face: usize) -> &'static [usize] {
    match face {
        2 => &[0, 1, 3, 5],
        3 => &[4],
        _ => &[],
    }
}

fn spawn_face(
    parent: &mut ChildSpawnerCommands,
    net: usize,
    face: usize,
    assets: &StageAssets,
    materials: &mut Assets<StandardMaterial>,
    color: Color,
) {
    let (at, _, offset) = hinge(face);
    let material = materials.add(StandardMaterial {
        base_color: dim(color),
        unlit: true,
        ..default()
    });
    parent
        .spawn((FaceHinge { face }, Transform::from_translation(at), Visibility::default()))
        .with_children(|hinge_node| {
            hinge_node
                .spawn((FaceCenter { net, face }, Transform::from_translation(offset), Visibility::default()))
                .with_children(|center| {
                    for cy in 0..FACE_CELLS {
                        for cx in 0..FACE_CELLS {
                            center.spawn((
                                FacePlate {
                                    net,
                                    face,
                                    material: material.clone(),
                                },
                                Mesh3d(assets.cell.clone()),
                                MeshMaterial3d(material.clone()),
                                Transform::from_xyz((cx - 1) as f32, 0.0, (cy - 1) as f32),
                            ));
                        }
                    }
                    for &child in children_of(face) {
                        spawn_face(center, net, child, assets, materials, color);
                    }
                });
        });
}

fn dim(color: Color) -> Color {
    let c = color.to_srgba();
    Color::srgb(c.red * 0.22 + 0.03, c.green * 0.22 + 0.03, c.blue * 0.22 + 0.05)
}

/// The fold: flat while playing, closing into a cube when a round ends, turning slowly on the
/// leaderboard, opening again during the next countdown.
fn fold(
    game: Option<Res<Game>>,
    time: Res<Time<Real>>,
    speed: Res<GameSpeed>,
    mut hinges: Query<(&FaceHinge, &mut Transform)>,
    mut roots: Query<&mut Transform, (With<NetRoot>, Without<FaceHinge>)>,
) {
    let Some(game) = game else { return };
    let now = clock_ms(&time, *speed);
    let closed = match &game.session.phase {
        Phase::Folding { started_ms, .. } => net::fold_ease(((now - started_ms) / (FOLD_MS * 0.7)) as f32),
        Phase::Leaderboard { .. } | Phase::Podium => 1.0,
        Phase::Countdown { until_ms, .. } if game.session.board.rounds_played() > 0 => {
            1.0 - net::fold_ease(((now - (until_ms - COUNTDOWN_MS)) / 1200.0) as f32)
        }
        _ => 0.0,
    };
    let angle = closed * std::f32::consts::FRAC_PI_2;
    for (hinge_node, mut transform) in &mut hinges {
        let (_, axis, _) = hinge(hinge_node.face);
        let rotation = if hinge_node.face == 2 {
            Quat::IDENTITY
        } else {
            Quat::from_axis_angle(axis, angle)
        };
        if transform.rotation != rotation {
            transform.rotation = rotation;
        }
    }
    // A closed cube turns (and lifts) to show its lit faces; an open net lies still.
    let spin = if closed > 0.0 { (now / 1000.0 * 0.6) as f32 * closed } else { 0.0 };
    for mut transform in &mut roots {
        let rotation = Quat::from_rotation_y(spin);
        if transform.rotation != rotation {
            transform.rotation = rotation;
            transform.translation.y = closed * 1.5;
        }
    }
}

/// Pieces travel their analytic path; a dropped piece vanishes into its block, a missed one
/// bounces away; the target slot glows while a piece is on its way.
#[allow(clippy::type_complexity)]
fn move_pieces(
    game: Option<Res<Game>>,
    time: Res<Time<Real>>,
    speed: Res<GameSpeed>,
    mut pieces: Query<(&PieceMarker, &mut Transform, &mut Visibility), Without<TargetGlow>>,
    mut glows: Query<(&mut Transform, &mut Visibility), (With<TargetGlow>, Without<PieceMarker>)>,
    roots: Query<(&NetRoot, &Transform), (Without<PieceMarker>, Without<TargetGlow>)>,
) {
    let Some(game) = game else { return };
    let session = &game.session;
    // A paused round stays on screen, frozen where it stopped.
    let in_play = match session.phase {
        Phase::Playing { round, started_ms } => Some((round, started_ms, None)),
        Phase::Paused {
            round,
            started_ms,
            paused_ms,
        } => Some((round, started_ms, Some(paused_ms))),
        _ => None,
    };
    let Some((round, started_ms, frozen_at)) = in_play else {
        for (_, _, mut v) in &mut pieces {
            v.set_if_neq(Visibility::Hidden);
        }
        for (_, mut v) in &mut glows {
            v.set_if_neq(Visibility::Hidden);
        }
        return;
    };
    let now = frozen_at.unwrap_or_else(|| clock_ms(&time, *speed));
    let all = session.pieces(round, started_ms);
    let speed_slots = f64::from(session.rounds[round].speed);
    let bad = session.rules(round).judge.windows_ms(session.rules(round).difficulty)[3];
    let Some(current) = all.iter().rposition(|p| p.start_ms <= now) else {
        return;
    };
    let piece = &all[current];
    let teams = session.teams.len();
    for (mut transform, mut visibility) in &mut glows {
        let target = net::face_center(piece.face);
        let pulse = 1.0 + 0.12 * ((now / 1000.0 * 9.0).sin() as f32);
        transform.translation = cell_position(target.0 as f64, target.1 as f64) + Vec3::Y * 0.1;
        transform.scale = Vec3::new(pulse, 1.0, pulse);
        visibility.set_if_neq(if now <= piece.target_ms + bad {
            Visibility::Visible
        } else {
            Visibility::Hidden
        });
    }
    for (marker, mut transform, mut visibility) in &mut pieces {
        let team = marker.team;
        let outcome = session.live_outcome(team, round, started_ms);
        let claimed = outcome.targets.get(current).is_some_and(|t| t.press.is_some());
        let net_x = roots
            .iter()
            .find(|(r, _)| r.net == net_of(team, teams))
            .map_or(0.0, |(_, t)| t.translation.x);
        if claimed {
            visibility.set_if_neq(Visibility::Hidden);
            continue;
        }
        let progress = super::judge::piece_progress(now, piece.start_ms, speed_slots);
        let (x, y) = net::position_on(&piece.path, progress);
        let mut at = cell_position(x, y) + Vec3::new(net_x, PIECE_HEIGHT, 0.0) + lane_offset(team, teams);
        let late = now - (piece.target_ms + bad);
        if late > 0.0 {
            // Missed: it bounces off and away.
            let t = (late / 1000.0) as f32;
            if t > 0.9 {
                visibility.set_if_neq(Visibility::Hidden);
                continue;
            }
            at.y += 6.0 * t - 9.0 * t * t;
        }
        transform.translation = at;
        transform.rotation = Quat::from_rotation_y((progress as f32) * 0.6);
        visibility.set_if_neq(Visibility::Visible);
    }
}

/// A dropped piece becomes a block in its slot, on the face it belongs to (so it folds along).
fn drop_blocks(
    mut commands: Commands,
    game: Option<Res<Game>>,
    assets: Option<Res<StageAssets>>,
    mut placed: ResMut<Placed>,
    faces: Query<(Entity, &FaceCenter)>,
    blocks: Query<Entity, With<PlacedBlock>>,
) {
    let (Some(game), Some(assets)) = (game, assets) else { return };
    let session = &game.session;
    match session.phase {
        Phase::Countdown { .. } | Phase::Lobby if !placed.0.is_empty() => {
            placed.0.clear();
            for block in &blocks {
                commands.entity(block).despawn();
            }
        }
        Phase::Playing { round, started_ms } => {
            let all = session.pieces(round, started_ms);
            let teams = session.teams.len();
            for team in 0..teams {
                let outcome = session.live_outcome(team, round, started_ms);
                for (index, target) in outcome.targets.iter().enumerate() {
                    let key = (round, started_ms.to_bits(), team, index);
                    if target.press.is_none() || placed.0.contains(&key) {
                        continue;
                    }
                    placed.0.push(key);
                    let face = all[index].face;
                    let stacked = all[..index].iter().filter(|p| p.face == face).count() as f32;
                    let Some((entity, _)) = faces.iter().find(|(_, f)| f.net == net_of(team, teams) && f.face == face) else {
                        continue;
                    };
                    let small = teams > 4;
                    let lift = if small { 0.25 } else { 0.45 + stacked * 0.8 };
                    commands.entity(entity).with_child((
                        PlacedBlock,
                        Mesh3d(if small { assets.small_piece.clone() } else { assets.piece.clone() }),
                        MeshMaterial3d(assets.block_materials[team].clone()),
                        Transform::from_translation(Vec3::Y * lift + lane_offset(team, teams)),
                    ));
                }
            }
        }
        _ => {}
    }
}

/// A face lights up in its team's colour once every piece aimed at it this round was dropped.
fn light_faces(
    game: Option<Res<Game>>,
    plates: Query<&FacePlate>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut lit: Local<Vec<(usize, usize, bool)>>,
) {
    let Some(game) = game else { return };
    let session = &game.session;
    let teams = session.teams.len();
    let shared = nets_for(teams) != teams;
    let mut want: Vec<(usize, usize, bool)> = Vec::new();
    let (round, started_ms, outcomes): (usize, f64, Vec<_>) = match session.phase {
        Phase::Playing { round, started_ms } | Phase::Paused { round, started_ms, .. } => (
            round,
            started_ms,
            (0..teams).map(|t| session.live_outcome(t, round, started_ms)).collect(),
        ),
        Phase::Folding { round, .. } | Phase::Leaderboard { round } => (round, 0.0, session.last_outcomes.clone()),
        _ => (0, 0.0, Vec::new()),
    };
    if !outcomes.is_empty() {
        let pieces = session.pieces(round, started_ms);
        for net_index in 0..nets_for(teams) {
            for face in 0..6 {
                let aimed: Vec<usize> = (0..pieces.len()).filter(|&i| pieces[i].face == face).collect();
                let done = |team: usize| {
                    !aimed.is_empty()
                        && outcomes
                            .get(team)
                            .is_some_and(|o| aimed.iter().all(|&i| o.targets.get(i).is_some_and(|t| t.press.is_some())))
                };
                let on = if shared { (0..teams).any(done) } else { done(net_index) };
                want.push((net_index, face, on));
            }
        }
    }
    if *lit == want {
        return;
    }
    for plate in &plates {
        let on = want.iter().any(|&(n, f, on)| n == plate.net && f == plate.face && on);
        let was = lit.iter().any(|&(n, f, on)| n == plate.net && f == plate.face && on);
        if on == was {
            continue;
        }
        if let Some(mut material) = materials.get_mut(&plate.material) {
            let base = if shared {
                Color::srgb(0.6, 0.7, 0.9)
            } else {
                hex_color(&session.teams[plate.net].color)
            };
            material.base_color = if on { base } else { dim(base) };
        }
    }
    *lit = want;
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Folding every face by 90° about its hinge closes the net into a cube around the base.
    #[test]
    fn the_fold_closes_a_cube() {
        let h = FACE_CELLS as f32 / 2.0;
        // Centre of each face after a full fold, by walking the hinge chain.
        let closed = |face: usize| -> Vec3 {
            let chain: Vec<usize> = match face {
                4 => vec![3, 4],
                2 => vec![],
                f => vec![f],
            };
            let mut transform = Transform::IDENTITY;
            for f in chain {
                let (at, axis, offset) = hinge(f);
                let hinge_t = Transform::from_translation(at).with_rotation(Quat::from_axis_angle(axis, std::f32::consts::FRAC_PI_2));
                transform = transform * hinge_t * Transform::from_translation(offset);
            }
            transform.translation
        };
        let expected = [
            (0, Vec3::new(0.0, h, -h)),
            (1, Vec3::new(-h, h, 0.0)),
            (2, Vec3::ZERO),
            (3, Vec3::new(h, h, 0.0)),
            (4, Vec3::new(0.0, 2.0 * h, 0.0)),
            (5, Vec3::new(0.0, h, h)),
        ];
        for (face, want) in expected {
            let got = closed(face);
            assert!((got - want).length() < 1e-4, "face {face}: {got} != {want}");
        }
    }

    #[test]
    fn more_than_four_teams_share_one_net() {
        assert_eq!(nets_for(3), 3);
        assert_eq!(nets_for(6), 1);
        assert_eq!(net_of(5, 6), 0);
        assert_ne!(lane_offset(0, 6), lane_offset(1, 6));
    }

    #[test]
    fn cells_map_around_the_base() {
        let c: net::Cell = net::face_center(2);
        assert_eq!(cell_position(c.0 as f64, c.1 as f64), Vec3::ZERO);
    }
}
