//! The lucky draw's rules: who wins (engine), what is on record (journal), what anyone can check
//! afterwards (verify), what the event server checks of an anchored draw (anchor), what the
//! operator's keys do (desk), how the reels move (machine) and who
//! holds a prize after no-shows were replaced (outcome).

pub mod anchor;
pub mod desk;
pub mod engine;
pub mod journal;
pub mod machine;
pub mod outcome;
pub mod verify;
