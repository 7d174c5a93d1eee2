//! The stage's sound: the screen on show says each frame what it wants heard ([`StageSound`]: a
//! track of cues from `venue_rules::sound`, or let what plays ring out, or silence); this module
//! plays it through Bevy's audio as one generated source per track ([`synth`]: no sound files, no
//! decoders), at the volume and mute of `[sound]` in the config and the F1 panel.
//!
//! Timing: a track's samples are placed by the clock, not by frames. The source is created with the
//! instant its `t = 0` is due; when the audio thread first pulls it, it starts at the sample for
//! that moment (a track that starts late, after an unmute or a restart mid-roll, joins mid-way).
//! The synthesis runs on the audio thread, never in a frame. Without an audio output the kiosk runs
//! silently, and says so once in the log and in the panel.

pub mod synth;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::audio::{AddAudioSource, AudioSink, AudioSinkPlayback, ChannelCount, Decodable, SampleRate, Source, Volume};
use bevy::prelude::*;

use crate::config::Config;
use crate::frame::AppSystems;
use crate::shell::emergency::Emergency;
use synth::{SAMPLE_RATE, Score};
use venue_rules::sound::Cue;

/// What the screen on show wants heard, written each frame by its sound system and read (then
/// reset to silence) after `Update`: a screen that says nothing is silent.
#[derive(Resource, Default)]
pub struct StageSound {
    wish: Wish,
    /// The key of the track playing (or that would play, were sound on).
    playing: Option<u64>,
    entity: Option<Entity>,
    /// Sound was off (muted, no output, an emergency) last frame.
    was_off: bool,
}

#[derive(Default)]
enum Wish {
    #[default]
    Silence,
    /// Start nothing; what plays rings out.
    LetRing,
    Start(u64, Track),
}

/// A track: cues on its own clock, whose `t = 0` is `origin_s` on the app's real clock
/// (`Time<Real>`'s elapsed seconds), played `latency_ms` early so it is heard on time.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub cues: Vec<Cue>,
    pub origin_s: f64,
    pub latency_ms: f64,
}

impl StageSound {
    /// Play the track named `key`; `track` builds it only when it is not the one playing.
    pub fn play(&mut self, key: u64, track: impl FnOnce() -> Track) {
        self.wish = if self.playing == Some(key) {
            Wish::LetRing
        } else {
            Wish::Start(key, track())
        };
    }

    /// Start nothing new and let what plays ring out (the fanfare after the reveal).
    pub fn let_ring(&mut self) {
        self.wish = Wish::LetRing;
    }
}

/// A key for a track from what identifies it.
pub fn track_key(parts: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    parts.hash(&mut hasher);
    hasher.finish()
}

/// Volume and mute, from `[sound]` in the config; the F1 panel changes them.
#[derive(Resource, Debug, Clone, Copy, PartialEq)]
pub struct SoundSettings {
    /// 0..=1.
    pub volume: f32,
    pub muted: bool,
}

impl SoundSettings {
    pub fn from_config(config: &Config) -> SoundSettings {
        SoundSettings {
            volume: config.sound.volume as f32 / 100.0,
            muted: config.sound.muted,
        }
    }

    fn audible(&self) -> bool {
        !self.muted && self.volume > 0.0
    }
}

/// Whether there is an audio output to play on, as found at start-up.
#[derive(Resource, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SoundOutput {
    #[default]
    Probing,
    Ready,
    /// No audio output: the kiosk runs silently.
    Missing,
}

/// A track as Bevy plays it: the rendered timeline and the instant its first sample is due.
#[derive(Asset, TypePath)]
pub struct Tune {
    score: Arc<Score>,
    origin: Instant,
}

impl Decodable for Tune {
    type Decoder = TuneDecoder;

    fn decoder(&self) -> TuneDecoder {
        TuneDecoder {
            score: self.score.clone(),
            origin: self.origin,
            next: None,
        }
    }
}

/// Samples of a [`Tune`], computed on the audio thread as they are pulled.
pub struct TuneDecoder {
    score: Arc<Score>,
    origin: Instant,
    /// The next sample's index; set by the clock on the first pull.
    next: Option<i64>,
}

