//! `mysfits init`: write the built-in manifest out for editing.

use std::path::Path;

use crate::error::Error;
use crate::lab::manifest::{DEFAULT_MANIFEST, DEFAULT_NAME};
use crate::output::Printer;

pub fn run(force: bool, printer: &Printer) -> Result<(), Error> {
    let path = Path::new(DEFAULT_NAME);
    if path.exists() && !force {
        return Err(Error::FileExists(DEFAULT_NAME.into()));
    }
    std::fs::write(path, DEFAULT_MANIFEST).map_err(|source| Error::Write {
        path: DEFAULT_NAME.into(),
        source,
    })?;
    printer.success(&format!(
        "wrote {DEFAULT_NAME}: the Mythical Mysfits monolith and its like-service"
    ));
    printer.next("edit it, then set up the lab", "mysfits up");
    Ok(())
}
