use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = venue_kiosk::cli::Cli::parse();
    let config = match cli.resolve_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("venue-kiosk: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    match venue_kiosk::app::build(&cli, config).run() {
        bevy::app::AppExit::Success => std::process::ExitCode::SUCCESS,
        bevy::app::AppExit::Error(code) => std::process::ExitCode::from(code.get()),
    }
}
