// Aurora curtain for one track: a tall curved ribbon in the track's sector of the sky.
// Value-noise fbm shapes a waving lower edge and vertical rays that drift slowly; the colour is
// the track's, whitening at the brightest edge. Alpha 0 + AlphaMode::Add = additive light.
// Time comes from the venue clock (params.x), so screens side by side show the same curtain.
// Cost (a software rasteriser is fill-bound): the aurora camera draws the curtains at reduced
// resolution (scene.rs), the hash is arithmetic (no `sin`), and the rays' two fbm are skipped where
// the curtain is dark anyway.

#import bevy_pbr::forward_io::VertexOutput

struct AuroraSettings {
    color: vec4<f32>,
    // x: venue-clock seconds (wrapped), y: intensity, z: seed, w: focus 0..1
    params: vec4<f32>,
};
@group(#{MATERIAL_BIND_GROUP}) @binding(0) var<uniform> aurora: AuroraSettings;

// Hash without sine (Dave Hoskins, "hash12"): a few multiply-adds instead of a `sin` per corner.
fn hash2(p: vec2<f32>) -> f32 {
    var p3 = fract(vec3<f32>(p.x, p.y, p.x) * 0.1031);
    p3 = p3 + dot(p3, p3.yzx + 33.33);
    return fract((p3.x + p3.y) * p3.z);
}

fn noise(p: vec2<f32>) -> f32 {
    let i = floor(p);
    let f = fract(p);
    let u = f * f * (3.0 - 2.0 * f);
    let a = hash2(i);
    let b = hash2(i + vec2<f32>(1.0, 0.0));
    let c = hash2(i + vec2<f32>(0.0, 1.0));
    let d = hash2(i + vec2<f32>(1.0, 1.0));
    return mix(mix(a, b, u.x), mix(c, d, u.x), u.y);
}

fn fbm(p: vec2<f32>) -> f32 {
    var sum = 0.0;
    var amp = 0.5;
    var q = p;
    for (var i = 0; i < 3; i = i + 1) {
        sum = sum + amp * noise(q);
        q = q * 2.03 + vec2<f32>(1.7, 9.2);
        amp = amp * 0.5;
    }
    return sum;
}

@fragment
fn fragment(in: VertexOutput) -> @location(0) vec4<f32> {
    let t = aurora.params.x;
    let seed = aurora.params.z;
    let u = in.uv.x;
    let v = 1.0 - in.uv.y; // 0 at the bottom of the ribbon, 1 at the top
    // The curtain's lower edge waves slowly.
    let edge = 0.18 + 0.16 * (fbm(vec2<f32>(u * 2.5 + seed, t * 0.035)) - 0.5) * 2.0;
    let above = v - edge;
    let below_fade = exp(-max(-above, 0.0) * 28.0);
    let fade_up = exp(-max(above, 0.0) * 2.6);
    // Soft at every border of the ribbon, so no edge of the mesh is ever visible.
    let sides = smoothstep(0.0, 0.18, u) * smoothstep(1.0, 0.82, u) * smoothstep(0.0, 0.12, v) * smoothstep(1.0, 0.8, v);
    let envelope = fade_up * below_fade * sides;
    // Rays are at most 1.85x bright: below 1/512 of full light nothing would show.
    if envelope < 0.002 {
        return vec4<f32>(0.0, 0.0, 0.0, 0.0);
    }
    // Vertical rays: high frequency along the ribbon, warped by a slower field.
    let warp = fbm(vec2<f32>(u * 3.0 - t * 0.02, seed * 3.1)) * 2.5;
    let rays = fbm(vec2<f32>(u * 34.0 + warp, t * 0.12 + v * 0.6 + seed));
    let ray_light = 0.25 + 1.6 * rays * rays;
    let focus = aurora.params.w;
    let intensity = ray_light * envelope * aurora.params.y * (0.55 + 0.45 * focus);
    // Whiter where it is brightest, a cooler tint towards the top.
    let base = aurora.color.rgb;
    let top_tint = mix(base, vec3<f32>(base.b, base.r * 0.6, base.g) * 0.8 + base * 0.4, clamp(above * 1.5, 0.0, 1.0));
    let core = mix(top_tint, vec3<f32>(1.0, 1.0, 1.0), clamp(intensity - 0.9, 0.0, 0.5));
    return vec4<f32>(core * intensity, 0.0);
}
