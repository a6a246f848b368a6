//! `mysfits completions SHELL` and `mysfits man`: generated from the clap definition, so
//! they never drift from `--help`.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::output::Printer;

pub fn completions(shell: clap_complete::Shell, printer: &Printer) -> Result<(), Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mysfits", &mut out);
    printer.data(String::from_utf8_lossy(&out).trim_end());
    Ok(())
}

pub fn man(printer: &Printer) -> Result<(), Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|source| Error::Write {
            path: "the man page".into(),
            source,
        })?;
    printer.data(String::from_utf8_lossy(&out).trim_end());
    Ok(())
}
