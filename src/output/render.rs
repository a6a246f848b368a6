//! A command's result, written once on stdout in the format asked: one JSON document
//! with `--output json`, its text rendering otherwise (Copilot's human/JSON stringer).

use super::Printer;

/// How results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// What a command returns: serializable, with a text form for people.
pub trait Render: serde::Serialize {
    /// Lines for stdout in text mode; by default none: everything was said on stderr.
    fn text(&self) -> String {
        String::new()
    }
}

impl Printer {
    pub fn render<R: Render>(&self, format: OutputFormat, result: &R) {
        match format {
            OutputFormat::Json => {
                self.data(&serde_json::to_string_pretty(result).expect("results serialize to JSON"))
            }
            OutputFormat::Text => {
                let text = result.text();
                if !text.is_empty() {
                    self.data(text.trim_end());
                }
            }
        }
    }
}

/// Lines joined for [`Render::text`].
pub fn lines(lines: Vec<String>) -> String {
    lines.join("\n")
}
