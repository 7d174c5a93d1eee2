// Starfield: one mesh, four vertices per star. The vertex shader turns each star into a
// screen-facing quad of a fixed pixel size (shrinking with distance); the fragment shader draws
// a soft core with a gentle twinkle and returns alpha 0, which AlphaMode::Add makes additive.

#import bevy_pbr::mesh_functions::{get_world_from_local, mesh_position_local_to_world}
#import bevy_pbr::mesh_view_bindings::{view, globals}

struct StarSettings {
    // x: pixel size scale, y: twinkle amount, z: brightness, w: venue-clock seconds (wrapped)
    params: vec4<f32>,
};
@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> settings: StarSettings;

struct Vertex {
    @builtin(instance_index) instance_index: u32,
    @location(0) position: vec3<f32>,
    @location(1) corner: vec2<f32>,
    // rgb colour, a: size in pixels
    @location(2) color: vec4<f32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) corner: vec2<f32>,
    @location(1) color: vec3<f32>,
    @location(2) twinkle: f32,
};

fn hash(p: vec3<f32>) -> f32 {
    return fract(sin(dot(p, vec3<f32>(12.9898, 78.233, 37.719))) * 43758.5453);
}

@vertex
fn vertex(v: Vertex) -> VertexOut {
    var out: VertexOut;
    let world = mesh_position_local_to_world(get_world_from_local(v.instance_index), vec4<f32>(v.position, 1.0));
    var clip = view.clip_from_world * world;
    let distance = max(length(world.xyz - view.world_position), 1.0);
    let pixels = clamp(v.color.a * settings.params.x * 300.0 / distance, 1.2, 9.0);
    let viewport = max(view.viewport.zw, vec2<f32>(1.0, 1.0));
    clip = vec4<f32>(clip.xy + v.corner * pixels * 2.0 / viewport * clip.w, clip.zw);
    out.clip = clip;
    out.corner = v.corner;
    out.color = v.color.rgb;
    let phase = hash(v.position) * 6.2831;
    let speed = 0.6 + hash(v.position.zyx) * 1.8;
    out.twinkle = 1.0 - settings.params.y * (0.5 + 0.5 * sin(settings.params.w * speed + phase));
    return out;
}

@fragment
fn fragment(in: VertexOut) -> @location(0) vec4<f32> {
    let r2 = dot(in.corner, in.corner);
    let core = exp(-r2 * 6.0);
    let halo = exp(-r2 * 1.6) * 0.25;
    let intensity = (core + halo) * in.twinkle * settings.params.z;
    return vec4<f32>(in.color * intensity, 0.0);
}
