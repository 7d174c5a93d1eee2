//! The game's 3D stage: one cube net per team (up to four side by side; more teams share one net
//! with a piece each), the moving pieces, the glowing target slot, blocks that drop into place,
//! misses that bounce away, faces that light up when complete, and the fold into a cube when a
//! round ends. Everything is derived each frame from the session and the game clock, so the
//! drawing can never disagree with the judge (which uses the analytic target instants).

use bevy::asset::RenderAssetUsages;
use bevy::math::Affine2;
use bevy::mesh::VertexAttributeValues;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

use super::art;
use super::{Game, GameClock, LiveOutcomes};
use crate::config::Config;
use crate::feed::FeedState;
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::shell::display::SceneCamera;
use crate::shell::images::{ImageEntry, ImageStore};
use crate::shell::ui::hex_color;
use venue_rules::game::net::{self, FACE_CELLS, FACE_ORDER};
use venue_rules::game::session::{COUNTDOWN_MS, FOLD_MS, Phase};

/// Distance between two nets' centres, in cells.
const NET_SPACING: f32 = 14.0;
/// Face art is a texture on a cube face a few hundred pixels wide at most.
const FACE_ART_MAX_SIDE: u32 = 512;
const PIECE_HEIGHT: f32 = 0.7;
/// How high a piece hops between slots (world units).
const PIECE_HOP: f32 = 0.45;
/// A cell's width (the rest of its slot is the gap between tiles) and thickness.
const CELL_SIZE: f32 = 0.92;
const CELL_THICKNESS: f32 = 0.14;
/// A face that is not complete shows its art dimmed by this (linear) tint.
const FACE_DIM: Color = Color::linear_rgb(0.62, 0.64, 0.7);

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

/// One of a face's nine tiles.
#[derive(Component)]
struct FacePlate;

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
    /// Cell `(cx, cy)` of face `face` at `face * 9 + cy * 3 + cx`: each maps its part of the face's art.
    cells: Vec<Handle<Mesh>>,
    piece: Handle<Mesh>,
    small_piece: Handle<Mesh>,
    glow: Handle<Mesh>,
    glow_material: Handle<StandardMaterial>,
    team_materials: Vec<Handle<StandardMaterial>>,
    /// Dropped blocks: the team's colour, lighter, so they stand out on a lit face.
    block_materials: Vec<Handle<StandardMaterial>>,
    /// Face `face` of net `net` at `net * 6 + face`: one material for its nine cells.
    face_materials: Vec<Handle<StandardMaterial>>,
    /// The generated art of each face (same index), shown until the event's art is loaded.
    generated_art: Vec<Handle<Image>>,
    /// The event's art applied to each face material (same index); `None`: the generated art.
    applied_art: Vec<Option<AssetId<Image>>>,
}

/// Which blocks exist, so each is spawned once: (round, started, team, piece).
#[derive(Resource, Default)]
struct Placed(Vec<(usize, u64, usize, usize)>);

