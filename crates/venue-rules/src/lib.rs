//! Every pure rule and state machine of the venue, with their tests and the engine benchmarks:
//!
//! - [`attend`]: how attendees earn draw tickets, and how names are masked;
//! - [`draw`]: the seeded draw engine, its journal and `verify-draw`, the stage desk, the reel motion;
//! - [`game`]: the cube game's judge, session (phases, rounds, calibration), the cube net, its journal;
//! - [`casino`]: the live dice game *Casino* (*Las Vegas*): the deal, turns, tie-cancelling scoring, undo, replay from the move list;
//! - [`schedule`]: now/next per room, the camera tour over the rooms;
//! - [`broadcast`]: which messages a screen shows, and the emergency that takes it over;
//! - [`sound`]: when the stage sounds: the draw's drumroll, ticks and fanfare, the game's beat.
//!
//! Must never depend on Bevy, tokio, HTTP or anything that draws: rules take the time and the input
//! as arguments and return decisions, so a screen, a test and a benchmark all drive them the same way.

pub mod attend;
pub mod bench;
pub mod broadcast;
pub mod casino;
pub mod draw;
pub mod game;
pub mod schedule;
pub mod sound;
