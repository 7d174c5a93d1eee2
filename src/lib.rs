//! venue-kiosk: the starfield schedule display, the lucky-draw machine and the cube-timing game,
//! fed by an event server over HTTP. See DEVELOPERS.md for the layout.

pub mod alloc_count;
pub mod app;
pub mod background;
pub mod bench;
pub mod bench_engines;
pub mod bench_startup;
pub mod capture;
pub mod chaos;
pub mod cli;
pub mod clock;
pub mod config;
pub mod csv;
pub mod display;
pub mod draw;
pub mod feed;
pub mod game;
pub mod health;
pub mod images;
pub mod operator;
pub mod schedule;
pub mod server;
pub mod ui;