/// The sample due at `now` of a timeline whose sample 0 is due at `origin`.
pub fn sample_due(origin: Instant, now: Instant) -> i64 {
    let rate = f64::from(SAMPLE_RATE);
    match now.checked_duration_since(origin) {
        Some(after) => (after.as_secs_f64() * rate).round() as i64,
        None => -((origin - now).as_secs_f64() * rate).round() as i64,
    }
}

impl Iterator for TuneDecoder {
    type Item = f32;

    fn next(&mut self) -> Option<f32> {
        let n = *self.next.get_or_insert_with(|| sample_due(self.origin, Instant::now()));
        if n >= self.score.end() {
            return None;
        }
        self.next = Some(n + 1);
        Some(self.score.sample(n))
    }
}

impl Source for TuneDecoder {
    fn current_span_len(&self) -> Option<usize> {
        None
    }

    fn channels(&self) -> ChannelCount {
        ChannelCount::MIN
    }

    fn sample_rate(&self) -> SampleRate {
        SampleRate::new(SAMPLE_RATE).unwrap_or(SampleRate::MIN)
    }

    fn total_duration(&self) -> Option<Duration> {
        None
    }
}

/// The start-up check for an audio output: a silent tune that gets a sink only when there is one.
#[derive(Component)]
struct Probe {
    frames: u32,
}

/// The entity of a playing track.
#[derive(Component)]
struct StageTrack;

pub fn plugin(app: &mut App) {
    let settings = app
        .world()
        .get_resource::<Config>()
        .map_or(SoundSettings { volume: 0.8, muted: false }, SoundSettings::from_config);
    app.add_audio_source::<Tune>()
        .insert_resource(settings)
        .init_resource::<StageSound>()
        .init_resource::<SoundOutput>()
        .add_systems(Startup, probe_output)
        .add_systems(Update, check_probe.in_set(AppSystems::Ingest))
        .add_systems(PostUpdate, play_wish);
}

fn probe_output(mut commands: Commands, mut tunes: ResMut<Assets<Tune>>) {
    let silent = tunes.add(Tune {
        score: Arc::new(Score::new(&[])),
        origin: Instant::now(),
    });
    commands.spawn((
        Name::new("Sound probe"),
        Probe { frames: 0 },
        AudioPlayer(silent),
        PlaybackSettings::ONCE,
    ));
}

/// Bevy gives the probe a sink on its first frame when there is an output; none after a few frames
/// means there is none. Said once, clearly (Bevy's own warning is filtered out of the log).
fn check_probe(mut commands: Commands, mut probes: Query<(Entity, &mut Probe, Has<AudioSink>)>, mut output: ResMut<SoundOutput>) {
    for (entity, mut probe, has_sink) in &mut probes {
        probe.frames += 1;
        if has_sink {
            info!("sound: playing on the default audio output");
            *output = SoundOutput::Ready;
        } else if probe.frames >= 4 {
            warn!("sound: no audio output device found; the kiosk runs silently (the F1 panel says so too)");
            *output = SoundOutput::Missing;
        } else {
            continue;
        }
        commands.entity(entity).despawn();
    }
}

