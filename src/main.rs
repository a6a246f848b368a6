//! `mysfits`: parse once, validate, run, and print any error with its causes and hints.

mod aws;
mod cli;
mod commands;
mod error;
mod help;
mod image;
mod output;
mod report;
mod settings;

use std::process::ExitCode;

use crate::output::Printer;
use crate::settings::Settings;

fn main() -> ExitCode {
    // Parsing happens before the runtime starts, so `--help` costs no threads.
    let cli = cli::Cli::parse_command_line();
    let printer = Printer::new(settings::verbosity(&cli.global));
    let lab_name = cli.global.lab.clone();
    let result = Settings::from_cli(cli).and_then(|settings| {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(error::Error::Runtime)?;
        runtime.block_on(commands::run(settings, &printer))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            printer.error(&err.to_string(), &err.causes(), &err.hints(&lab_name));
            ExitCode::from(err.exit_code())
        }
    }
}
