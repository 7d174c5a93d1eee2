//! The schedule screen's sky: one aurora curtain per track in that track's sector, a constellation
//! of marker stars per track (one per session), and the camera tour that moves between them.
//! Everything animated is a function of the venue clock (see tour.rs), never of frame history.
//!
//! The curtains are the screen's costliest pixels (noise per pixel, each curtain filling most of the
//! screen): an aurora camera, a child of the scene camera, draws them alone at reduced resolution
//! into an image, and one full-screen quad lays that image over the sky. They are soft anyway.

use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::{NoFrustumCulling, RenderLayers};
use bevy::camera::{Hdr, RenderTarget};
use bevy::core_pipeline::tonemapping::Tonemapping;
use bevy::ecs::system::SystemParam;
use bevy::mesh::{Indices, MeshVertexBufferLayoutRef, PrimitiveTopology};
use bevy::pbr::{MaterialPipeline, MaterialPipelineKey};
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, Extent3d, RenderPipelineDescriptor, SpecializedMeshPipelineError, TextureFormat};
use bevy::shader::ShaderRef;
use bevy::window::PrimaryWindow;

use crate::config::Config;
use crate::feed::FeedState;
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::shell::clock::VenueClock;
use crate::shell::display::SceneCamera;
use crate::shell::starfield::{Star, StarMaterial, star_mesh};
use venue_rules::schedule::now_next;
use venue_rules::schedule::tour::{self, TourPose, TourTiming};

pub const AURORA_SHADER: &str = "embedded://venue_kiosk/shaders/aurora.wgsl";
pub const AURORA_COMPOSITE_SHADER: &str = "embedded://venue_kiosk/shaders/aurora_composite.wgsl";
/// The render layer only the aurora camera draws: the curtains.
const AURORA_LAYER: usize = 1;
/// The aurora camera renders at 1/AURORA_DOWNSCALE of the window's width and height.
pub const AURORA_DOWNSCALE: u32 = 2;
/// Distance of the aurora curtains from the centre of the sky.
const AURORA_RADIUS: f32 = 430.0;
/// Half the angular width of a curtain, radians.
const AURORA_HALF_WIDTH: f32 = 0.62;

#[derive(Asset, TypePath, AsBindGroup, Clone, Debug)]
pub struct AuroraMaterial {
    #[uniform(0)]
    pub color: LinearRgba,
    /// x: venue-clock seconds, y: intensity, z: seed, w: focus.
    #[uniform(0)]
    pub params: Vec4,
}

impl Material for AuroraMaterial {
    fn fragment_shader() -> ShaderRef {
        AURORA_SHADER.into()
    }
    fn alpha_mode(&self) -> AlphaMode {
        AlphaMode::Add
    }
    fn enable_prepass() -> bool {
        false
    }
    fn enable_shadows() -> bool {
        false
    }
}

/// Lays the aurora camera's image over the scene: one full-screen quad, additive.
#[derive(Asset, TypePath, AsBindGroup, Clone, Debug)]
pub struct AuroraCompositeMaterial {
    #[texture(0)]
    #[sampler(1)]
    pub light: Handle<Image>,
}

impl Material for AuroraCompositeMaterial {
    fn vertex_shader() -> ShaderRef {
        AURORA_COMPOSITE_SHADER.into()
    }
    fn fragment_shader() -> ShaderRef {
        AURORA_COMPOSITE_SHADER.into()
    }
    fn alpha_mode(&self) -> AlphaMode {
        AlphaMode::Add
    }
    fn enable_prepass() -> bool {
        false
    }
    fn enable_shadows() -> bool {
        false
    }
    fn specialize(
        _pipeline: &MaterialPipeline,
        descriptor: &mut RenderPipelineDescriptor,
        layout: &MeshVertexBufferLayoutRef,
        _key: MaterialPipelineKey<Self>,
    ) -> Result<(), SpecializedMeshPipelineError> {
        let vertex_layout = layout.0.get_layout(&[
            Mesh::ATTRIBUTE_POSITION.at_shader_location(0),
            Mesh::ATTRIBUTE_UV_0.at_shader_location(1),
        ])?;
        descriptor.vertex.buffers = vec![vertex_layout];
        descriptor.primitive.cull_mode = None;
        Ok(())
    }
}

/// The aurora camera: its image and the material that lays it over the scene.
#[derive(Component)]
struct AuroraView {
    image: Handle<Image>,
    composite: Handle<AuroraCompositeMaterial>,
}

/// Heap allocations in the per-frame sky systems (must stay 0), for tests and the benchmark.
#[derive(Resource, Default, Debug, Clone, Copy)]
pub struct SkyCost {
    pub frames: u64,
    pub allocations: u64,
}

/// The current tour pose, for the overlay (which track comes forward).
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct Tour(pub TourPose);

