//! The attendee load bench without the kiosk binary (which pulls Bevy):
//! `cargo run -p venue-server --example attendee_bench -- ATTENDEES SECONDS [POSTGRES_ADMIN_URL]`,
//! the same as `venue-kiosk bench-server --attendees ATTENDEES --seconds SECONDS [--postgres URL]`.

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let attendees: u32 = args.next().as_deref().unwrap_or("2000").parse()?;
    let seconds: u64 = args.next().as_deref().unwrap_or("60").parse()?;
    let postgres = args.next();
    venue_server::run_load_bench(&venue_server::LoadBenchArgs {
        url: None,
        concurrency: 200,
        seconds,
        conditional: false,
        push: false,
        messages: 20,
        attendees: Some(attendees),
        postgres,
    })
}
