//! Ctrl-C during a command: stop, say what was done and what was still pending, name
//! the command that resumes it (every step is idempotent) and the one that undoes it,
//! and exit 130 as shells expect of an interrupt.

use crate::cli::AwsCommand;
use crate::output::{Printer, ProgressLog};
use mysfits_lab::names::lab_flag;

/// The command line as typed, quoted for a shell where needed.
pub(crate) fn command_line() -> String {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quoted: Vec<String> = args.iter().map(|a| shell_quote(a)).collect();
    format!("mysfits {}", quoted.join(" "))
}

fn shell_quote(arg: &str) -> String {
    let plain = !arg.is_empty()
        && arg
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

/// How to take back what an interrupted command may have made.
fn undo(command: &AwsCommand, lab: &str) -> Option<String> {
    let flag = lab_flag(lab);
    match command {
        AwsCommand::Up(_) => Some(format!(
            "undo: `mysfits cleanup{flag}` deletes everything the lab has so far"
        )),
        AwsCommand::Split(args) => Some(format!(
            "undo: `mysfits merge {}{flag}` takes the split back",
            args.service.as_deref().unwrap_or("SERVICE")
        )),
        AwsCommand::Shift(args) => Some(format!(
            "the weight stays where it was set; `mysfits shift {} 0{flag}` sends all back to the default service",
            args.service
        )),
        AwsCommand::Deploy(_) => Some(format!(
            "a started rollout goes on in ECS, guarded by the circuit breaker: `mysfits status{flag}` shows it"
        )),
        AwsCommand::Run(_) => Some(format!(
            "a started task may still run: `mysfits cleanup{flag}` stops it with the rest of the lab"
        )),
        _ => None,
    }
}

/// Waits for Ctrl-C, then reports and exits 130. Runs beside the command, so it works
/// even while the command blocks (a question on the terminal).
pub fn watch(command: &AwsCommand, lab: &str, printer: &Printer, log: ProgressLog) {
    let line = command_line();
    let undo = undo(command, lab);
    let printer = printer.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        let (done, pending) = log.summary();
        let mut lines = Vec::new();
        lines.extend(done.iter().map(|d| format!("done: {d}")));
        lines.extend(
            pending
                .iter()
                .map(|p| format!("stopped while pending: {p}")),
        );
        let mut hints = vec![format!(
            "resume: `{line}` (it picks up where it stopped; every step is idempotent)"
        )];
        hints.extend(undo);
        printer.interrupted(
            &format!("interrupted: `{line}` stopped; nothing was cancelled on AWS"),
            &lines,
            &hints,
        );
        std::process::exit(130);
    });
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn arguments_are_quoted_only_when_a_shell_needs_it() {
        assert_eq!(shell_quote("like-service"), "like-service");
        assert_eq!(shell_quote("/mysfits/*/like"), "'/mysfits/*/like'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
    }
}
