//! `interop new`: a connector project that builds and passes the conformance kit as written,
//! with a tiny stand-in for the vendor's API (Python, standard library only), in Rust, Python
//! or JavaScript.
//!
//! Templates live in `host/templates/` and are compiled into the binary, with what each
//! project builds against: the Rust SDK's sources (`sdk/` and `sdk/pole/`, written into a Rust
//! project's `sdk/` folder), the Python and JavaScript helpers (`sdk/python/`, `sdk/js/`) and
//! the contract (`wit/since_v0.2.0/`). A project needs nothing from the interop sources, and
//! nothing in it names a path on the machine that built `interop`. `{{name}}` marks are
//! replaced in templates; the SDKs and the contract are copied as they are.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Languages a project can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Rust with the `interop-sdk` crate.
    Rust,
    /// Python, built with componentize-py.
    Python,
    /// JavaScript, built with ComponentizeJS.
    Js,
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
}

/// (path in the project, contents)
type Files = &'static [(&'static str, &'static str)];

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
const PYTHON: &[(&str, &str)] = &[
    ("app.py", include_str!("../templates/python/app.py.tmpl")),
    (
        "build.sh",
        include_str!("../templates/python/build.sh.tmpl"),
    ),
    (
        "README.md",
        include_str!("../templates/python/README.md.tmpl"),
    ),
    (".gitignore", "/.venv\n/*.wasm\n__pycache__/\n"),
];
const JS: &[(&str, &str)] = &[
    ("app.js", include_str!("../templates/js/app.js.tmpl")),
    ("build.sh", include_str!("../templates/js/build.sh.tmpl")),
    (
        "package.json",
        include_str!("../templates/js/package.json.tmpl"),
    ),
    ("README.md", include_str!("../templates/js/README.md.tmpl")),
    (".gitignore", "/node_modules\n/*.wasm\n"),
];

/// Copied as they are: the helpers a Python connector imports.
const PYTHON_HELPERS: &[(&str, &str)] = &[
    (
        "interop_connector/__init__.py",
        include_str!("../../sdk/python/interop_connector/__init__.py"),
    ),
    (
        "interop_connector/errors.py",
        include_str!("../../sdk/python/interop_connector/errors.py"),
    ),
    (
        "interop_connector/grading.py",
        include_str!("../../sdk/python/interop_connector/grading.py"),
    ),
    (
        "interop_connector/host.py",
        include_str!("../../sdk/python/interop_connector/host.py"),
    ),
    (
        "interop_connector/http.py",
        include_str!("../../sdk/python/interop_connector/http.py"),
    ),
    (
        "interop_connector/pole.py",
        include_str!("../../sdk/python/interop_connector/pole.py"),
    ),
    (
        "interop_connector/urls.py",
        include_str!("../../sdk/python/interop_connector/urls.py"),
    ),
    (
        "interop_connector/validate.py",
        include_str!("../../sdk/python/interop_connector/validate.py"),
    ),
    (
        "interop_connector/warm.py",
        include_str!("../../sdk/python/interop_connector/warm.py"),
    ),
];
/// Copied as they are: the helpers a JavaScript connector imports.
const JS_HELPERS: &[(&str, &str)] = &[
    (
        "interop-connector/errors.js",
        include_str!("../../sdk/js/errors.js"),
    ),
    (
        "interop-connector/grading.js",
        include_str!("../../sdk/js/grading.js"),
    ),
    (
        "interop-connector/host.js",
        include_str!("../../sdk/js/host.js"),
    ),
    (
        "interop-connector/http.js",
        include_str!("../../sdk/js/http.js"),
    ),
    (
        "interop-connector/pole.js",
        include_str!("../../sdk/js/pole.js"),
    ),
    (
        "interop-connector/validate.js",
        include_str!("../../sdk/js/validate.js"),
    ),
    (
        "interop-connector/warm.js",
        include_str!("../../sdk/js/warm.js"),
    ),
];
/// Copied as they are into a Rust project's `sdk/`: the `interop-sdk` crate (with its copy of
/// the contract, `wit/`) and the `interop-pole` crate it depends on, in `sdk/pole/`. Their
/// manifests inherit nothing from the interop workspace, so they build inside the project's.
const RUST_SDK: &[(&str, &str)] = &[
    ("sdk/Cargo.toml", include_str!("../../sdk/Cargo.toml")),
    ("sdk/README.md", include_str!("../../sdk/README.md")),
    ("sdk/src/lib.rs", include_str!("../../sdk/src/lib.rs")),
    ("sdk/src/config.rs", include_str!("../../sdk/src/config.rs")),
    ("sdk/src/http.rs", include_str!("../../sdk/src/http.rs")),
    ("sdk/src/log.rs", include_str!("../../sdk/src/log.rs")),
    ("sdk/src/pole.rs", include_str!("../../sdk/src/pole.rs")),
    ("sdk/src/time.rs", include_str!("../../sdk/src/time.rs")),
    (
        "sdk/wit/connector.wit",
        include_str!("../../sdk/wit/connector.wit"),
    ),
    (
        "sdk/wit/deps/cli/package.wit",
        include_str!("../../sdk/wit/deps/cli/package.wit"),
    ),
    (
        "sdk/wit/deps/clocks/package.wit",
        include_str!("../../sdk/wit/deps/clocks/package.wit"),
    ),
    (
        "sdk/wit/deps/filesystem/package.wit",
        include_str!("../../sdk/wit/deps/filesystem/package.wit"),
    ),
    (
        "sdk/wit/deps/http/package.wit",
        include_str!("../../sdk/wit/deps/http/package.wit"),
    ),
    (
        "sdk/wit/deps/io/package.wit",
        include_str!("../../sdk/wit/deps/io/package.wit"),
    ),
    (
        "sdk/wit/deps/random/package.wit",
        include_str!("../../sdk/wit/deps/random/package.wit"),
    ),
    (
        "sdk/wit/deps/sockets/package.wit",
        include_str!("../../sdk/wit/deps/sockets/package.wit"),
    ),
    (
        "sdk/pole/Cargo.toml",
        include_str!("../../sdk/pole/Cargo.toml"),
    ),
    (
        "sdk/pole/README.md",
        include_str!("../../sdk/pole/README.md"),
    ),
    (
        "sdk/pole/src/lib.rs",
        include_str!("../../sdk/pole/src/lib.rs"),
    ),
];

