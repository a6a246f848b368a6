//! `mysfits completions SHELL` and `mysfits man`: generated from the clap definition, so
//! they never drift from `--help`.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::output::Render;

/// A generated text (a completion script, the man page, the template): printed as it is,
/// or as `{"<kind>": "…"}` in JSON.
#[derive(Debug)]
pub struct Generated {
    pub kind: &'static str,
    pub text: String,
}

impl serde::Serialize for Generated {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry(self.kind, &self.text)?;
        map.end()
    }
}

impl Render for Generated {
    fn text(&self) -> String {
        self.text.clone()
    }
}

pub fn completions(shell: clap_complete::Shell) -> Result<Generated, Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mysfits", &mut out);
    Ok(Generated {
        kind: "script",
        text: String::from_utf8_lossy(&out).trim_end().to_string(),
    })
}

pub fn man() -> Result<Generated, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|source| Error::Write {
            path: "the man page".into(),
            source,
        })?;
    Ok(Generated {
        kind: "man",
        text: String::from_utf8_lossy(&out).trim_end().to_string(),
    })
}
