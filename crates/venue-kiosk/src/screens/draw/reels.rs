//! The rolling machine in 3D: one drum per digit of the ticket number, lit, with gold end caps,
//! seen through a window in the stage UI. A camera of its own renders the drums into an image that
//! a `ViewportNode` shows, so the UI layout decides where the machine sits and the drums never mix
//! with other screens' 3D scenes (their own render layer).
//!
//! Motion comes from `machine.rs` (pure functions of time); this module only turns a position in
//! "digits travelled" into a drum angle. Fast drums swap to a motion-blurred strip, as a real reel
//! smears when it spins. The digit strip is rasterised once at start-up from the UI font.

use std::f32::consts::TAU;

use bevy::asset::RenderAssetUsages;
use bevy::camera::RenderTarget;
use bevy::camera::visibility::RenderLayers;
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::mesh::{Indices, PrimitiveTopology};
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat, TextureUsages};
use bevy::ui::widget::ViewportNode;

use super::DrawDesk;
use crate::frame::AppSystems;
use crate::screens::Screen;
use venue_rules::draw::desk::{Desk, Stage};
use venue_rules::draw::machine;

/// Render layer of the drums, their light and their camera.
const REELS_LAYER: usize = 5;
/// Texture pixels per digit cell (the strip is one cell wide, ten tall).
const CELL_PX: u32 = 160;
/// Drum geometry, in world units: radius, width along the axis, gap between drums.
const RADIUS: f32 = 0.9;
const DRUM_WIDTH: f32 = 1.0;
const DRUM_GAP: f32 = 0.16;
/// Segments around a drum (a multiple of 10 keeps digit borders on vertex rows).
const SEGMENTS: u32 = 80;
/// Above this speed (digits per second) a drum shows the blurred strip.
const BLUR_ABOVE_DIGITS_PER_S: f32 = 7.0;
/// UI size of the machine window per drum, in logical pixels.
pub const WINDOW_PX_PER_DRUM: f32 = 165.0;
pub const WINDOW_HEIGHT_PX: f32 = 270.0;
/// Vertical field of view of the drum camera: a little perspective, so outer drums show a cap.
const FOV_Y: f32 = 0.42;

/// The camera, light and drums of the machine, spawned when the draw screen opens.
#[derive(Resource)]
pub struct ReelRig {
    pub camera: Entity,
    drums: usize,
    drum_mesh: Handle<Mesh>,
    cap_mesh: Handle<Mesh>,
    sharp: Handle<StandardMaterial>,
    blurred: Handle<StandardMaterial>,
    idle: Handle<StandardMaterial>,
    cap: Handle<StandardMaterial>,
}

#[derive(Component)]
struct Drum {
    index: usize,
}

#[derive(Component)]
struct DrumPart;

pub fn plugin(app: &mut App) {
    app.add_systems(OnEnter(Screen::LuckyDraw), spawn_rig)
        .add_systems(OnExit(Screen::LuckyDraw), |mut commands: Commands| {
            commands.remove_resource::<ReelRig>();
        })
        .add_systems(
            Update,
            (sync_drums, turn_drums)
                .chain()
                .run_if(in_state(Screen::LuckyDraw))
                .in_set(AppSystems::Present),
        );
}