/// Copied as they are: the contract a Python or JavaScript project is built against.
const WIT: &[(&str, &str)] = &[
    (
        "wit/connector.wit",
        include_str!("../../wit/since_v0.2.0/connector.wit"),
    ),
    (
        "wit/deps/cli/package.wit",
        include_str!("../../wit/since_v0.2.0/deps/cli/package.wit"),
    ),
    (
        "wit/deps/clocks/package.wit",
        include_str!("../../wit/since_v0.2.0/deps/clocks/package.wit"),
    ),
    (
        "wit/deps/filesystem/package.wit",
        include_str!("../../wit/since_v0.2.0/deps/filesystem/package.wit"),
    ),
    (
        "wit/deps/http/package.wit",
        include_str!("../../wit/since_v0.2.0/deps/http/package.wit"),
    ),
    (
        "wit/deps/io/package.wit",
        include_str!("../../wit/since_v0.2.0/deps/io/package.wit"),
    ),
    (
        "wit/deps/random/package.wit",
        include_str!("../../wit/since_v0.2.0/deps/random/package.wit"),
    ),
    (
        "wit/deps/sockets/package.wit",
        include_str!("../../wit/since_v0.2.0/deps/sockets/package.wit"),
    ),
];

/// A name that cannot be a connector id: the message says what a good one looks like.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InvalidId(pub String);

