//! The schedule's rules: what runs now and next in each room, and the camera tour over the rooms.

pub mod now_next;
pub mod tour;
