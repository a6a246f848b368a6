//! `mysfits completions SHELL`, `mysfits man` and `mysfits template`: generated from the
//! clap definition (so they never drift from `--help`) and from the manifest.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::error::Error;
use crate::output::Render;
use mysfits_lab::manifest::Manifest;

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

fn completions(shell: clap_complete::Shell) -> Result<Generated, Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mysfits", &mut out);
    Ok(Generated {
        kind: "script",
        text: String::from_utf8_lossy(&out).trim_end().to_string(),
    })
}

fn man() -> Result<Generated, Error> {
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

/// Which text is generated: the plan of `completions`, `man` and `template`.
#[derive(Debug, Clone, Copy)]
pub enum DocsPlan<'m> {
    Completions(clap_complete::Shell),
    Man,
    /// The core stack's template for the manifest (only this one needs it).
    Template(&'m Manifest),
}

/// The text the plan names.
pub fn generate(plan: DocsPlan<'_>) -> Result<Generated, Error> {
    match plan {
        DocsPlan::Completions(shell) => completions(shell),
        DocsPlan::Man => man(),
        // Attached, the stack is made from what `up` reads of the listener (its groups).
        DocsPlan::Template(manifest) if manifest.attach.is_some() => {
            Err(crate::error::AttachError::TemplateNeedsListener.into())
        }
        DocsPlan::Template(manifest) => Ok(Generated {
            kind: "template",
            text: mysfits_lab::template::render(manifest)
                .trim_end()
                .to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_is_generated_offline_under_its_kind() {
        let manifest = crate::commands::ctx::testing::manifest();
        let bash = generate(DocsPlan::Completions(clap_complete::Shell::Bash)).unwrap();
        assert_eq!(bash.kind, "script");
        assert!(bash.text.contains("mysfits"));
        let man = generate(DocsPlan::Man).unwrap();
        assert!(
            man.text.starts_with(".ie") || man.text.contains(".TH"),
            "{}",
            &man.text[..40]
        );
        let template = generate(DocsPlan::Template(&manifest)).unwrap();
        assert!(template.text.contains("AWSTemplateFormatVersion"));
        assert_eq!(
            serde_json::to_value(&template).unwrap()["template"],
            template.text
        );
    }
}