/// The sky's systems; the overlay runs after them to see this frame's tour focus.
#[derive(SystemSet, Debug, Clone, PartialEq, Eq, Hash)]
pub struct SkySystems;

#[derive(Component)]
struct Aurora {
    track: usize,
}

#[derive(Component)]
struct SkyObject;

pub fn plugin(app: &mut App) {
    app.world_mut()
        .resource_mut::<bevy::asset::io::embedded::EmbeddedAssetRegistry>()
        .insert_asset(
            std::path::PathBuf::new(),
            std::path::Path::new("venue_kiosk/shaders/aurora.wgsl"),
            include_bytes!("../../../shaders/aurora.wgsl").as_slice(),
        );
    app.world_mut()
        .resource_mut::<bevy::asset::io::embedded::EmbeddedAssetRegistry>()
        .insert_asset(
            std::path::PathBuf::new(),
            std::path::Path::new("venue_kiosk/shaders/aurora_composite.wgsl"),
            include_bytes!("../../../shaders/aurora_composite.wgsl").as_slice(),
        );
    app.add_plugins((
        MaterialPlugin::<AuroraMaterial>::default(),
        MaterialPlugin::<AuroraCompositeMaterial>::default(),
    ))
    .configure_sets(Update, SkySystems.in_set(AppSystems::Present))
    .init_resource::<SkyCost>()
    .insert_resource(Tour(tour::pose(
        0.0,
        1,
        TourTiming {
            dwell_s: 20.0,
            transition_s: 4.0,
        },
        None,
    )))
    .add_systems(
        Update,
        (
            rebuild_sky.run_if(in_state(Screen::Schedule)),
            aurora_view.run_if(in_state(Screen::Schedule)),
            // The game and the casino frame their own stage.
            move_camera.run_if(|screen: Res<State<Screen>>| !screen.get().frames_its_own_stage()),
            animate_auroras,
            still_during_breaks.run_if(in_state(Screen::Schedule)),
        )
            .chain()
            .in_set(SkySystems),
    );
}

fn timing(config: &Config) -> TourTiming {
    TourTiming {
        dwell_s: config.schedule.tour_seconds as f64,
        transition_s: config.schedule.transition_seconds as f64,
    }
}

/// Unit vector of a heading around the sky (yaw 0 looks down −Z).
pub fn heading(yaw: f32) -> Vec3 {
    Vec3::new(yaw.sin(), 0.0, -yaw.cos())
}

/// A curved ribbon on a cylinder around the origin: `u` along it, `v` from top (0) to bottom (1).
pub fn ribbon_mesh(center_yaw: f32, half_width: f32, radius: f32, bottom: f32, top: f32, segments: u32) -> Mesh {
    let mut positions = Vec::new();
    let mut normals = Vec::new();
    let mut uvs = Vec::new();
    let mut indices = Vec::new();
    for i in 0..=segments {
        let u = i as f32 / segments as f32;
        let yaw = center_yaw - half_width + 2.0 * half_width * u;
        // A gentle S-curve in depth so the curtain folds like a real one.
        let r = radius * (1.0 + 0.08 * (u * std::f32::consts::TAU * 1.5).sin());
        let d = heading(yaw) * r;
        for (v, y) in [(0.0, top), (1.0, bottom)] {
            positions.push([d.x, y, d.z]);
            normals.push((-heading(yaw)).to_array());
            uvs.push([u, v]);
        }
        if i < segments {
            let b = i * 2;
            indices.extend_from_slice(&[b, b + 1, b + 2, b + 1, b + 3, b + 2]);
        }
    }
    let mut mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::RENDER_WORLD);
    mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, positions);
    mesh.insert_attribute(Mesh::ATTRIBUTE_NORMAL, normals);
    mesh.insert_attribute(Mesh::ATTRIBUTE_UV_0, uvs);
    mesh.insert_indices(Indices::U32(indices));
    mesh
}

/// Marker stars for a track's sessions, scattered in its sector above the curtain. Seeded by the
/// session id, so a session keeps its star when the schedule changes around it.
pub fn constellation(track_yaw: f32, session_ids: &[&str], color: [f32; 3]) -> Vec<Star> {
    session_ids
        .iter()
        .map(|id| {
            let h = fnv1a(id.as_bytes());
            let a = ((h & 0xFFFF) as f32 / 65535.0 - 0.5) * 2.0 * AURORA_HALF_WIDTH * 0.9;
            let y = 120.0 + ((h >> 16) & 0xFFFF) as f32 / 65535.0 * 200.0;
            let r = 360.0 + ((h >> 32) & 0xFF) as f32 / 255.0 * 60.0;
            let d = heading(track_yaw + a) * r;
            Star {
                position: [d.x, y, d.z],
                color,
                size: 3.2,
            }
        })
        .collect()
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ *b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Rebuild curtains and constellations when the event's tracks or the schedule change.
/// The assets the sky is made of.
#[derive(SystemParam)]
struct SkyAssets<'w> {
    meshes: ResMut<'w, Assets<Mesh>>,
    auroras: ResMut<'w, Assets<AuroraMaterial>>,
    stars: ResMut<'w, Assets<StarMaterial>>,
}

