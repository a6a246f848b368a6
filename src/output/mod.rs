//! The only place that writes to the terminal.

mod printer;
mod progress;
pub mod table;

pub use printer::{Printer, Verbosity};
pub use progress::{ProgressLog, TermReporter};
