//! The starfield behind every screen: one mesh and one WGSL material, no entity per star.
//! Star placement is seeded, so every screen in the venue draws the same sky.

use bevy::asset::RenderAssetUsages;
use bevy::camera::visibility::NoFrustumCulling;
use bevy::mesh::{Indices, MeshVertexAttribute, MeshVertexBufferLayoutRef, PrimitiveTopology, VertexFormat};
use bevy::pbr::{MaterialPipeline, MaterialPipelineKey};
use bevy::prelude::*;
use bevy::render::render_resource::{AsBindGroup, RenderPipelineDescriptor, SpecializedMeshPipelineError};
use bevy::shader::ShaderRef;
use rand::{Rng, SeedableRng};

use crate::frame::AppSystems;
use crate::shell::clock::VenueClock;

pub const SHADER_PATH: &str = "embedded://venue_kiosk/shaders/starfield.wgsl";
const ATTRIBUTE_CORNER: MeshVertexAttribute = MeshVertexAttribute::new("Star_Corner", 917_301_001, VertexFormat::Float32x2);
const ATTRIBUTE_STAR: MeshVertexAttribute = MeshVertexAttribute::new("Star_ColorSize", 917_301_002, VertexFormat::Float32x4);

#[derive(Asset, TypePath, AsBindGroup, Clone, Debug)]
pub struct StarMaterial {
    /// x: size scale, y: twinkle amount, z: brightness, w: seconds of the venue clock.
    #[uniform(0)]
    pub params: Vec4,
}

impl Material for StarMaterial {
    fn vertex_shader() -> ShaderRef {
        SHADER_PATH.into()
    }
    fn fragment_shader() -> ShaderRef {
        SHADER_PATH.into()
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
            ATTRIBUTE_CORNER.at_shader_location(1),
            ATTRIBUTE_STAR.at_shader_location(2),
        ])?;
        descriptor.vertex.buffers = vec![vertex_layout];
        descriptor.primitive.cull_mode = None;
        Ok(())
    }
}

/// A star: position, linear RGB colour and a size factor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Star {
    pub position: [f32; 3],
    pub color: [f32; 3],
    pub size: f32,
}

/// Seeded sky: stars in a thick shell around the camera, colours by a rough spectral mix (most
/// white-blue, some yellow and orange), sizes skewed small with a few bright ones.
pub fn generate_stars(count: usize, seed: u64) -> Vec<Star> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            let dir = loop {
                let v = Vec3::new(
                    rng.random_range(-1.0..1.0),
                    rng.random_range(-1.0..1.0),
                    rng.random_range(-1.0..1.0),
                );
                let l = v.length_squared();
                if l > 0.01 && l <= 1.0 {
                    break v.normalize();
                }
            };
            let radius = rng.random_range(120.0f32..900.0);
            let p = dir * radius;
            let kind: f32 = rng.random();
            let color = if kind < 0.55 {
                [0.85, 0.9, 1.0]
            } else if kind < 0.8 {
                [0.65, 0.78, 1.0]
            } else if kind < 0.93 {
                [1.0, 0.92, 0.75]
            } else {
                [1.0, 0.72, 0.5]
            };
            let u: f32 = rng.random();
            let size = 0.6 + 2.4 * u.powf(6.0);
            Star {
                position: [p.x, p.y, p.z],
                color,
                size,
            }
        })
        .collect()
}

pub fn star_mesh(stars: &[Star]) -> Mesh {
    let mut positions = Vec::with_capacity(stars.len() * 4);
    let mut corners = Vec::with_capacity(stars.len() * 4);
    let mut colors = Vec::with_capacity(stars.len() * 4);
    let mut indices = Vec::with_capacity(stars.len() * 6);
    for (i, s) in stars.iter().enumerate() {
        let base = (i * 4) as u32;
        for corner in [[-1.0f32, -1.0], [1.0, -1.0], [1.0, 1.0], [-1.0, 1.0]] {
            positions.push(s.position);
            corners.push(corner);
            colors.push([s.color[0], s.color[1], s.color[2], s.size]);
        }
        indices.extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
    }
    let mut mesh = Mesh::new(PrimitiveTopology::TriangleList, RenderAssetUsages::RENDER_WORLD);
    mesh.insert_attribute(Mesh::ATTRIBUTE_POSITION, positions);
    mesh.insert_attribute(ATTRIBUTE_CORNER, corners);
    mesh.insert_attribute(ATTRIBUTE_STAR, colors);
    mesh.insert_indices(Indices::U32(indices));
    mesh
}

#[derive(Resource)]
struct Sky {
    material: Handle<StarMaterial>,
}

pub fn plugin(app: &mut App) {
    app.world_mut()
        .resource_mut::<bevy::asset::io::embedded::EmbeddedAssetRegistry>()
        .insert_asset(
            std::path::PathBuf::new(),
            std::path::Path::new("venue_kiosk/shaders/starfield.wgsl"),
            include_bytes!("../../shaders/starfield.wgsl").as_slice(),
        );
    app.add_plugins(MaterialPlugin::<StarMaterial>::default())
        .add_systems(Startup, spawn_sky)
        .add_systems(Update, animate_sky.in_set(AppSystems::Present));
}

fn spawn_sky(
    mut commands: Commands,
    config: Res<crate::config::Config>,
    mut meshes: ResMut<Assets<Mesh>>,
    mut materials: ResMut<Assets<StarMaterial>>,
) {
    let stars = generate_stars(config.schedule.stars as usize, 0x5EED_57A2);
    let material = materials.add(StarMaterial {
        params: Vec4::new(1.0, 0.35, 1.0, 0.0),
    });
    commands.spawn((
        Name::new("Starfield"),
        Mesh3d(meshes.add(star_mesh(&stars))),
        MeshMaterial3d(material.clone()),
        Transform::default(),
        NoFrustumCulling,
    ));
    commands.insert_resource(Sky { material });
}

/// The twinkle is a function of the venue clock, so screens side by side agree.
fn animate_sky(clock: Res<VenueClock>, sky: Res<Sky>, mut materials: ResMut<Assets<StarMaterial>>) {
    let secs = (clock.now().timestamp_millis().rem_euclid(3_600_000)) as f32 / 1000.0;
    if let Some(mut m) = materials.get_mut(&sky.material) {
        m.params.w = secs;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_sky() {
        assert_eq!(generate_stars(100, 1), generate_stars(100, 1));
        assert_ne!(generate_stars(100, 1), generate_stars(100, 2));
    }

    #[test]
    fn stars_fill_the_shell_with_mostly_small_sizes() {
        let stars = generate_stars(5000, 3);
        assert!(stars.iter().all(|s| {
            let r = Vec3::from(s.position).length();
            (119.0..=901.0).contains(&r)
        }));
        let big = stars.iter().filter(|s| s.size > 1.5).count();
        assert!(big > 10 && big < 1000, "a few bright stars: {big}");
        let mesh = star_mesh(&stars[..10]);
        assert_eq!(mesh.count_vertices(), 40);
    }
}
