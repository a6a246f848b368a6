//! The only place that writes to the terminal.

mod printer;
mod progress;
mod render;
pub mod table;

pub use printer::{Answer, Printer, Verbosity};
pub use progress::{ProgressLog, TermReporter};
pub use render::{lines, OutputFormat, Render};