/// Check a connector id: what `describe` may answer, and a package name.
///
/// # Errors
/// [`InvalidId`]: what is wrong and an example of a good one.
pub fn check_id(id: &str) -> Result<(), InvalidId> {
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
        Err(InvalidId(format!(
            "`{id}`: a connector id is 2–64 lower-case letters, digits and single `-`, starting with a letter, e.g. `acme-rms`"
        )))
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
/// A bad id, a directory in the way, a file that cannot be written.
pub fn create(project: &Project, dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    check_id(&project.id)?;
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
    let values = vec![
        ("id", project.id.clone()),
        ("crate", project.id.clone()),
        ("crate_file", project.id.replace('-', "_")),
        ("type", type_name(&project.id)),
        ("system", system.clone()),
        ("vendor", project.vendor.clone()),
    ];
    let (templates, verbatim): (Files, Vec<(&str, &str)>) = match project.lang {
        Lang::Rust => (RUST, RUST_SDK.to_vec()),
        Lang::Python => (PYTHON, [PYTHON_HELPERS, WIT].concat()),
        Lang::Js => (JS, [JS_HELPERS, WIT].concat()),
    };
    let mut written = Vec::new();
    let filled = templates
        .iter()
        .map(|(name, template)| (*name, fill(template, &values)))
        .chain(std::iter::once((
            "standin/standin.py",
            fill(STANDIN, &values),
        )))
        .chain(
            verbatim
                .iter()
                .map(|(name, text)| (*name, text.to_string())),
        );
    for (name, text) in filled {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        if name.ends_with(".sh") || name == "standin/standin.py" {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755))
                .with_context(|| format!("cannot make {} executable", path.display()))?;
        }
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
        for (lang, main, expect) in [
            (Lang::Rust, "src/lib.rs", "pub struct AcmeRms;"),
            (Lang::Python, "app.py", "CONNECTOR_ID = \"acme-rms\""),
            (Lang::Js, "app.js", "const CONNECTOR_ID = 'acme-rms';"),
        ] {
            let dir = std::env::temp_dir()
                .join(format!("interop-new-unit-{lang:?}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            let project = Project {
                id: "acme-rms".into(),
                vendor: "Acme Ltd (fictional)".into(),
                lang,
            };
            let files = create(&project, &dir).unwrap();
            let verbatim = ["sdk", "wit", "interop_connector", "interop-connector"];
            for f in files
                .iter()
                .filter(|f| !verbatim.iter().any(|v| f.starts_with(dir.join(v))))
            {
                let text = std::fs::read_to_string(f).unwrap();
                assert!(!text.contains("{{"), "{} keeps a mark", f.display());
            }
            let text = std::fs::read_to_string(dir.join(main)).unwrap();
            assert!(text.contains(expect), "{lang:?}: {main}");
            assert!(dir.join("standin/standin.py").is_file());
            if lang != Lang::Rust {
                assert!(dir.join("wit/connector.wit").is_file() && dir.join("build.sh").is_file());
            }
            let err = create(&project, &dir).unwrap_err().to_string();
            assert!(err.contains("not empty"), "{err}");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    /// Every file under `dir`, relative to it, skipping `skip` (relative folder names).
    fn files_under(dir: &Path, skip: &[&str]) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                if skip.contains(&rel.as_str()) {
                    continue;
                }
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push(rel);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn python_and_js_projects_carry_every_module_of_their_sdk() {
        // A module added to an SDK and imported by another is missing from every project
        // `interop new` writes unless it is listed: the lists are checked against the folders.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for (helpers, folder, copied_as, ext) in [
            (
                PYTHON_HELPERS,
                "sdk/python/interop_connector",
                "interop_connector",
                ".py",
            ),
            (JS_HELPERS, "sdk/js", "interop-connector", ".js"),
        ] {
            let mut on_disk: Vec<String> = std::fs::read_dir(root.join(folder))
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .filter(|name| name.ends_with(ext))
                .map(|name| format!("{copied_as}/{name}"))
                .collect();
            on_disk.sort();
            let mut embedded: Vec<String> = helpers.iter().map(|(p, _)| p.to_string()).collect();
            embedded.sort();
            assert_eq!(embedded, on_disk, "{folder}: every module must be listed");
        }
    }

    #[test]
    fn a_rust_project_carries_the_whole_sdk_and_its_contract_is_the_frozen_one() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        // Every source of the Rust SDK and of interop-pole is vendored, and nothing else.
        let on_disk: Vec<String> = files_under(
            &root.join("sdk"),
            &["python", "js", "target", "pole/target"],
        )
        .into_iter()
        .map(|f| format!("sdk/{f}"))
        .collect();
        let mut embedded: Vec<String> = RUST_SDK.iter().map(|(p, _)| p.to_string()).collect();
        embedded.sort();
        assert_eq!(
            embedded, on_disk,
            "RUST_SDK must list every file of sdk/ (Rust)"
        );
        for (path, text) in RUST_SDK {
            assert_eq!(
                std::fs::read_to_string(root.join(path)).unwrap(),
                *text,
                "{path}"
            );
        }
        // The SDK's contract is the frozen 0.2.0, byte for byte, as the other SDKs carry it.
        let frozen = files_under(&root.join("wit/since_v0.2.0"), &[]);
        let copy = files_under(&root.join("sdk/wit"), &[]);
        assert_eq!(frozen, copy);
        for f in &frozen {
            assert_eq!(
                std::fs::read(root.join("wit/since_v0.2.0").join(f)).unwrap(),
                std::fs::read(root.join("sdk/wit").join(f)).unwrap(),
                "sdk/wit/{f} differs from wit/since_v0.2.0/{f}"
            );
        }
        for (path, text) in WIT {
            let f = path.strip_prefix("wit/").unwrap();
            assert_eq!(
                std::fs::read_to_string(root.join("sdk/wit").join(f)).unwrap(),
                *text
            );
        }
        // The vendored manifests stand alone: nothing inherited from a workspace, every
        // dependency between them versioned.
        for (path, text) in RUST_SDK.iter().filter(|(p, _)| p.ends_with("Cargo.toml")) {
            let manifest: toml::Table = text.parse().unwrap();
            assert!(
                !text.contains(".workspace"),
                "{path} inherits from a workspace"
            );
            for (name, dep) in manifest["dependencies"].as_table().unwrap() {
                if let Some(dep) = dep.as_table()
                    && dep.contains_key("path")
                {
                    assert!(dep.contains_key("version"), "{path}: {name} is path-only");
                }
            }
        }
    }
}
