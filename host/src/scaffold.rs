//! `interop new`: a connector project that builds and passes the conformance kit as written,
//! with a tiny stand-in for the vendor's API (Python, standard library only).
//!
//! Templates live in `host/templates/` and are compiled into the binary; `{{name}}` marks are
//! replaced, nothing else is touched.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Languages a project can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Rust with the `interop-sdk` crate.
    Rust,
}

/// What the project is for.
#[derive(Debug, Clone)]
pub struct Project {
    /// The connector id, e.g. `acme-rms`: also the directory and package name.
    pub id: String,
    /// The vendor, as `describe` names it.
    pub vendor: String,
    /// The language.
    pub lang: Lang,
    /// The Rust SDK: a path to `sdk/` (the one this binary was built with, by default).
    pub sdk: Option<PathBuf>,
}

const STANDIN: &str = include_str!("../templates/standin/standin.py");
const RUST: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../templates/rust/Cargo.toml.tmpl"),
    ),
    (
        "src/lib.rs",
        include_str!("../templates/rust/src/lib.rs.tmpl"),
    ),
    (
        "README.md",
        include_str!("../templates/rust/README.md.tmpl"),
    ),
    (".gitignore", "/target\n"),
];

/// The SDK next to the sources this binary was built from, if it is still there.
pub fn default_sdk() -> Option<PathBuf> {
    let sdk = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sdk");
    sdk.join("Cargo.toml")
        .is_file()
        .then(|| std::path::absolute(&sdk).unwrap_or(sdk))
}

/// Check a connector id: what `describe` may answer, and a package name.
///
/// # Errors
/// What is wrong and an example of a good one.
pub fn check_id(id: &str) -> Result<(), String> {
    let ok = (2..=64).contains(&id.len())
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && !id.ends_with('-')
        && !id.contains("--")
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{id}`: a connector id is 2–64 lower-case letters, digits and single `-`, starting with a letter, e.g. `acme-rms`"
        ))
    }
}

/// `acme-rms` → `AcmeRms`.
fn type_name(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// `acme-rms` → `Acme RMS`: short words in capitals, as system names usually are.
fn system_name(id: &str) -> String {
    id.split('-')
        .map(|w| {
            if w.len() <= 3 {
                w.to_ascii_uppercase()
            } else {
                let mut c = w.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Replace every `{{key}}` with its value.
fn fill(template: &str, values: &[(&str, String)]) -> String {
    let mut out = template.to_string();
    for (key, value) in values {
        out = out.replace(&format!("{{{{{key}}}}}"), value);
    }
    out
}

/// Write the project into `dir` (which must not exist, or be empty). Returns the files written.
///
/// # Errors
/// A bad id, a directory in the way, no SDK found for Rust, a file that cannot be written.
pub fn create(project: &Project, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    check_id(&project.id).map_err(anyhow::Error::msg)?;
    if project.vendor.trim().is_empty() || project.vendor.contains(['"', '\\', '\n']) {
        bail!("--vendor: give the vendor's name, without quotes or backslashes");
    }
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        bail!(
            "{} exists and is not empty: choose another name or --dir",
            dir.display()
        );
    }
    let system = system_name(&project.id);
    let mut values = vec![
        ("id", project.id.clone()),
        ("crate", project.id.clone()),
        ("crate_file", project.id.replace('-', "_")),
        ("type", type_name(&project.id)),
        ("system", system.clone()),
        ("vendor", project.vendor.clone()),
    ];
    let files: &[(&str, &str)] = match project.lang {
        Lang::Rust => {
            let sdk = project.sdk.clone().or_else(default_sdk).ok_or_else(|| {
                anyhow::anyhow!(
                    "cannot find the interop SDK: pass --sdk PATH (the `sdk/` directory of the interop sources)"
                )
            })?;
            if !sdk.join("Cargo.toml").is_file() {
                bail!("--sdk {}: no Cargo.toml there", sdk.display());
            }
            let sdk = std::path::absolute(&sdk)?;
            values.push((
                "sdk_dependency",
                format!(
                    "interop-sdk = {{ path = {} }}",
                    toml::Value::String(sdk.display().to_string())
                ),
            ));
            RUST
        }
    };
    let mut written = Vec::new();
    for (name, template) in files
        .iter()
        .copied()
        .chain(std::iter::once(("standin/standin.py", STANDIN)))
    {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, fill(template, &values))
            .with_context(|| format!("cannot write {}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        assert!(check_id("acme-rms").is_ok());
        for bad in ["Acme", "1acme", "acme_rms", "acme--rms", "acme-", "a", ""] {
            assert!(check_id(bad).is_err(), "{bad}");
        }
        assert_eq!(type_name("acme-custody-2"), "AcmeCustody2");
        assert_eq!(system_name("acme-rms"), "Acme RMS");
    }

    #[test]
    fn every_mark_in_the_templates_is_filled() {
        let dir = std::env::temp_dir().join(format!("interop-new-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let project = Project {
            id: "acme-rms".into(),
            vendor: "Acme Ltd (fictional)".into(),
            lang: Lang::Rust,
            sdk: default_sdk(),
        };
        let files = create(&project, &dir).unwrap();
        for f in &files {
            let text = std::fs::read_to_string(f).unwrap();
            assert!(!text.contains("{{"), "{} keeps a mark", f.display());
        }
        let lib = std::fs::read_to_string(dir.join("src/lib.rs")).unwrap();
        assert!(lib.contains("pub struct AcmeRms;") && lib.contains("\"acme-rms\""));
        let err = create(&project, &dir).unwrap_err().to_string();
        assert!(err.contains("not empty"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
