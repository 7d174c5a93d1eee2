//! Operator panel (egui), toggled with F1: switch screens, see the feed's health and recent errors,
//! and how the renderer was set up. Hidden by default so the audience never sees it.

use bevy::ecs::system::SystemParam;
use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};

use crate::feed::{FeedLog, FeedState, FeedStatus};
use crate::frame::AppSystems;
use crate::screens::Screen;
use crate::shell::display::RenderProfile;
use crate::shell::sound::{SoundOutput, SoundSettings};

#[derive(Resource, Default)]
pub struct OperatorPanel {
    pub open: bool,
}

/// The broadcast form: what the organiser types, and how the last send went.
#[derive(Resource)]
struct BroadcastForm {
    text: String,
    priority: &'static str,
    minutes: u32,
    status: Option<String>,
    answer: Option<crossbeam_channel::Receiver<Result<String, String>>>,
    /// What is being sent: out of the box, so a second Enter cannot send it twice; back in the box
    /// when the send fails.
    in_flight: Option<String>,
    /// "Expire now" calls under way, by message id, and their answers.
    expiring: Vec<(String, crossbeam_channel::Receiver<Result<usize, String>>)>,
}

impl Default for BroadcastForm {
    fn default() -> Self {
        Self {
            text: String::new(),
            priority: "normal",
            minutes: 30,
            status: None,
            answer: None,
            in_flight: None,
            expiring: Vec::new(),
        }
    }
}

impl BroadcastForm {
    /// Takes the typed text for sending and empties the box; `None` when there is nothing to send
    /// or a send is under way.
    fn take_for_sending(&mut self) -> Option<String> {
        let text = self.text.trim().to_string();
        if text.is_empty() || self.in_flight.is_some() {
            return None;
        }
        self.text.clear();
        self.in_flight = Some(text.clone());
        self.status = Some("sending…".into());
        Some(text)
    }

    /// The server's answer to the send: sent (the box stays empty), or the text back in the box.
    fn sent(&mut self, result: Result<String, String>) {
        let text = self.in_flight.take().unwrap_or_default();
        self.status = Some(match result {
            Ok(id) => format!("sent ({id}); screens show it within one poll"),
            Err(e) => {
                if self.text.trim().is_empty() {
                    self.text = text;
                }
                format!("not sent: {e}")
            }
        });
    }
}

pub fn plugin(app: &mut App) {
    app.init_resource::<OperatorPanel>()
        .init_resource::<BroadcastForm>()
        .add_systems(Update, toggle_panel.in_set(AppSystems::RecordInput))
        .add_systems(EguiPrimaryContextPass, draw_panel);
}

fn toggle_panel(keys: Res<ButtonInput<KeyCode>>, mut panel: ResMut<OperatorPanel>) {
    if keys.just_pressed(KeyCode::F1) {
        panel.open = !panel.open;
    }
}

/// What the panel reports: the feed's health, its recent errors, the renderer.
#[derive(SystemParam)]
struct PanelFacts<'w> {
    status: Res<'w, FeedStatus>,
    feed: Res<'w, FeedState>,
    log: Res<'w, FeedLog>,
    profile: Option<Res<'w, RenderProfile>>,
}

/// What the panel drives: the screen on show and the game.
#[derive(SystemParam)]
struct PanelControls<'w> {
    screen: Res<'w, State<Screen>>,
    next: ResMut<'w, NextState<Screen>>,
    game: Option<Res<'w, crate::screens::game::Game>>,
    desk: Option<ResMut<'w, crate::screens::draw::DrawDesk>>,
    game_commands: MessageWriter<'w, crate::screens::game::GameCommand>,
}

/// The stage's sound: volume and mute, and whether there is an output at all.
#[derive(SystemParam)]
struct PanelSound<'w> {
    settings: Option<ResMut<'w, SoundSettings>>,
    output: Option<Res<'w, SoundOutput>>,
}

