use clap::Parser;

use venue_kiosk::cli::{BenchCommand, Cli, Command};

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    if let Some(command) = &cli.command {
        return run_command(command);
    }
    let config = match cli.resolve_config() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("venue-kiosk: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    venue_kiosk::shell::panic::install_panic_hook();
    let memo = venue_kiosk::health::memo_path(&config);
    match venue_kiosk::app::build(&cli, config).run() {
        bevy::app::AppExit::Success => {
            // A deliberate quit: the next start shows the configured screen again.
            if let Some(mut saved) =
                venue_kiosk::health::read_memo(&memo).and_then(|text| serde_json::from_str::<venue_kiosk::health::ScreenMemo>(&text).ok())
            {
                saved.clean_exit = true;
                let _ = venue_kiosk::health::write_memo(&memo, &saved);
            }
            std::process::ExitCode::SUCCESS
        }
        bevy::app::AppExit::Error(code) => std::process::ExitCode::from(code.get()),
    }
}

fn run_command(command: &Command) -> std::process::ExitCode {
    match command {
        Command::VerifyDraw { audit_file, tickets_file } => {
            match venue_rules::draw::verify::verify_audit(audit_file, tickets_file.as_deref()) {
                Ok(report) => {
                    println!("{report}");
                    if report.ok {
                        std::process::ExitCode::SUCCESS
                    } else {
                        std::process::ExitCode::from(1)
                    }
                }
                Err(error) => {
                    eprintln!("venue-kiosk verify-draw: {error}");
                    std::process::ExitCode::from(2)
                }
            }
        }
        Command::Serve(args) => report("serve", venue_server::run_serve(args)),
        Command::Export(args) => report("export", venue_server::run_export(args)),
        Command::ChaosProxy(args) => report("chaos-proxy", venue_kiosk::tooling::chaos::run(args)),
        Command::BenchServer(args) => report("bench-server", venue_server::run_load_bench(args)),
        Command::Bench(BenchCommand::Startup(args)) => report(
            "bench startup",
            venue_kiosk::tooling::bench_startup::run(args.clone()).map_err(anyhow::Error::msg),
        ),
        Command::Bench(BenchCommand::Engines(args)) => report("bench engines", venue_rules::bench::run(args).map_err(anyhow::Error::msg)),
        Command::ExportWinners { journal, prize } => {
            let dir = if journal.is_dir() {
                journal.clone()
            } else {
                journal.parent().map(std::path::Path::to_path_buf).unwrap_or_default()
            };
            // Read without taking the journal: a kiosk may be drawing on it.
            match venue_rules::draw::journal::Journal::read(&dir) {
                Ok(replayed) => {
                    print!("{}", venue_rules::draw::journal::winners_csv(&replayed.records, prize.as_deref()));
                    std::process::ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("venue-kiosk export-winners: {error}");
                    std::process::ExitCode::from(2)
                }
            }
        }
    }
}

fn report(command: &str, result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("venue-kiosk {command}: {error:#}");
            std::process::ExitCode::from(1)
        }
    }
}
