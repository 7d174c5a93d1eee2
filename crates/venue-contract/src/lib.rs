//! The event contract (v1) between the event server and the kiosks, in plain Rust: the wire types,
//! decoding and validation of every endpoint's payload, the pretalx/frab import, the cleaning of
//! feed text, the project's one CSV reader/writer and ticket list reader, and the sample event compiled in.
//!
//! Must never depend on Bevy, tokio or an HTTP stack: the server, the kiosk and the tools all read
//! the contract through this crate, so it stays small and builds in seconds.

pub mod casino;
pub mod csv;
pub mod groups;
pub mod payload;
pub mod photo;
pub mod pretalx;
pub mod sample;
pub mod text;
pub mod ticket_csv;
pub mod wire;
