//! The lucky draw's rules: who wins (engine), what is on record (journal), what anyone can check
//! afterwards (verify), what the operator's keys do (desk) and how the reels move (machine).

pub mod desk;
pub mod engine;
pub mod journal;
pub mod machine;
pub mod verify;
