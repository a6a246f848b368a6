//! The built-in lab's sample apps, embedded so that `mysfits init` can write them next to
//! the manifest that names them: an installed binary needs no checkout to build them.

/// (path relative to the manifest, contents) of every file of the three sample apps.
pub const SAMPLE_FILES: &[(&str, &str)] = &[
    (
        "examples/monolith-service/Dockerfile",
        include_str!("../../../examples/monolith-service/Dockerfile"),
    ),
    (
        "examples/monolith-service/app.py",
        include_str!("../../../examples/monolith-service/app.py"),
    ),
    (
        "examples/monolith-service/mysfits_table.py",
        include_str!("../../../examples/monolith-service/mysfits_table.py"),
    ),
    (
        "examples/monolith-service/requirements.txt",
        include_str!("../../../examples/monolith-service/requirements.txt"),
    ),
    (
        "examples/like-service/Dockerfile",
        include_str!("../../../examples/like-service/Dockerfile"),
    ),
    (
        "examples/like-service/app.py",
        include_str!("../../../examples/like-service/app.py"),
    ),
    (
        "examples/like-service/requirements.txt",
        include_str!("../../../examples/like-service/requirements.txt"),
    ),
    (
        "examples/clicks-service/Dockerfile",
        include_str!("../../../examples/clicks-service/Dockerfile"),
    ),
    (
        "examples/clicks-service/app.py",
        include_str!("../../../examples/clicks-service/app.py"),
    ),
    (
        "examples/clicks-service/requirements.txt",
        include_str!("../../../examples/clicks-service/requirements.txt"),
    ),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Manifest, DEFAULT_MANIFEST};
    use std::path::Path;

    /// A file added to an example app and not listed here would be missing from every
    /// `mysfits init`; this catches it.
    #[test]
    fn every_file_of_the_sample_apps_is_embedded() {
        let root = Path::new(crate::REPO_ROOT);
        let m = Manifest::parse(DEFAULT_MANIFEST, "built-in", Path::new(".")).unwrap();
        let mut on_disk = Vec::new();
        for service in &m.services {
            let build = service
                .build
                .as_ref()
                .expect("the built-in services are built");
            for entry in std::fs::read_dir(root.join(build)).unwrap() {
                let entry = entry.unwrap();
                // Test runs of the apps leave bytecode caches; they are not sources.
                if entry.file_type().unwrap().is_file() {
                    on_disk.push(format!(
                        "{}/{}",
                        build.display(),
                        entry.file_name().to_string_lossy()
                    ));
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = SAMPLE_FILES.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }
}
