// The aurora curtains, rendered at reduced resolution by the aurora camera (scene.rs), laid over the
// scene in one full-screen pass: the quad's vertices are already in clip space, the bilinear
// upscale keeps the soft curtains soft, and alpha 0 + AlphaMode::Add makes the light additive.

@group(#{MATERIAL_BIND_GROUP}) @binding(0) var aurora_texture: texture_2d<f32>;
@group(#{MATERIAL_BIND_GROUP}) @binding(1) var aurora_sampler: sampler;

struct Vertex {
    @location(0) position: vec3<f32>,
    @location(1) uv: vec2<f32>,
};

struct VertexOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) uv: vec2<f32>,
};

@vertex
fn vertex(v: Vertex) -> VertexOut {
    var out: VertexOut;
    // A 2x2 quad covers clip space exactly; depth in the middle of the range (nothing writes depth).
    out.clip = vec4<f32>(v.position.xy, 0.5, 1.0);
    out.uv = v.uv;
    return out;
}

@fragment
fn fragment(in: VertexOut) -> @location(0) vec4<f32> {
    let light = textureSample(aurora_texture, aurora_sampler, in.uv).rgb;
    return vec4<f32>(light, 0.0);
}
