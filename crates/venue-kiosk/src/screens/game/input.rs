//! Keys become game actions: team keys stamped on the game clock at the start of the frame that
//! received them, and the operator's keys and panel commands.

use bevy::input::ButtonState;
use bevy::input::keyboard::KeyboardInput;
use bevy::prelude::*;

use super::{Game, GameClock, GameCommand, RoundRecorder};
use chrono::Utc;
use venue_rules::game::journal::GameEntry;
use venue_rules::game::session::Phase;

/// Key-downs of team keys, stamped with the game clock of this frame (the earliest instant the
/// engine gives us; the benchmark reports the remaining quantization). Several keys in one frame
/// are all counted; key repeat is ignored, so a held key counts once.
pub(super) fn stamp_presses(mut keys: MessageReader<KeyboardInput>, game: Option<ResMut<Game>>, clock: GameClock) {
    let Some(mut game) = game else {
        keys.clear();
        return;
    };
    let now = clock.now_ms();
    for key in keys.read() {
        if key.repeat || key.state != ButtonState::Pressed {
            continue;
        }
        let name = format!("{:?}", key.key_code);
        let teams: Vec<usize> = game
            .session
            .teams
            .iter()
            .enumerate()
            .filter(|(_, t)| t.key == name)
            .map(|(i, _)| i)
            .collect();
        if teams.is_empty() && matches!(game.session.phase, Phase::Calibrating { .. }) && key.key_code == KeyCode::Space {
            // Anyone may tap Space along with the pulse.
            game.session.press(0, now);
        }
        for team in teams {
            game.session.press(team, now);
        }
    }
}

/// Enter = next (start, continue, podium), F5 = restart the round, F6 = end it now, F7 = calibrate,
/// Shift+F7 = calibrate the sound by ear, F8 = pause / resume.
pub(super) fn operator_keys(
    keys: Res<ButtonInput<KeyCode>>,
    mut commands: MessageReader<GameCommand>,
    game: Option<ResMut<Game>>,
    clock: GameClock,
    mut recorder: RoundRecorder,
) {
    let Some(mut game) = game else {
        commands.clear();
        return;
    };
    let now = clock.now_ms();
    let space_is_a_team_key = game.session.teams.iter().any(|t| t.key == "Space");
    let panel: Vec<GameCommand> = commands.read().copied().collect();
    let wants = |command: GameCommand, key: bool| key || panel.contains(&command);
    // Space is also the calibration's tap key: a late tap right after one must not start a round.
    let space_advances = !space_is_a_team_key && game.session.tap_key_may_advance(now) && keys.just_pressed(KeyCode::Space);
    if wants(GameCommand::Next, keys.just_pressed(KeyCode::Enter) || space_advances) {
        if game.session.phase == Phase::Podium {
            // The podium stays up until a second Enter confirms a new game.
            if game.session.confirm_new_game(now) {
                start_new_game(&mut game, &recorder);
            }
        } else {
            game.session.advance(now);
        }
    }
    if wants(GameCommand::Pause, keys.just_pressed(KeyCode::F8)) {
        game.session.toggle_pause(now);
    }
    if wants(GameCommand::RestartRound, keys.just_pressed(KeyCode::F5)) {
        game.session.restart_round(now);
    }
    let shift = keys.any_pressed([KeyCode::ShiftLeft, KeyCode::ShiftRight]);
    if wants(GameCommand::Calibrate, keys.just_pressed(KeyCode::F7) && !shift) {
        game.session.start_calibration(now);
    }
    if wants(GameCommand::CalibrateSound, keys.just_pressed(KeyCode::F7) && shift) {
        game.session.start_sound_calibration(now);
    }
    if wants(GameCommand::EndRound, keys.just_pressed(KeyCode::F6))
        && let Some(result) = game.session.skip_round(now)
    {
        recorder.record(&game.session.game_id, result);
    }
}

/// The same teams and rounds again, scores from 0, journaled as a new game (a restart resumes it).
fn start_new_game(game: &mut Game, recorder: &RoundRecorder) {
    game.session.restart_game(super::results::new_game_id());
    game.answered.clear();
    game.post_problem = None;
    info!("new game {} from the podium", game.session.game_id);
    recorder.note(GameEntry::Started {
        game_id: game.session.game_id.clone(),
        teams: game.session.teams.iter().map(|t| t.id.clone()).collect(),
        at: Utc::now(),
    });
}

/// `KeyA` → `A`, `Semicolon` → `;`: what players see on their keyboard.
pub fn key_label(key: &str) -> String {
    if let Some(letter) = key.strip_prefix("Key") {
        return letter.to_string();
    }
    if let Some(digit) = key.strip_prefix("Digit") {
        return digit.to_string();
    }
    match key {
        "Semicolon" => ";".into(),
        "Space" => "Space".into(),
        "Comma" => ",".into(),
        "Period" => ".".into(),
        "Slash" => "/".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_labels() {
        assert_eq!(key_label("KeyA"), "A");
        assert_eq!(key_label("Semicolon"), ";");
        assert_eq!(key_label("Digit7"), "7");
        assert_eq!(key_label("F9"), "F9");
    }
}
