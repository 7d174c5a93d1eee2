//! The cube-timing game's rules: judging presses (judge), the flow of a game (session), the cube's
//! net and fold (net), and the record of rounds (journal).

pub mod journal;
pub mod judge;
pub mod net;
pub mod session;
