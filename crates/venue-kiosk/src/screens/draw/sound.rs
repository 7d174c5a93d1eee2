//! The draw's sound: while the reels roll, the roll's track (`venue_rules::sound::draw_roll`: a
//! drumroll, a tick as each reel lands, the fanfare on the reveal) on the roll's own clock; after
//! the reveal the fanfare rings out; otherwise silence.

use bevy::prelude::*;

use super::DrawDesk;
use crate::config::Config;
use crate::shell::sound::{StageSound, Track, track_key};
use venue_rules::draw::desk::Stage;

pub(super) fn stage_sound(desk: Option<Res<DrawDesk>>, config: Res<Config>, sound: Option<ResMut<StageSound>>) {
    let (Some(desk), Some(mut sound)) = (desk, sound) else { return };
    match desk.0.stage {
        Stage::Rolling { sequence, started_s } => {
            let reels = desk.0.reel_count();
            sound.play(track_key(("draw", sequence, started_s.to_bits(), reels)), || Track {
                cues: venue_rules::sound::draw_roll(reels),
                origin_s: started_s,
                latency_ms: f64::from(config.sound.latency_ms),
            });
        }
        Stage::Revealed { .. } => sound.let_ring(),
        Stage::Idle | Stage::Anchoring { .. } | Stage::Committing => {}
    }
}
