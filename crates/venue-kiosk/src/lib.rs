//! venue-kiosk: the Bevy app and the one binary. The screens (schedule, lucky draw, cube game) over
//! the shell every screen uses, fed by the event feed; rules come from `venue-rules`, the contract
//! from `venue-contract`, and `serve` from `venue-server`. See the README's "Layout".
//!
//! Module order is the dependency order: `app` wires everything; `screens` use `shell` and `feed`;
//! `shell` and `feed` never use a screen; `tooling` (benchmarks, captures, fault injection) may look
//! at screens only through what they expose for it.

pub mod app;
pub mod cli;
pub mod config;
pub mod feed;
pub mod frame;
pub mod health;
pub mod screens;
pub mod shell;
pub mod tooling;
