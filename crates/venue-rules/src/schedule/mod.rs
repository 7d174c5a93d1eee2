//! The schedule's rules: what runs now and next in each room, the camera tour over the rooms, and
//! what an upload would change.

pub mod diff;
pub mod now_next;
pub mod tour;