fn rebuild_sky(
    mut commands: Commands,
    feed: Res<FeedState>,
    existing: Query<Entity, With<SkyObject>>,
    assets: SkyAssets,
    mut built: Local<Option<u64>>,
    added: Query<(), Added<super::ScheduleRoot>>,
) {
    let SkyAssets {
        mut meshes,
        mut auroras,
        mut stars,
    } = assets;
    if *built == Some(feed.revision) && added.is_empty() {
        return;
    }
    *built = Some(feed.revision);
    for e in &existing {
        commands.entity(e).despawn();
    }
    let tracks = feed.tracks();
    let n = tracks.len();
    for (i, track) in tracks.iter().enumerate() {
        let yaw = tour::track_yaw(i, n);
        let srgb = crate::shell::ui::hex_color(&track.color);
        let linear = LinearRgba::from(srgb);
        commands.spawn((
            Name::new(format!("Aurora {}", track.id)),
            SkyObject,
            Aurora { track: i },
            DespawnOnExit(Screen::Schedule),
            Mesh3d(meshes.add(ribbon_mesh(yaw, AURORA_HALF_WIDTH, AURORA_RADIUS, -90.0, 330.0, 64))),
            MeshMaterial3d(auroras.add(AuroraMaterial {
                color: linear,
                params: Vec4::new(0.0, 1.0, i as f32 * 7.31, 0.0),
            })),
            Transform::default(),
            NoFrustumCulling,
            // Drawn by the aurora camera at half resolution, not by the scene camera.
            RenderLayers::layer(AURORA_LAYER),
        ));
        let ids: Vec<&str> = feed
            .schedule
            .as_deref()
            .map(|s| {
                s.sessions
                    .iter()
                    .filter(|s| !s.cancelled && s.track.as_deref() == Some(track.id.as_str()))
                    .map(|s| s.id.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let c = srgb.to_linear();
        let markers = constellation(yaw, &ids, [c.red.max(0.3), c.green.max(0.3), c.blue.max(0.3)]);
        if !markers.is_empty() {
            commands.spawn((
                Name::new(format!("Constellation {}", track.id)),
                SkyObject,
                DespawnOnExit(Screen::Schedule),
                Mesh3d(meshes.add(star_mesh(&markers))),
                MeshMaterial3d(stars.add(StarMaterial {
                    params: Vec4::new(1.6, 0.15, 1.4, 0.0),
                })),
                Transform::default(),
                NoFrustumCulling,
            ));
        }
    }
}

/// What the aurora view is made of.
#[derive(SystemParam)]
struct AuroraViewAssets<'w> {
    images: ResMut<'w, Assets<Image>>,
    meshes: ResMut<'w, Assets<Mesh>>,
    composites: ResMut<'w, Assets<AuroraCompositeMaterial>>,
}

/// Size of the aurora camera's image for a window: 1/AURORA_DOWNSCALE per side, at least 1 pixel.
pub fn aurora_image_size(window: UVec2) -> UVec2 {
    (window / AURORA_DOWNSCALE).max(UVec2::ONE)
}

/// Spawns the aurora camera (a child of the scene camera, so it sees exactly what the scene camera
/// sees) and the full-screen quad that lays its image over the scene; keeps the image's size a
/// fraction of the window's. The image is 8-bit sRGB on the `low` profile, half-float on `high`
/// (the curtains' brightest light then still reaches the bloom).
fn aurora_view(
    mut commands: Commands,
    scene_camera: Query<(Entity, &Projection, Has<Hdr>), With<SceneCamera>>,
    window: Query<&Window, With<PrimaryWindow>>,
    views: Query<&AuroraView>,
    assets: AuroraViewAssets,
) {
    let AuroraViewAssets {
        mut images,
        mut meshes,
        mut composites,
    } = assets;
    let (Ok((camera, projection, hdr)), Ok(window)) = (scene_camera.single(), window.single()) else {
        return;
    };
    let size = aurora_image_size(window.physical_size());
    if let Ok(view) = views.single() {
        if images.get(&view.image).is_some_and(|image| image.size() != size) {
            if let Some(mut image) = images.get_mut(&view.image) {
                image.resize(Extent3d {
                    width: size.x,
                    height: size.y,
                    depth_or_array_layers: 1,
                });
            }
            // The composite's bind group holds the old texture: prepare it again.
            if let Some(composite) = composites.get_mut(&view.composite) {
                composite.into_inner();
            }
        }
        return;
    }
    let format = if hdr {
        TextureFormat::Rgba16Float
    } else {
        TextureFormat::Rgba8UnormSrgb
    };
    let image = images.add(Image::new_target_texture(size.x, size.y, format, None));
    let composite = composites.add(AuroraCompositeMaterial { light: image.clone() });
    let mut aurora_camera = commands.spawn((
        Name::new("Aurora camera"),
        AuroraView {
            image: image.clone(),
            composite: composite.clone(),
        },
        Camera3d::default(),
        Camera {
            // Before the scene camera, which composites its image.
            order: -1,
            clear_color: ClearColorConfig::Custom(Color::NONE),
            ..default()
        },
        RenderTarget::Image(image.into()),
        projection.clone(),
        Msaa::Off,
        Tonemapping::None,
        RenderLayers::layer(AURORA_LAYER),
        Transform::IDENTITY,
        ChildOf(camera),
        DespawnOnExit(Screen::Schedule),
    ));
    if hdr {
        aurora_camera.insert(Hdr);
    }
    commands.spawn((
        Name::new("Aurora composite"),
        Mesh3d(meshes.add(Rectangle::new(2.0, 2.0))),
        MeshMaterial3d(composite),
        Transform::from_xyz(0.0, 0.0, -1.0),
        ChildOf(camera),
        NoFrustumCulling,
        DespawnOnExit(Screen::Schedule),
    ));
}

/// The camera follows the tour on the schedule screen and drifts slowly elsewhere.
pub(crate) fn move_camera(
    mut cost: ResMut<SkyCost>,
    clock: Res<VenueClock>,
    config: Res<Config>,
    feed: Res<FeedState>,
    screen: Res<State<Screen>>,
    mut tour_res: ResMut<Tour>,
    mut camera: Query<&mut Transform, With<SceneCamera>>,
) {
    let allocations_before = crate::shell::alloc_count::thread_allocations();
    let now = clock.now();
    let t = now.timestamp_millis() as f64 / 1000.0;
    let n = feed.tracks().len();
    let hold = feed.schedule.as_deref().and_then(|s| {
        // A break that has just ended still counts while the view eases back into the tour.
        let ramp = chrono::Duration::milliseconds((tour::HOLD_RAMP_S * 1000.0) as i64);
        now_next::break_interval(s, now).or_else(|| now_next::break_interval(s, now - ramp).filter(|(_, end)| *end <= now))
    });
    let hold = hold.map(|(a, b)| (a.timestamp_millis() as f64 / 1000.0, b.timestamp_millis() as f64 / 1000.0));
    let pose = if *screen.get() == Screen::Schedule {
        tour::pose(t, n, timing(&config), hold)
    } else {
        let mut p = tour::pose(
            t,
            1,
            TourTiming {
                dwell_s: 3600.0,
                transition_s: 0.0,
            },
            None,
        );
        p.yaw = (t * std::f64::consts::TAU / 3600.0) as f32;
        p
    };
    tour_res.set_if_neq(Tour(pose));
    if let Ok(mut transform) = camera.single_mut() {
        let dir = heading(pose.yaw) + Vec3::Y * pose.pitch.tan();
        *transform = Transform::from_translation(Vec3::from(pose.position)).looking_to(dir, Vec3::Y);
    }
    cost.frames += 1;
    cost.allocations += crate::shell::alloc_count::thread_allocations() - allocations_before;
}

/// During a break the tour holds its view (after easing into it): only the sky's slow drift moves,
/// so fewer frames (`display.still_fps`).
fn still_during_breaks(clock: Res<VenueClock>, feed: Res<FeedState>, mut motion: ResMut<crate::shell::pace::Motion>) {
    let now = clock.now();
    let ramp = chrono::Duration::milliseconds((tour::HOLD_RAMP_S * 1000.0) as i64);
    let held = feed
        .schedule
        .as_deref()
        .and_then(|s| now_next::break_interval(s, now))
        .is_some_and(|(start, end)| now - start > ramp && end - now > chrono::Duration::zero());
    if held {
        motion.hold_still();
    }
}

fn animate_auroras(
    clock: Res<VenueClock>,
    tour_res: Res<Tour>,
    auroras: Query<(&Aurora, &MeshMaterial3d<AuroraMaterial>)>,
    mut materials: ResMut<Assets<AuroraMaterial>>,
) {
    let secs = (clock.now().timestamp_millis().rem_euclid(3_600_000)) as f32 / 1000.0;
    let pose = tour_res.0;
    for (aurora, handle) in &auroras {
        if let Some(mut m) = materials.get_mut(&handle.0) {
            let focus = if aurora.track == pose.focus { 1.0 } else { 0.0 };
            m.params.x = secs;
            m.params.w = focus;
        }
    }
}
