//! The one writer of the terminal: data goes to stdout, diagnostics to stderr.

use std::io::Write;

use console::style;

/// How chatty the tool is: `-q` silences notes, `-v` adds detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

#[derive(Debug, Clone)]
pub struct Printer {
    verbosity: Verbosity,
    /// Interactive progress (spinners, redrawn rows) only on a terminal outside CI.
    interactive: bool,
}

impl Printer {
    pub fn new(verbosity: Verbosity) -> Self {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let interactive = !ci && console::Term::stderr().is_term() && verbosity != Verbosity::Quiet;
        Self {
            verbosity,
            interactive,
        }
    }

    pub fn interactive(&self) -> bool {
        self.interactive
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Data for the user or a script: always printed, on stdout.
    pub fn data(&self, text: &str) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
    }

    /// A diagnostic line on stderr, hidden by `-q`.
    pub fn note(&self, text: &str) {
        if self.verbosity > Verbosity::Quiet {
            eprintln!("{text}");
        }
    }

    /// Detail shown only with `-v`.
    pub fn detail(&self, text: &str) {
        if self.verbosity >= Verbosity::Verbose {
            eprintln!("{}", style(text).dim());
        }
    }

    /// A line of a tool's output (the image builder's) as it comes, under its progress
    /// row; hidden by `-q`.
    pub fn tool_output(&self, line: &str) {
        if self.verbosity > Verbosity::Quiet {
            eprintln!("    {}", style(line).dim());
        }
    }

    pub fn warn(&self, text: &str) {
        eprintln!("{}: {text}", style("warning").yellow().bold());
    }

    /// The command to run next, in the Copilot manner.
    pub fn next(&self, what: &str, command: &str) {
        self.note(&format!(
            "{} {what}: {}",
            style("next:").cyan().bold(),
            style(command).bold()
        ));
    }

    pub fn success(&self, text: &str) {
        self.note(&format!("{} {text}", style("✔").green()));
    }

    /// Errors are never silenced, not even by `-q`.
    pub fn error(&self, message: &str, causes: &[String], hints: &[String]) {
        eprintln!("{}: {message}", style("error").red().bold());
        for cause in causes {
            eprintln!("  {} {cause}", style("caused by:").dim());
        }
        for hint in hints {
            eprintln!("{}: {hint}", style("hint").cyan().bold());
        }
    }

    /// Asks a yes/no question on the terminal; without one the answer is no,
    /// so a script never deletes by accident.
    pub fn confirm(&self, question: &str) -> bool {
        let term = console::Term::stderr();
        if !term.is_term() {
            return false;
        }
        eprint!("{question} [y/N] ");
        matches!(
            term.read_line().as_deref().map(str::trim),
            Ok("y" | "Y" | "yes")
        )
    }
}