fn draw_panel(
    mut contexts: EguiContexts,
    mut panel: ResMut<OperatorPanel>,
    facts: PanelFacts,
    controls: PanelControls,
    config: Res<crate::config::Config>,
    mut form: ResMut<BroadcastForm>,
    mut sound: PanelSound,
) {
    let PanelFacts {
        status,
        feed,
        log,
        profile,
    } = facts;
    let PanelControls {
        screen,
        mut next,
        game,
        mut desk,
        mut game_commands,
    } = controls;
    if !panel.open {
        return;
    }
    let Ok(ctx) = contexts.ctx_mut() else { return };
    let mut open = panel.open;
    egui::Window::new("Operator · 운영자")
        .open(&mut open)
        .default_width(420.0)
        .show(ctx, |ui| {
            ui.horizontal(|ui| {
                for (label, target) in [
                    ("F2 Schedule", Screen::Schedule),
                    ("F3 Lucky draw", Screen::LuckyDraw),
                    ("F4 Game", Screen::CubeGame),
                    ("F9 Casino", Screen::Casino),
                ] {
                    if ui.selectable_label(*screen.get() == target, label).clicked() {
                        crate::screens::request_screen(target, *screen.get(), desk.as_deref_mut(), &mut next);
                    }
                }
            });
            ui.separator();
            ui.label(format!("Event: {}", feed.event_name().unwrap_or("—")));
            ui.label(format!("Feed: {}", status.summary(|t| t.format("%H:%M:%S UTC").to_string())));
            if let Some(error) = &status.last_error {
                ui.colored_label(egui::Color32::from_rgb(240, 90, 90), error);
            }
            if let Some(p) = profile {
                ui.label(format!("Render: {} ({})", if p.high { "high" } else { "low" }, p.reason));
            }
            if let Some(settings) = sound.settings.as_mut() {
                sound_controls(ui, settings, sound.output.as_deref().copied());
            }
            if *screen.get() == Screen::CubeGame
                && let Some(game) = game.as_deref()
            {
                use crate::screens::game::GameCommand;
                ui.separator();
                ui.label(format!(
                    "Game {} · {} · {} of {} rounds played",
                    game.session.game_id,
                    game.session.phase_name(),
                    game.session.board.rounds_played(),
                    game.session.rounds.len()
                ));
                ui.horizontal(|ui| {
                    for (label, command) in [
                        ("Next (Enter)", GameCommand::Next),
                        ("Pause/resume (F8)", GameCommand::Pause),
                        ("Restart round (F5)", GameCommand::RestartRound),
                        ("End round (F6)", GameCommand::EndRound),
                        ("Calibrate (F7)", GameCommand::Calibrate),
                    ] {
                        if ui.button(label).clicked() {
                            game_commands.write(command);
                        }
                    }
                });
                ui.horizontal(|ui| {
                    ui.label(format!(
                        "Game sound plays {:.0} ms early (input correction {:.0} ms)",
                        game.session.sound_latency_ms, game.session.calibration_ms
                    ));
                    if ui.button("Calibrate by ear (Shift+F7)").clicked() {
                        game_commands.write(GameCommand::CalibrateSound);
                    }
                });
            }
            if let Some(server) = crate::feed::outbox::OutboxConfig::from_config(&config.feed) {
                broadcast(ui, &mut form, server, &feed);
            }
            ui.collapsing("Recent feed errors", |ui| {
                if log.recent.is_empty() {
                    ui.label("none");
                }
                for line in log.recent.iter().rev().take(12) {
                    ui.monospace(line);
                }
            });
            ui.small("Quit: Ctrl+Shift+Q · this panel: F1");
        });
    panel.open = open;
}

/// Mute and volume of the stage's sound, live; and a machine with no audio output says so.
fn sound_controls(ui: &mut egui::Ui, settings: &mut ResMut<SoundSettings>, output: Option<SoundOutput>) {
    ui.horizontal(|ui| {
        let (mut muted, mut percent) = (settings.muted, (settings.volume * 100.0).round() as u32);
        ui.label("Sound:");
        ui.checkbox(&mut muted, "Mute");
        ui.add(egui::Slider::new(&mut percent, 0..=100).text("% volume"));
        let volume = percent as f32 / 100.0;
        // Written only on a change, so the sound system sees a change only then.
        if muted != settings.muted || (volume - settings.volume).abs() > f32::EPSILON {
            settings.muted = muted;
            settings.volume = volume;
        }
        match output {
            Some(SoundOutput::Missing) => {
                ui.colored_label(egui::Color32::from_rgb(240, 170, 60), "no audio output: silent");
            }
            Some(SoundOutput::Probing) => {
                ui.label("looking for an output…");
            }
            _ => {}
        }
    });
}

