//! The one writer of the terminal: data goes to stdout, diagnostics to stderr.

use std::io::Write;

use console::{style, StyledObject};

use indicatif::{MultiProgress, ProgressDrawTarget};

/// Styled for stderr: colour is decided by stderr's own terminal (and NO_COLOR,
/// CLICOLOR), so `2>file` gets no escapes even when stdout is a terminal.
pub(crate) fn styled<D>(value: D) -> StyledObject<D> {
    style(value).for_stderr()
}

/// How chatty the tool is: `-q` silences notes, `-v` adds detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

/// The answer to a yes/no question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Yes,
    No,
    /// Ctrl-C at the question.
    Interrupted,
}

#[derive(Debug, Clone)]
pub struct Printer {
    verbosity: Verbosity,
    /// Interactive progress (spinners, redrawn rows) only on a terminal outside CI.
    interactive: bool,
    /// The live progress area when interactive: every stderr line is written through
    /// it, so a note never lands inside a row that is being redrawn.
    multi: Option<MultiProgress>,
}

impl Printer {
    pub fn new(verbosity: Verbosity) -> Self {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
        let interactive = !ci && console::Term::stderr().is_term() && verbosity != Verbosity::Quiet;
        Self {
            verbosity,
            interactive,
            multi: interactive
                .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr())),
        }
    }

    pub fn interactive(&self) -> bool {
        self.interactive
    }

    pub(crate) fn multi(&self) -> Option<&MultiProgress> {
        self.multi.as_ref()
    }

    /// One line on stderr, above the live rows when there are any.
    pub(crate) fn line(&self, text: &str) {
        match &self.multi {
            Some(m) => m.suspend(|| eprintln!("{text}")),
            None => eprintln!("{text}"),
        }
    }

    /// Clears the live rows (an interrupt: what is printed next is the last word).
    pub(crate) fn clear_progress(&self) {
        if let Some(m) = &self.multi {
            let _ = m.clear();
        }
    }

    pub fn verbosity(&self) -> Verbosity {
        self.verbosity
    }

    /// Data for the user or a script: always printed, on stdout.
    pub fn data(&self, text: &str) {
        let write = || {
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "{text}");
        };
        match &self.multi {
            Some(m) => m.suspend(write),
            None => write(),
        }
    }

    /// A diagnostic line on stderr, hidden by `-q`.
    pub fn note(&self, text: &str) {
        if self.verbosity > Verbosity::Quiet {
            self.line(text);
        }
    }

    /// Detail shown only with `-v`.
    pub fn detail(&self, text: &str) {
        if self.verbosity >= Verbosity::Verbose {
            self.line(&styled(text).dim().to_string());
        }
    }

    /// A line of a tool's output (the image builder's) as it comes, under its progress
    /// row; hidden by `-q`.
    pub fn tool_output(&self, line: &str) {
        if self.verbosity > Verbosity::Quiet {
            self.line(&format!("    {}", styled(line).dim()));
        }
    }

    /// Something the user must know to finish the job (not an error); never hidden.
    pub fn remark(&self, text: &str) {
        self.line(&format!("{}: {text}", styled("note").cyan().bold()));
    }

    pub fn warn(&self, text: &str) {
        self.line(&format!("{}: {text}", styled("warning").yellow().bold()));
    }

    /// The command to run next, in the Copilot manner.
    pub fn next(&self, what: &str, command: &str) {
        self.note(&format!(
            "{} {what}: {}",
            styled("next:").cyan().bold(),
            styled(command).bold()
        ));
    }

    pub fn success(&self, text: &str) {
        self.note(&format!("{} {text}", styled("✔").green()));
    }

    /// Errors are never silenced, not even by `-q`.
    pub fn error(&self, message: &str, causes: &[String], hints: &[String]) {
        self.clear_progress();
        let mut lines = vec![format!("{}: {message}", styled("error").red().bold())];
        for cause in causes {
            lines.push(format!("  {} {cause}", styled("caused by:").dim()));
        }
        for hint in hints {
            lines.push(format!("{}: {hint}", styled("hint").cyan().bold()));
        }
        self.line(&lines.join("\n"));
    }

    /// The last word of an interrupted command: never silenced.
    pub fn interrupted(&self, message: &str, lines: &[String], hints: &[String]) {
        self.clear_progress();
        let mut out = vec![format!("{}: {message}", styled("error").red().bold())];
        out.extend(lines.iter().map(|l| format!("  {l}")));
        out.extend(
            hints
                .iter()
                .map(|h| format!("{}: {h}", styled("hint").cyan().bold())),
        );
        self.line(&out.join("\n"));
    }

    /// Asks a yes/no question on the terminal; without one the answer is no,
    /// so a script never deletes by accident.
    pub fn confirm(&self, question: &str) -> Answer {
        let term = console::Term::stderr();
        if !term.is_term() {
            return Answer::No;
        }
        let ask = || {
            eprint!("{question} [y/N] ");
            // The line is read with the terminal in raw mode, so Ctrl-C arrives as a key
            // and comes back as `Interrupted`, not as a signal.
            match term.read_line() {
                Ok(line) if matches!(line.trim(), "y" | "Y" | "yes") => Answer::Yes,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {
                    eprintln!();
                    Answer::Interrupted
                }
                _ => Answer::No,
            }
        };
        match &self.multi {
            Some(m) => m.suspend(ask),
            None => ask(),
        }
    }
}