/// Plays what the screen asked for this frame, then forgets the wish (silence unless asked again).
fn play_wish(
    mut commands: Commands,
    mut stage: ResMut<StageSound>,
    settings: Res<SoundSettings>,
    (output, emergency): (Res<SoundOutput>, Option<Res<State<Emergency>>>),
    mut tunes: ResMut<Assets<Tune>>,
    time: Res<Time<Real>>,
    mut sinks: Query<&mut AudioSink, With<StageTrack>>,
) {
    let wish = std::mem::take(&mut stage.wish);
    let off =
        !settings.audible() || *output == SoundOutput::Missing || emergency.is_some_and(|state| *state.get() == Emergency::TakingOver);
    if settings.is_changed() {
        for mut sink in &mut sinks {
            sink.set_volume(Volume::Linear(settings.volume));
        }
    }
    if (off || matches!(wish, Wish::Silence))
        && let Some(entity) = stage.entity.take()
    {
        commands.entity(entity).try_despawn();
    }
    if stage.was_off && !off {
        // Sound is back: the screen's track starts again, joining where it has got to.
        stage.playing = None;
    }
    stage.was_off = off;
    match wish {
        Wish::Silence => stage.playing = None,
        Wish::LetRing => {}
        Wish::Start(key, track) => {
            if let Some(entity) = stage.entity.take() {
                commands.entity(entity).try_despawn();
            }
            stage.playing = Some(key);
            if !off {
                let cues = venue_rules::sound::played_early(&track.cues, track.latency_ms);
                let origin = time.startup() + Duration::from_secs_f64(track.origin_s.max(0.0));
                let tune = tunes.add(Tune {
                    score: Arc::new(Score::new(&cues)),
                    origin,
                });
                let entity = commands
                    .spawn((
                        Name::new("Stage sound"),
                        StageTrack,
                        AudioPlayer(tune),
                        PlaybackSettings::DESPAWN.with_volume(Volume::Linear(settings.volume)),
                    ))
                    .id();
                stage.entity = Some(entity);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use venue_rules::sound::Voice;

    #[test]
    fn a_track_joins_at_the_sample_due_now() {
        let origin = Instant::now();
        assert_eq!(sample_due(origin, origin), 0);
        assert_eq!(sample_due(origin, origin + Duration::from_millis(500)), i64::from(SAMPLE_RATE) / 2);
        assert_eq!(sample_due(origin + Duration::from_millis(250), origin), -i64::from(SAMPLE_RATE) / 4);
        // A decoder pulled late starts mid-way and ends with its timeline.
        let score = Arc::new(Score::new(&[Cue {
            at_s: 0.0,
            voice: Voice::Drumroll { seconds: 1.0 },
        }]));
        let decoder = TuneDecoder {
            score: score.clone(),
            origin: Instant::now() - Duration::from_secs_f64(1.0),
            next: None,
        };
        let left = decoder.count() as i64;
        let whole = score.end();
        assert!(left < whole - i64::from(SAMPLE_RATE) * 9 / 10 && left > 0, "{left} of {whole}");
    }

    /// The screen's wish is built once per track, and a muted kiosk plays nothing.
    #[test]
    fn a_track_is_built_once_and_muted_plays_nothing() {
        let mut stage = StageSound::default();
        let mut built = 0;
        let track = || Track {
            cues: venue_rules::sound::draw_roll(4),
            origin_s: 0.0,
            latency_ms: 0.0,
        };
        stage.play(7, || {
            built += 1;
            track()
        });
        assert!(matches!(stage.wish, Wish::Start(7, _)));
        stage.playing = Some(7);
        stage.play(7, || {
            built += 1;
            track()
        });
        assert!(matches!(stage.wish, Wish::LetRing));
        assert_eq!(built, 1);

        let mut app = App::new();
        app.add_plugins((MinimalPlugins, AssetPlugin::default()))
            .init_asset::<Tune>()
            .insert_resource(SoundSettings { volume: 0.5, muted: true })
            .init_resource::<StageSound>()
            .init_resource::<SoundOutput>()
            .add_systems(PostUpdate, play_wish);
        app.world_mut().resource_mut::<StageSound>().play(1, track);
        app.update();
        assert_eq!(
            app.world_mut().query::<&StageTrack>().iter(app.world()).count(),
            0,
            "muted: nothing plays"
        );
        // Unmuted: the same track starts.
        app.world_mut().resource_mut::<SoundSettings>().muted = false;
        app.world_mut().resource_mut::<StageSound>().play(1, track);
        app.update();
        app.world_mut().resource_mut::<StageSound>().play(1, track);
        app.update();
        assert_eq!(
            app.world_mut().query::<&StageTrack>().iter(app.world()).count(),
            1,
            "unmuted: it plays"
        );
        // The screen says nothing: silence.
        app.update();
        assert_eq!(app.world_mut().query::<&StageTrack>().iter(app.world()).count(), 0);
    }
}