/// Type a message, send it to the event server; every screen shows it within one poll. The
/// messages showing now are listed, each with "Expire now".
fn broadcast(ui: &mut egui::Ui, form: &mut BroadcastForm, server: crate::feed::outbox::OutboxConfig, feed: &FeedState) {
    if let Some(rx) = &form.answer
        && let Ok(result) = rx.try_recv()
    {
        form.sent(result);
        form.answer = None;
    }
    form.expiring.retain(|(id, rx)| match rx.try_recv() {
        Ok(result) => {
            form.status = Some(match result {
                Ok(_) => format!("expired {id}; screens drop it within one poll"),
                Err(e) => format!("{id} not expired: {e}"),
            });
            false
        }
        Err(crossbeam_channel::TryRecvError::Empty) => true,
        Err(crossbeam_channel::TryRecvError::Disconnected) => false,
    });
    ui.separator();
    ui.label("Broadcast to every screen · 전체 공지");
    ui.add(
        egui::TextEdit::multiline(&mut form.text)
            .desired_rows(2)
            .hint_text("Keynote moved to Hall B …"),
    );
    ui.horizontal(|ui| {
        for p in ["info", "normal", "urgent"] {
            if ui.selectable_label(form.priority == p, p).clicked() {
                form.priority = p;
            }
        }
        ui.add(egui::Slider::new(&mut form.minutes, 5..=240).text("min"));
    });
    let sending = form.in_flight.is_some();
    if ui
        .add_enabled(!form.text.trim().is_empty() && !sending, egui::Button::new("Send"))
        .clicked()
        && let Some(text) = form.take_for_sending()
    {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let (priority, expires) = (
            form.priority,
            chrono::Utc::now() + chrono::Duration::minutes(i64::from(form.minutes)),
        );
        // The network never touches a frame: the post runs on its own thread.
        let server = server.clone();
        std::thread::spawn(move || {
            let _ = tx.send(crate::feed::outbox::post_broadcast(&server, &text, priority, expires));
        });
        form.answer = Some(rx);
    }
    if let Some(status) = &form.status {
        ui.label(status);
    }
    let now = chrono::Utc::now();
    let showing: Vec<_> = feed
        .messages
        .as_deref()
        .map(|m| m.messages.iter().filter(|m| m.starts <= now && now < m.expires).collect())
        .unwrap_or_default();
    ui.label(format!("Showing now: {}", showing.len()));
    for message in showing {
        ui.horizontal_wrapped(|ui| {
            let busy = form.expiring.iter().any(|(id, _)| *id == message.id);
            if ui.add_enabled(!busy, egui::Button::new("Expire now")).clicked() {
                let (tx, rx) = crossbeam_channel::bounded(1);
                let call = crate::feed::outbox::AdminCall {
                    method: reqwest::Method::POST,
                    segments: ["api", "v1", "admin", "messages", message.id.as_str(), "expire"]
                        .map(String::from)
                        .to_vec(),
                    content_type: None,
                    body: Vec::new(),
                };
                let server = server.clone();
                std::thread::spawn(move || {
                    let _ = tx.send(crate::feed::outbox::admin_calls(&server, &[call]));
                });
                form.expiring.push((message.id.clone(), rx));
            }
            let until = message.expires.with_timezone(&chrono::Utc).format("%H:%M UTC");
            ui.label(format!(
                "[{:?}] {} (until {until})",
                message.priority,
                crate::shell::ui::ellipsize(&message.text, 60)
            ));
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_broadcast_leaves_the_box_and_cannot_go_twice() {
        let mut form = BroadcastForm {
            text: "  Keynote moved to Hall B  ".into(),
            ..default()
        };
        assert_eq!(form.take_for_sending().as_deref(), Some("Keynote moved to Hall B"));
        assert!(form.text.is_empty(), "the box is cleared at once");
        assert_eq!(form.take_for_sending(), None, "a second Enter sends nothing");
        form.text = "next one".into();
        assert_eq!(form.take_for_sending(), None, "one send at a time");
        form.sent(Ok("m-1".into()));
        assert_eq!(form.text, "next one");
        assert!(form.status.as_deref().unwrap().contains("sent (m-1)"));
    }

    #[test]
    fn a_failed_broadcast_comes_back_to_the_box() {
        let mut form = BroadcastForm {
            text: "Lunch is served".into(),
            ..default()
        };
        form.take_for_sending().unwrap();
        form.sent(Err("cannot reach the server".into()));
        assert_eq!(form.text, "Lunch is served", "typed again? no: it is back");
        assert!(form.status.as_deref().unwrap().contains("not sent"));
        assert_eq!(form.take_for_sending().as_deref(), Some("Lunch is served"), "and can be retried");
    }
}