/// Ten digits, top to bottom, each centred in a `cell`×`cell` square: RGBA8 bytes, `cell` wide and
/// `10 * cell` tall. Dark ink on a warm ivory face with a thin line between cells.
pub fn digit_strip(font: &[u8], cell: u32) -> Result<Vec<u8>, String> {
    use swash::FontRef;
    use swash::scale::{Render, ScaleContext, Source, image::Content};
    use swash::zeno::Format;

    let font = FontRef::from_index(font, 0).ok_or("the UI font cannot be read")?;
    let (w, h) = (cell as usize, cell as usize * 10);
    let mut rgba = vec![0u8; w * h * 4];
    const PAPER: [f32; 3] = [0.97, 0.94, 0.86];
    const EDGE: [f32; 3] = [0.80, 0.74, 0.62];
    const INK: [f32; 3] = [0.10, 0.08, 0.07];
    for y in 0..h {
        // A faint darkening towards each cell's top and bottom, and a line where cells meet.
        let v = (y % cell as usize) as f32 / cell as f32;
        let edge = ((v - 0.5).abs() * 2.0).powi(6);
        let line = if y % cell as usize <= 1 || y % cell as usize >= cell as usize - 2 {
            1.0
        } else {
            edge * 0.5
        };
        for x in 0..w {
            let i = (y * w + x) * 4;
            for c in 0..3 {
                rgba[i + c] = to_u8(PAPER[c] + (EDGE[c] - PAPER[c]) * line);
            }
            rgba[i + 3] = 255;
        }
    }
    let mut context = ScaleContext::new();
    let mut scaler = context.builder(font).size(cell as f32 * 0.78).hint(false).build();
    for digit in 0..10u32 {
        let glyph = font.charmap().map(char::from_digit(digit, 10).unwrap_or('0'));
        if glyph == 0 {
            return Err(format!("the UI font has no glyph for {digit}"));
        }
        let image = Render::new(&[Source::Outline])
            .format(Format::Alpha)
            .render(&mut scaler, glyph)
            .ok_or_else(|| format!("the UI font cannot draw {digit}"))?;
        if image.content != Content::Mask {
            return Err(format!("unexpected glyph image for {digit}"));
        }
        let (gw, gh) = (image.placement.width as usize, image.placement.height as usize);
        if gw == 0 || gh == 0 || gw > w || gh > cell as usize {
            return Err(format!("glyph for {digit} does not fit a {cell} px cell"));
        }
        let left = (w - gw) / 2;
        let top = digit as usize * cell as usize + (cell as usize - gh) / 2;
        for gy in 0..gh {
            for gx in 0..gw {
                let alpha = image.data[gy * gw + gx] as f32 / 255.0;
                if alpha == 0.0 {
                    continue;
                }
                let i = ((top + gy) * w + left + gx) * 4;
                for c in 0..3 {
                    let under = rgba[i + c] as f32 / 255.0;
                    rgba[i + c] = to_u8(under + (INK[c] - under) * alpha);
                }
            }
        }
    }
    Ok(rgba)
}

