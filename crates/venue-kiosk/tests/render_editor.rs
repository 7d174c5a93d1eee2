//! Render test of the prize editor's local override: the real binary under Xvfb + lavapipe starts
//! with a local prize list and ticket list (no event server) and the operator panel open. The stage
//! shows the local prizes and tickets; a prize whose photo file is broken shows the placeholder,
//! one whose photo is a good file shows the photo. Needs `xvfb-run` and Mesa's Vulkan drivers.

use std::ffi::OsStr;
use std::path::Path;

use serde_json::json;

mod common;

/// Runs the kiosk on the draw screen with `config`; returns the screenshot's texts.
fn render(name: &str, config: &Path, data: &Path, extra: &[&str]) -> String {
    let mut args: Vec<&OsStr> = vec![OsStr::new("--config"), config.as_os_str()];
    args.extend(["--mode", "draw", "--operator-panel"].map(OsStr::new));
    args.extend(extra.iter().map(OsStr::new));
    // Later than render.rs's 12 frames: the override and the journal are read in the background
    // first, and a busy 2-core CI box must not catch the screen before the desk is up.
    let shot = common::capture(
        name,
        (1920, 1080),
        40,
        &args,
        &[("XDG_CACHE_HOME", &data.join("cache")), ("XDG_DATA_HOME", &data.join("share"))],
    );
    assert!(
        shot.stderr.contains("local draw override in use"),
        "{name}: the override is read at start\n{}",
        shot.stderr
    );
    shot.texts
}

#[test]
fn local_prize_list_is_used_and_a_broken_photo_shows_a_placeholder() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    std::fs::create_dir_all(&journal).unwrap();
    let broken = dir.path().join("broken.jpg");
    std::fs::write(&broken, b"this is not a photo").unwrap();
    let good = format!("{}/../venue-contract/sample/prizes/coffee.jpg", env!("CARGO_MANIFEST_DIR"));
    let tickets: Vec<_> = (0..30)
        .map(|n| json!({"number": 7000 + n, "display_name": format!("로컬 {n}"), "holder": format!("h{n}"), "groups": if n % 3 == 0 { vec!["staff"] } else { vec![] }}))
        .collect();
    let local = json!({
        "version": 1,
        "prizes": [
            {"id": "local-tv", "name": "Local TV 로컬 경품", "image_url": broken.display().to_string(), "winner_count": 2, "order": 1, "excluded_groups": ["speaker", "staff"]},
            {"id": "local-mug", "name": "Local Mug", "image_url": good, "winner_count": 5, "order": 2, "batch_size": 5},
        ],
        "tickets": tickets,
    });
    std::fs::write(journal.join("local-draw.json"), serde_json::to_vec_pretty(&local).unwrap()).unwrap();
    let config = dir.path().join("kiosk.toml");
    std::fs::write(&config, format!("[draw]\njournal_dir = \"{}\"\n", journal.display())).unwrap();

    let texts = render("editor-local-broken-photo", &config, dir.path(), &[]);
    // The eligibility groups: a short line under the prize on stage, and in the F1 prize list.
    for needle in [
        "Local TV 로컬 경품",
        "photo unavailable",
        "30 in the pool",
        "0 of 2 winners drawn",
        "Speakers and staff excluded",
    ] {
        assert!(texts.contains(needle), "`{needle}` not on screen:\n{texts}");
    }
    let texts = render("editor-local-file-photo", &config, dir.path(), &["--prize", "local-mug"]);
    assert!(texts.contains("Local Mug"), "{texts}");
    assert!(
        !texts.contains("photo unavailable") && !texts.contains("no photo"),
        "the photo file is shown:\n{texts}"
    );
}

/// Pixels of egui's dark panel fill (grey 27, the F1 panels' background): the panels' footprint.
fn panel_pixels(img: &image::RgbImage) -> usize {
    img.pixels().filter(|p| p.0.iter().all(|&c| c.abs_diff(27) <= 1)).count()
}

/// `display.operator_window` (#20): the F1 panels (server URL, file paths, the draw desk) open in a
/// window of their own; the projected screen shows the stage only.
#[test]
fn operator_panels_open_in_their_own_window() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("journal");
    let write_config = |operator_window: bool| {
        let config = dir.path().join(format!("kiosk-{operator_window}.toml"));
        std::fs::write(
            &config,
            format!(
                "[display]\noperator_window = {operator_window}\n[draw]\njournal_dir = \"{}\"\n",
                journal.display()
            ),
        )
        .unwrap();
        config
    };
    let shot = |name: &str, config: &Path| {
        let args: Vec<&OsStr> = vec![
            OsStr::new("--config"),
            config.as_os_str(),
            OsStr::new("--mode"),
            OsStr::new("draw"),
            OsStr::new("--operator-panel"),
        ];
        common::capture(
            name,
            (1920, 1080),
            40,
            &args,
            &[
                ("XDG_CACHE_HOME", &dir.path().join("cache")),
                ("XDG_DATA_HOME", &dir.path().join("share")),
            ],
        )
    };
    // Over the stage (the default), the panel covers a good part of it.
    let over = shot("operator-panel-over-stage", &write_config(false));
    let on_stage = panel_pixels(&over.img);
    assert!(on_stage > 40_000, "the panel over the stage: {on_stage} pixels");
    // In its own window: the stage is clear, and the operator's window holds the panel.
    let apart = shot("operator-panel-window", &write_config(true));
    assert!(apart.stderr.contains("operator panels in their own window"), "{}", apart.stderr);
    let left_on_stage = panel_pixels(&apart.img);
    assert!(left_on_stage < 2_000, "panel pixels left on the stage: {left_on_stage}");
    let operator_png = common::screenshot_dir().join("operator-panel-window.png.operator.png");
    let operator = image::open(&operator_png)
        .unwrap_or_else(|e| panic!("{}: {e}", operator_png.display()))
        .to_rgb8();
    assert_eq!(operator.dimensions(), (1280, 800));
    let in_window = panel_pixels(&operator);
    assert!(in_window > 40_000, "the panel in the operator's window: {in_window} pixels");
}