pub fn plugin(app: &mut App) {
    app.init_resource::<Placed>()
        .add_systems(OnEnter(Screen::CubeGame), spawn_lights)
        .add_systems(
            OnExit(Screen::CubeGame),
            (remove_lights, |mut placed: ResMut<Placed>| placed.0.clear()),
        )
        .add_systems(
            Update,
            (
                spawn_stage,
                (frame_stage, fold, move_pieces, drop_blocks, light_faces, apply_face_art),
            )
                .chain()
                .run_if(in_state(Screen::CubeGame))
                .in_set(AppSystems::Present),
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

/// The game's light: one directional light from above front-left (no shadows: a software
/// renderer cannot afford them) and an ambient fill on the scene camera. Only while the game shows;
/// the other screens draw with their own unlit materials.
fn spawn_lights(mut commands: Commands, camera: Query<Entity, With<SceneCamera>>) {
    commands.spawn((
        Name::new("Game light"),
        DespawnOnExit(Screen::CubeGame),
        DirectionalLight {
            color: Color::srgb(1.0, 0.97, 0.92),
            illuminance: 2_600.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(-5.0, 10.0, 7.0).looking_at(Vec3::ZERO, Vec3::Y),
    ));
    for camera in &camera {
        commands.entity(camera).insert(AmbientLight {
            color: Color::srgb(0.75, 0.82, 1.0),
            brightness: 330.0,
            affects_lightmapped_meshes: true,
        });
    }
}

fn remove_lights(mut commands: Commands, camera: Query<Entity, (With<SceneCamera>, With<AmbientLight>)>) {
    for camera in &camera {
        commands.entity(camera).remove::<AmbientLight>();
    }
}

/// The event's colours for the generated art: the tracks' (from the event or an imported
/// schedule), then the teams'.
fn event_palette(feed: &FeedState, teams: &[venue_rules::game::session::TeamInfo]) -> Vec<[f32; 3]> {
    let tracks = feed
        .event
        .as_deref()
        .or(feed.schedule_event.as_deref())
        .map(|e| e.tracks.as_slice())
        .unwrap_or_default();
    tracks
        .iter()
        .map(|t| t.color.as_str())
        .chain(teams.iter().map(|t| t.color.as_str()))
        .filter_map(art::rgb)
        .collect()
}

fn art_image(bytes: Vec<u8>) -> Image {
    let size = Extent3d {
        width: art::FACE_ART_SIZE,
        height: art::FACE_ART_SIZE,
        depth_or_array_layers: 1,
    };
    Image::new(
        size,
        TextureDimension::D2,
        bytes,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    )
}

/// Where the art of face `face` is sampled on the outside of a cell (its underside on the flat
/// net) at face coordinates `(s, t)` (0..1, `s` along the net's x, `t` along its y): chosen so
/// that on the closed cube every side shows its art upright and the lid reads from the front,
/// none of them mirrored. The top of a cell (the net seen from above) samples `(s, t)` itself.
fn outside_uv(face: usize, s: f32, t: f32) -> [f32; 2] {
    match face {
        0 | 4 => [1.0 - s, t],
        1 => [t, s],
        3 => [1.0 - t, 1.0 - s],
        _ => [s, 1.0 - t],
    }
}

/// A cell of a face: a thin tile whose top shows its ninth of the face's art, and whose underside
/// (the outside of the folded cube) shows it too, oriented by [`outside_uv`].
fn cell_mesh(face: usize, cx: i32, cy: i32) -> Mesh {
    let mut mesh = Mesh::from(Cuboid::new(CELL_SIZE, CELL_THICKNESS, CELL_SIZE));
    let (Some(VertexAttributeValues::Float32x3(positions)), Some(VertexAttributeValues::Float32x3(normals))) =
        (mesh.attribute(Mesh::ATTRIBUTE_POSITION), mesh.attribute(Mesh::ATTRIBUTE_NORMAL))
    else {
        return mesh;
    };
    let cells = FACE_CELLS as f32;
    let uvs: Vec<[f32; 2]> = positions
        .iter()
        .zip(normals)
        .map(|(p, n)| {
            let s = (cx as f32 + 0.5 + p[0]) / cells;
            let t = (cy as f32 + 0.5 + p[2]) / cells;
            if n[1] < -0.5 { outside_uv(face, s, t) } else { [s, t] }
        })
        .collect();
    mesh.insert_attribute(Mesh::ATTRIBUTE_UV_0, uvs);
    mesh
}

fn spawn_stage(
    mut commands: Commands,
    game: Option<Res<Game>>,
    feed: Res<FeedState>,
    roots: Query<(), With<NetRoot>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut images: ResMut<Assets<Image>>,
) {
    let Some(game) = game else { return };
    if !roots.is_empty() {
        return;
    }
    let teams = &game.session.teams;
    let nets = nets_for(teams.len());
    // Satin plastic for the pieces, a little glow of their own so they read on any face.
    let piece = |color: Color| StandardMaterial {
        base_color: color,
        emissive: LinearRgba::from(color) * 0.12,
        perceptual_roughness: 0.38,
        metallic: 0.05,
        reflectance: 0.5,
        ..default()
    };
    let palette = event_palette(&feed, teams);
    let mut generated_art = Vec::new();
    let mut face_materials = Vec::new();
    for net in 0..nets {
        let net_colour = (nets == teams.len()).then(|| art::rgb(&teams[net].color)).flatten();
        for face in 0..6 {
            let (main, accent) = art::face_colours(&palette, net_colour, net, face);
            let seed = (net * 6 + face) as u64 * 7919 + 17;
            let image = images.add(art_image(art::face_art(art::FACE_ART_SIZE, main, accent, seed)));
            face_materials.push(materials.add(StandardMaterial {
                base_color: FACE_DIM,
                base_color_texture: Some(image.clone()),
                perceptual_roughness: 0.55,
                metallic: 0.0,
                reflectance: 0.35,
                ..default()
            }));
            generated_art.push(image);
        }
    }
    let assets = StageAssets {
        cells: (0..6)
            .flat_map(|face| (0..FACE_CELLS * FACE_CELLS).map(move |i| (face, i % FACE_CELLS, i / FACE_CELLS)))
            .map(|(face, cx, cy)| meshes.add(cell_mesh(face, cx, cy)))
            .collect(),
        piece: meshes.add(Cuboid::new(0.8, 0.8, 0.8)),
        small_piece: meshes.add(Cuboid::new(0.32, 0.32, 0.32)),
        glow: meshes.add(Cuboid::new(1.0, 0.05, 1.0)),
        glow_material: materials.add(StandardMaterial {
            base_color: Color::srgba(1.0, 0.92, 0.6, 0.85),
            unlit: true,
            alpha_mode: AlphaMode::Add,
            ..default()
        }),
        team_materials: teams.iter().map(|t| materials.add(piece(hex_color(&t.color)))).collect(),
        block_materials: teams
            .iter()
            .map(|t| materials.add(piece(hex_color(&t.color).mix(&Color::WHITE, 0.45))))
            .collect(),
        applied_art: vec![None; face_materials.len()],
        face_materials,
        generated_art,
    };
    for net in 0..nets {
        let x = (net as f32 - (nets as f32 - 1.0) / 2.0) * NET_SPACING;
        commands
            .spawn((
                Name::new(format!("Net {net}")),
                NetRoot { net },
                DespawnOnExit(Screen::CubeGame),
                Transform::from_xyz(x, 0.0, 0.0),
                Visibility::default(),
            ))
            .with_children(|root| {
                spawn_face(root, net, 2, &assets);
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

/// `game.face_art`: ask for the images once, then put each on its faces as it arrives (face `k` of
/// [`FACE_ORDER`] takes image `k`, repeating when there are fewer). A broken image leaves the
/// generated art; the log says why, once.
fn apply_face_art(
    config: Res<Config>,
    mut store: ResMut<ImageStore>,
    assets: Option<ResMut<StageAssets>>,
    images: Res<Assets<Image>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut reported: Local<Vec<String>>,
) {
    let sources = &config.game.face_art;
    let Some(mut assets) = assets else { return };
    if sources.is_empty() {
        return;
    }
    for source in sources {
        if store.get(source).is_some() {
            continue;
        }
        if !store.request_photo("game", source, None, FACE_ART_MAX_SIDE) && !reported.contains(source) {
            error!("face art `{source}` is not an http(s) URL or an absolute path; the face keeps its generated art");
            reported.push(source.clone());
        }
    }
    let assets = &mut *assets;
    for (slot, material) in assets.face_materials.iter().enumerate() {
        let face = slot % 6;
        let order = FACE_ORDER.iter().position(|&f| f == face).unwrap_or(face);
        let source = &sources[order % sources.len()];
        let want = match store.get(source) {
            Some(ImageEntry::Ready(handle)) => Some(handle.clone()),
            Some(ImageEntry::Failed(error)) => {
                if !reported.contains(source) {
                    error!("face art `{source}` cannot be shown ({error}); its faces keep their generated art");
                    reported.push(source.clone());
                }
                None
            }
            _ => None,
        };
        let want_id = want.as_ref().map(Handle::id);
        if assets.applied_art[slot] == want_id {
            continue;
        }
        let Some(mut m) = materials.get_mut(material) else { continue };
        // Crop a non-square image to its centre.
        let crop = want
            .as_ref()
            .and_then(|h| images.get(h))
            .map(|image| {
                let (w, h) = (image.width().max(1) as f32, image.height().max(1) as f32);
                let scale = if w > h { Vec2::new(h / w, 1.0) } else { Vec2::new(1.0, w / h) };
                Affine2::from_translation(Vec2::splat(0.5)) * Affine2::from_scale(scale) * Affine2::from_translation(Vec2::splat(-0.5))
            })
            .unwrap_or(Affine2::IDENTITY);
        m.base_color_texture = Some(want.unwrap_or_else(|| assets.generated_art[slot].clone()));
        m.uv_transform = crop;
        assets.applied_art[slot] = want_id;
    }
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

fn spawn_face(parent: &mut ChildSpawnerCommands, net: usize, face: usize, assets: &StageAssets) {
    let (at, _, offset) = hinge(face);
    let material = assets.face_materials[net * 6 + face].clone();
    parent
        .spawn((FaceHinge { face }, Transform::from_translation(at), Visibility::default()))
        .with_children(|hinge_node| {
            hinge_node
                .spawn((FaceCenter { net, face }, Transform::from_translation(offset), Visibility::default()))
                .with_children(|center| {
                    for cy in 0..FACE_CELLS {
                        for cx in 0..FACE_CELLS {
                            center.spawn((
                                FacePlate,
                                Mesh3d(assets.cells[face * 9 + (cy * FACE_CELLS + cx) as usize].clone()),
                                MeshMaterial3d(material.clone()),
                                Transform::from_xyz((cx - 1) as f32, 0.0, (cy - 1) as f32),
                            ));
                        }
                    }
                    for &child in children_of(face) {
                        spawn_face(center, net, child, assets);
                    }
                });
        });
}

/// The net roots the fold turns and lifts.
type NetRoots<'w, 's> = Query<'w, 's, (&'static mut Transform, &'static mut Visibility), (With<NetRoot>, Without<FaceHinge>)>;

/// The fold: flat while playing, closing into a cube when a round ends, turning slowly on the
/// leaderboard, opening again during the next countdown.
fn fold(game: Option<Res<Game>>, clock: GameClock, mut hinges: Query<(&FaceHinge, &mut Transform)>, mut roots: NetRoots) {
    let Some(game) = game else { return };
    let now = clock.now_ms();
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
    // The calibration pulse has the stage to itself.
    let shown = if matches!(game.session.phase, Phase::Calibrating { .. }) {
        Visibility::Hidden
    } else {
        Visibility::Inherited
    };
    for (mut transform, mut visibility) in &mut roots {
        visibility.set_if_neq(shown);
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
    live: Res<LiveOutcomes>,
    clock: GameClock,
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
    let now = frozen_at.unwrap_or_else(|| clock.now_ms());
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
        let claimed = live
            .get(team)
            .and_then(|o| o.targets.get(current))
            .is_some_and(|t| t.press.is_some());
        let net_x = roots
            .iter()
            .find(|(r, _)| r.net == net_of(team, teams))
            .map_or(0.0, |(_, t)| t.translation.x);
        if claimed {
            visibility.set_if_neq(Visibility::Hidden);
            continue;
        }
        let progress = venue_rules::game::judge::piece_progress(now, piece.start_ms, speed_slots);
        let (x, y) = net::position_on(&piece.path, progress);
        // It hops from slot to slot, landing on each on the beat.
        let hop = PIECE_HOP * net::hop(progress) as f32;
        let mut at = cell_position(x, y) + Vec3::new(net_x, PIECE_HEIGHT + hop, 0.0) + lane_offset(team, teams);
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
    live: Res<LiveOutcomes>,
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
            for (team, outcome) in live.outcomes.iter().enumerate().take(teams) {
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
    live: Res<LiveOutcomes>,
    assets: Option<Res<StageAssets>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut lit: Local<Vec<(usize, usize, bool)>>,
) {
    let (Some(game), Some(assets)) = (game, assets) else { return };
    let session = &game.session;
    let teams = session.teams.len();
    let shared = nets_for(teams) != teams;
    let mut want: Vec<(usize, usize, bool)> = Vec::new();
    let (round, started_ms, outcomes): (usize, f64, Vec<_>) = match session.phase {
        Phase::Playing { round, started_ms } | Phase::Paused { round, started_ms, .. } => (round, started_ms, live.outcomes.clone()),
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
    for (slot, material) in assets.face_materials.iter().enumerate() {
        let (net_index, face) = (slot / 6, slot % 6);
        let on = want.iter().any(|&(n, f, on)| n == net_index && f == face && on);
        let was = lit.iter().any(|&(n, f, on)| n == net_index && f == face && on);
        if on == was {
            continue;
        }
        if let Some(mut material) = materials.get_mut(material) {
            let team = if shared {
                Color::srgb(0.6, 0.7, 0.9)
            } else {
                hex_color(&session.teams[net_index].color)
            };
            // A complete face shows its art at full strength with a glow of its team's colour.
            (material.base_color, material.emissive) = if on {
                (Color::WHITE.mix(&team, 0.15), LinearRgba::from(team) * 0.1)
            } else {
                (FACE_DIM, LinearRgba::BLACK)
            };
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
        let closed = |face: usize| closed_transform(face).translation;
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

    /// The closed cube's transform of a face (in the net root's frame), by walking the hinge chain.
    fn closed_transform(face: usize) -> Transform {
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
        transform
    }

    /// On the closed cube the art is on the outside (the cells' undersides): every side upright
    /// (image down = world down), the lid reading from the front, nothing mirrored.
    #[test]
    fn art_reads_upright_on_the_closed_cube() {
        let h = FACE_CELLS as f32 / 2.0;
        let cube_centre = Vec3::new(0.0, h, 0.0);
        for face in 0..6 {
            let t = closed_transform(face);
            // World position of face coordinates (s, t) on the underside.
            let at = |s: f32, v: f32| t.transform_point(Vec3::new((s - 0.5) * 2.0 * h, -CELL_THICKNESS / 2.0, (v - 0.5) * 2.0 * h));
            // Which (s, t) corner samples texture corner `uv`.
            let corner = |uv: [f32; 2]| {
                let (s, v) = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0)]
                    .into_iter()
                    .find(|&(s, v)| outside_uv(face, s, v) == uv)
                    .unwrap_or_else(|| panic!("face {face}: no corner maps to {uv:?}"));
                at(s, v)
            };
            let origin = corner([0.0, 0.0]);
            let right = (corner([1.0, 0.0]) - origin).normalize();
            let down = (corner([0.0, 1.0]) - origin).normalize();
            let outward = t.rotation * Vec3::NEG_Y;
            assert!(
                (t.translation - cube_centre).dot(outward) > 0.0,
                "face {face}: the underside faces out"
            );
            assert!((right.cross(down) + outward).length() < 1e-4, "face {face}: not mirrored");
            let (want_down, want_right) = match face {
                4 => (Vec3::Z, Vec3::X),
                2 => continue, // the floor of the cube: never seen
                _ => (Vec3::NEG_Y, Vec3::Y.cross(outward)),
            };
            assert!((down - want_down).length() < 1e-4, "face {face}: image down is {down}");
            assert!((right - want_right).length() < 1e-4, "face {face}: image right is {right}");
        }
    }

    /// The net seen from above shows each face's art upright (u along x, v along the net's y).
    #[test]
    fn cells_tile_the_art_across_a_face() {
        let mesh = cell_mesh(3, 2, 0);
        let Some(VertexAttributeValues::Float32x2(uvs)) = mesh.attribute(Mesh::ATTRIBUTE_UV_0) else {
            panic!("uvs")
        };
        let Some(VertexAttributeValues::Float32x3(normals)) = mesh.attribute(Mesh::ATTRIBUTE_NORMAL) else {
            panic!("normals")
        };
        let top: Vec<[f32; 2]> = uvs.iter().zip(normals).filter(|(_, n)| n[1] > 0.5).map(|(uv, _)| *uv).collect();
        assert_eq!(top.len(), 4);
        let (min_u, max_u) = top.iter().fold((1f32, 0f32), |(a, b), uv| (a.min(uv[0]), b.max(uv[0])));
        let (min_v, max_v) = top.iter().fold((1f32, 0f32), |(a, b), uv| (a.min(uv[1]), b.max(uv[1])));
        // The right column, top row: u in the last third, v in the first.
        assert!(min_u > 2.0 / 3.0 && max_u < 1.0, "{min_u}..{max_u}");
        assert!(min_v > 0.0 && max_v < 1.0 / 3.0, "{min_v}..{max_v}");
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