fn to_u8(value: f32) -> u8 {
    (value.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// The strip smeared along the roll direction (a box blur over `radius` rows, wrapping around the
/// drum), for drums spinning too fast to read.
pub fn smear(rgba: &[u8], width: usize, radius: usize) -> Vec<u8> {
    let height = rgba.len() / 4 / width.max(1);
    let mut out = vec![0u8; rgba.len()];
    if height == 0 {
        return out;
    }
    let span = (2 * radius + 1) as u32;
    for x in 0..width {
        for c in 0..4 {
            let at = |y: usize| rgba[(y * width + x) * 4 + c] as u32;
            let mut sum: u32 = (0..span as usize).map(|k| at((k + height * 2 - radius) % height)).sum();
            for y in 0..height {
                out[(y * width + x) * 4 + c] = (sum / span) as u8;
                sum += at((y + radius + 1) % height);
                sum -= at((y + height * 2 - radius) % height);
            }
        }
    }
    out
}

/// One drum's surface around the X axis: positions, normals and UVs per vertex, and triangle
/// indices. Angle `a` runs down the front face (the camera looks along -Z); the strip's `v` is
/// `a / TAU`, so digit `d` fills `a` in `[d, d + 1] * TAU / 10` and reads upright at the front.
pub struct DrumGeometry {
    pub positions: Vec<[f32; 3]>,
    pub normals: Vec<[f32; 3]>,
    pub uvs: Vec<[f32; 2]>,
    pub indices: Vec<u32>,
}

pub fn drum_geometry(radius: f32, width: f32, segments: u32) -> DrumGeometry {
    let mut g = DrumGeometry {
        positions: Vec::new(),
        normals: Vec::new(),
        uvs: Vec::new(),
        indices: Vec::new(),
    };
    // segments + 1 rings: the seam between 9 and 0 has its own vertices with v = 1.
    for s in 0..=segments {
        let v = s as f32 / segments as f32;
        let a = v * TAU;
        let normal = [0.0, -a.sin(), a.cos()];
        for (u, x) in [(0.0, -width / 2.0), (1.0, width / 2.0)] {
            g.positions.push([x, normal[1] * radius, normal[2] * radius]);
            g.normals.push(normal);
            g.uvs.push([u, v]);
        }
    }
    for s in 0..segments {
        let (l0, r0, l1, r1) = (2 * s, 2 * s + 1, 2 * s + 2, 2 * s + 3);
        // Counter-clockwise seen from outside the drum.
        g.indices.extend_from_slice(&[l0, l1, r0, r0, l1, r1]);
    }
    g
}

/// Rotation about X that puts `position` (digits travelled, as from `machine::reel_position`)
/// in the window: digit `d` at `position = d` sits centred at the front.
pub fn drum_angle(position: f32) -> f32 {
    -(position.rem_euclid(10.0) + 0.5) * TAU / 10.0
}

/// Distance from the camera to the drums' axis line so `drums` drums fill a window of `aspect`
/// (width / height) with a small margin.
pub fn camera_distance(drums: usize, aspect: f32) -> f32 {
    let half_width = row_width(drums) / 2.0 + 0.12;
    let half_height = (RADIUS + 0.06).max(half_width / aspect.max(0.1));
    RADIUS + half_height / (FOV_Y / 2.0).tan()
}

fn row_width(drums: usize) -> f32 {
    drums as f32 * DRUM_WIDTH + drums.saturating_sub(1) as f32 * DRUM_GAP
}

fn drum_mesh() -> Mesh {
    let g = drum_geometry(RADIUS, DRUM_WIDTH, SEGMENTS);
    Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::RENDER_WORLD)
        .with_inserted_attribute(Mesh::ATTRIBUTE_POSITION, g.positions)
        .with_inserted_attribute(Mesh::ATTRIBUTE_NORMAL, g.normals)
        .with_inserted_attribute(Mesh::ATTRIBUTE_UV_0, g.uvs)
        .with_inserted_indices(Indices::U32(g.indices))
}

fn strip_image(rgba: Vec<u8>) -> Image {
    Image::new(
        Extent3d {
            width: CELL_PX,
            height: CELL_PX * 10,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        rgba,
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD,
    )
}

fn spawn_rig(
    mut commands: Commands,
    mut images: ResMut<Assets<Image>>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StandardMaterial>>,
    mut strip: Local<Option<Result<Vec<u8>, String>>>,
) {
    let strip = strip.get_or_insert_with(|| digit_strip(crate::shell::ui::FONT_BOLD, CELL_PX));
    let (sharp_image, blurred_image) = match strip {
        Ok(rgba) => (
            images.add(strip_image(rgba.clone())),
            images.add(strip_image(smear(rgba, CELL_PX as usize, CELL_PX as usize / 3))),
        ),
        Err(e) => {
            // The drums still turn (plain ivory); the winner is always written in text below them.
            error!("lucky draw: digit strip unavailable: {e}");
            (Handle::default(), Handle::default())
        }
    };
    let face = |texture: Handle<Image>, tint: Color| StandardMaterial {
        base_color: tint,
        base_color_texture: Some(texture),
        perceptual_roughness: 0.38,
        reflectance: 0.45,
        ..default()
    };
    let mut target = Image::new_uninit(
        Extent3d {
            width: 1,
            height: 1,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        TextureFormat::Bgra8UnormSrgb,
        RenderAssetUsages::all(),
    );
    target.texture_descriptor.usage = TextureUsages::TEXTURE_BINDING | TextureUsages::COPY_DST | TextureUsages::RENDER_ATTACHMENT;
    let target = images.add(target);
    let layer = RenderLayers::layer(REELS_LAYER);
    let camera = commands
        .spawn((
            Name::new("Lucky draw drum camera"),
            DespawnOnExit(Screen::LuckyDraw),
            Camera3d::default(),
            Camera {
                // Before the scene camera, whose UI shows this image.
                order: -1,
                clear_color: ClearColorConfig::Custom(Color::srgb(0.035, 0.03, 0.02)),
                ..default()
            },
            RenderTarget::Image(target.into()),
            Projection::Perspective(PerspectiveProjection { fov: FOV_Y, ..default() }),
            Transform::from_xyz(0.0, 0.0, camera_distance(4, 2.0)).looking_at(Vec3::ZERO, Vec3::Y),
            Msaa::Off,
            Tonemapping::None,
            AmbientLight {
                color: Color::srgb(1.0, 0.93, 0.8),
                brightness: 260.0,
                ..default()
            },
            layer.clone(),
        ))
        .id();
    // A warm key light from above and in front: the drums' tops and bottoms fall into shade.
    commands.spawn((
        Name::new("Lucky draw drum light"),
        DespawnOnExit(Screen::LuckyDraw),
        DirectionalLight {
            color: Color::srgb(1.0, 0.95, 0.86),
            illuminance: 3_200.0,
            shadow_maps_enabled: false,
            ..default()
        },
        Transform::from_xyz(-1.5, 3.0, 6.0).looking_at(Vec3::ZERO, Vec3::Y),
        layer,
    ));
    commands.insert_resource(ReelRig {
        camera,
        drums: 0,
        drum_mesh: meshes.add(drum_mesh()),
        cap_mesh: meshes.add(Cylinder::new(RADIUS * 1.05, 0.05)),
        sharp: materials.add(face(sharp_image.clone(), Color::WHITE)),
        blurred: materials.add(face(blurred_image, Color::WHITE)),
        idle: materials.add(face(sharp_image, Color::srgb(0.62, 0.6, 0.56))),
        cap: materials.add(StandardMaterial {
            base_color: Color::srgb(0.83, 0.62, 0.22),
            metallic: 0.55,
            perceptual_roughness: 0.32,
            ..default()
        }),
    });
}

/// Spawns the drums again when the number of digits changes (a bigger ticket pool).
fn sync_drums(
    mut commands: Commands,
    desk: Option<Res<DrawDesk>>,
    rig: Option<ResMut<ReelRig>>,
    parts: Query<Entity, With<DrumPart>>,
    mut cameras: Query<&mut Transform, With<Camera3d>>,
) {
    let (Some(desk), Some(mut rig)) = (desk, rig) else { return };
    let drums = desk.0.reel_count();
    if rig.drums == drums {
        return;
    }
    rig.drums = drums;
    for part in &parts {
        commands.entity(part).despawn();
    }
    let layer = RenderLayers::layer(REELS_LAYER);
    let width = row_width(drums);
    for index in 0..drums {
        let x = -width / 2.0 + DRUM_WIDTH / 2.0 + index as f32 * (DRUM_WIDTH + DRUM_GAP);
        commands.spawn((
            Name::new(format!("Drum {index}")),
            DrumPart,
            Drum { index },
            DespawnOnExit(Screen::LuckyDraw),
            Mesh3d(rig.drum_mesh.clone()),
            MeshMaterial3d(rig.idle.clone()),
            Transform::from_xyz(x, 0.0, 0.0).with_rotation(Quat::from_rotation_x(drum_angle(0.0))),
            layer.clone(),
        ));
        for side in [-1.0, 1.0] {
            commands.spawn((
                DrumPart,
                DespawnOnExit(Screen::LuckyDraw),
                Mesh3d(rig.cap_mesh.clone()),
                MeshMaterial3d(rig.cap.clone()),
                // The cylinder primitive stands on Y; lay it on X at the drum's side.
                Transform::from_xyz(x + side * (DRUM_WIDTH / 2.0 + 0.025), 0.0, 0.0)
                    .with_rotation(Quat::from_rotation_z(std::f32::consts::FRAC_PI_2)),
                layer.clone(),
            ));
        }
    }
    if let Ok(mut transform) = cameras.get_mut(rig.camera) {
        let aspect = drums as f32 * WINDOW_PX_PER_DRUM / WINDOW_HEIGHT_PX;
        *transform = Transform::from_xyz(0.0, 0.0, camera_distance(drums, aspect)).looking_at(Vec3::ZERO, Vec3::Y);
    }
}

/// What each drum shows this frame: (position in digits travelled, speed in digits per second).
/// `None` when no ticket is being shown (idle): the drums rest on zeros, dimmed.
pub fn drum_positions(desk: &Desk, now_s: f64) -> Option<Vec<(f32, f32)>> {
    let (sequence, started_s) = match desk.stage {
        Stage::Rolling { sequence, started_s } => (sequence, Some(started_s)),
        Stage::Revealed { sequence } => (sequence, None),
        _ => return None,
    };
    let ticket = desk.record(sequence)?.winners.first()?.ticket;
    let digits = machine::digits(ticket, desk.reel_count());
    Some(
        digits
            .iter()
            .enumerate()
            .map(|(index, &digit)| match started_s {
                Some(started) => {
                    let t = (now_s - started) as f32;
                    let dt = 1.0 / 120.0;
                    let position = machine::reel_position(t, index, digit);
                    let speed = (machine::reel_position(t + dt, index, digit) - position).abs() / dt;
                    (position, speed)
                }
                None => (digit as f32, 0.0),
            })
            .collect(),
    )
}

fn turn_drums(
    time: Res<Time<Real>>,
    desk: Option<Res<DrawDesk>>,
    rig: Option<Res<ReelRig>>,
    mut drums: Query<(&Drum, &mut Transform, &mut MeshMaterial3d<StandardMaterial>)>,
) {
    let (Some(desk), Some(rig)) = (desk, rig) else { return };
    let positions = drum_positions(&desk.0, time.elapsed_secs_f64());
    for (drum, mut transform, mut material) in &mut drums {
        let (position, speed) = positions.as_ref().and_then(|p| p.get(drum.index).copied()).unwrap_or((0.0, 0.0));
        let rotation = Quat::from_rotation_x(drum_angle(position));
        if transform.rotation != rotation {
            transform.rotation = rotation;
        }
        let wanted = match (&positions, speed > BLUR_ABOVE_DIGITS_PER_S) {
            (None, _) => &rig.idle,
            (Some(_), true) => &rig.blurred,
            (Some(_), false) => &rig.sharp,
        };
        if material.0 != *wanted {
            material.0 = wanted.clone();
        }
    }
}

/// The machine's window in the stage UI: the drum camera's image under a shade that darkens the
/// drums' tops and bottoms, in a gold frame.
pub fn spawn_window(parent: &mut ChildSpawnerCommands, rig: &ReelRig, drums: usize) {
    use bevy::ui::{ColorStop, LinearGradient};
    let shade = Color::srgba(0.02, 0.015, 0.01, 0.88);
    let clear = Color::srgba(0.02, 0.015, 0.01, 0.0);
    parent
        .spawn((
            Node {
                width: px(drums as f32 * WINDOW_PX_PER_DRUM),
                height: px(WINDOW_HEIGHT_PX),
                border: UiRect::all(px(4)),
                border_radius: BorderRadius::all(px(18)),
                overflow: Overflow::clip(),
                ..default()
            },
            BorderColor::all(Color::srgb(0.78, 0.58, 0.2)),
            ViewportNode::new(rig.camera),
        ))
        .with_children(|window| {
            window.spawn((
                Node {
                    position_type: PositionType::Absolute,
                    width: percent(100),
                    height: percent(100),
                    ..default()
                },
                BackgroundGradient::from(LinearGradient::to_bottom(vec![
                    ColorStop::percent(shade, 0),
                    ColorStop::percent(clear, 28),
                    ColorStop::percent(clear, 72),
                    ColorStop::percent(shade, 100),
                ])),
            ));
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(rgba: &[u8], width: usize, x: usize, y: usize) -> u32 {
        let i = (y * width + x) * 4;
        rgba[i] as u32 + rgba[i + 1] as u32 + rgba[i + 2] as u32
    }

    #[test]
    fn strip_has_ten_distinct_digits_with_ink_in_each_cell() {
        let cell = 64;
        let rgba = digit_strip(crate::shell::ui::FONT_BOLD, cell).expect("strip");
        assert_eq!(rgba.len(), (cell * cell * 10 * 4) as usize);
        let cells: Vec<Vec<u8>> = rgba.chunks((cell * cell * 4) as usize).map(<[u8]>::to_vec).collect();
        for (digit, pixels) in cells.iter().enumerate() {
            let dark = pixels.chunks(4).filter(|p| (p[0] as u32 + p[1] as u32 + p[2] as u32) < 200).count();
            assert!(dark > 40, "digit {digit} has {dark} dark pixels");
            // Ink stays in the middle: the cell's corners are paper.
            assert!(luminance(pixels, cell as usize, 3, 3) > 500, "digit {digit} corner is inked");
        }
        for a in 0..10 {
            for b in a + 1..10 {
                assert_ne!(cells[a], cells[b], "digits {a} and {b} look the same");
            }
        }
    }

    #[test]
    fn smear_keeps_the_average_and_softens_edges() {
        let width = 2;
        let mut rgba = vec![0u8; width * 40 * 4];
        for y in 10..20 {
            for x in 0..width {
                rgba[(y * width + x) * 4] = 250;
            }
        }
        let out = smear(&rgba, width, 5);
        let sum = |v: &[u8]| v.chunks(4).map(|p| p[0] as u32).sum::<u32>();
        let (before, after) = (sum(&rgba), sum(&out));
        assert!(before.abs_diff(after) <= 40 * width as u32, "{before} vs {after}");
        // The hard edge at row 10 is now a ramp.
        assert!(out[(8 * width) * 4] > 0 && out[(8 * width) * 4] < 250);
        // Wraps around the drum: row 0 sees nothing from rows 10..20 with radius 5, row 39 neither.
        assert_eq!(out[0], 0);
    }

    #[test]
    fn digit_d_faces_the_camera_at_position_d() {
        let g = drum_geometry(1.0, 1.0, SEGMENTS);
        for digit in 0..10 {
            let rotation = Quat::from_rotation_x(drum_angle(digit as f32));
            // The vertex that ends up closest to the camera (largest z) carries v in digit's cell.
            let (front, _) = g
                .positions
                .iter()
                .enumerate()
                .map(|(i, p)| (i, (rotation * Vec3::from(*p)).z))
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .unwrap();
            let v = g.uvs[front][1];
            assert!(
                (v * 10.0 - (digit as f32 + 0.5)).abs() <= 0.5 + 1e-3 || (digit == 9 && v == 0.0),
                "digit {digit}: front v = {v}"
            );
        }
        // Rolling forward brings the next digit up from below: v grows downwards at the front.
        let rotation = Quat::from_rotation_x(drum_angle(3.0));
        let below = g
            .positions
            .iter()
            .zip(&g.uvs)
            .map(|(p, uv)| (rotation * Vec3::from(*p), uv[1]))
            .filter(|(p, _)| p.z > 0.0 && p.y < -0.5 && p.y > -0.7)
            .map(|(_, v)| v)
            .next()
            .unwrap();
        assert!(below > 0.4 && below < 0.5, "below the window comes 4 (v {below})");
    }

    #[test]
    fn normals_point_outwards_and_triangles_face_out() {
        let g = drum_geometry(0.9, 1.0, 20);
        for (p, n) in g.positions.iter().zip(&g.normals) {
            let radial = Vec3::new(0.0, p[1], p[2]).normalize();
            assert!(radial.dot(Vec3::from(*n)) > 0.999);
        }
        for tri in g.indices.chunks(3) {
            let [a, b, c] = [tri[0], tri[1], tri[2]].map(|i| Vec3::from(g.positions[i as usize]));
            let face_normal = (b - a).cross(c - a);
            let centre = (a + b + c) / 3.0;
            assert!(face_normal.dot(Vec3::new(0.0, centre.y, centre.z)) > 0.0, "inward triangle {tri:?}");
        }
    }

    #[test]
    fn the_camera_frames_every_drum() {
        for drums in 1..=8 {
            let aspect = drums as f32 * WINDOW_PX_PER_DRUM / WINDOW_HEIGHT_PX;
            let distance = camera_distance(drums, aspect);
            let half_height_at_front = (distance - RADIUS) * (FOV_Y / 2.0).tan();
            assert!(half_height_at_front >= RADIUS, "{drums} drums: top cut off");
            assert!(
                half_height_at_front * aspect >= row_width(drums) / 2.0,
                "{drums} drums: sides cut off"
            );
        }
    }
}
