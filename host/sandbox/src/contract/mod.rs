//! Which version of the `interop:connector` contract a component was built against, read from
//! its bytes before anything is compiled.
//!
//! Two marks say it:
//! - the name of the interface the component exports, `interop:connector/connector@X.Y.Z`,
//!   which every toolchain writes (Rust, Python, JavaScript alike);
//! - the `interop:contract-version` custom section the Rust SDK's `export_connector!` stamps
//!   into the core module (with `interop:sdk-version` beside it).
//!
//! A component whose marks disagree, or name a version this host does not speak, is refused
//! with the versions it does support. Compiling a component is seconds of CPU and native code
//! generated from untrusted input, so this check comes first.

pub(crate) mod call;
mod convert;
mod exports;
pub(crate) mod since_v0_1;
pub(crate) mod since_v0_2;

use wasmparser::{Parser, Payload};
use wasmtime::Store;
use wasmtime::component::{Component, Instance};

use call::{Answer, Request};

/// The newest contract version this host implements: what the SDKs build against.
pub const CONTRACT_VERSION: &str = since_v0_2::VERSION;

/// The versions this host accepts, as a message says them.
pub const SUPPORTED: &str = "0.1.x and 0.2.x";

/// The interface every connector exports, without its version.
pub(crate) const CONNECTOR_EXPORT: &str = "interop:connector/connector";

/// Every file of each released contract directory under `wit/`, with its SHA-256. A released
/// contract never changes; a test holds the files to these hashes (see `wit/README.md`).
pub const FROZEN: &[(&str, &[(&str, &str)])] = &[
    (
        "since_v0.1.0",
        &[
            (
                "connector.wit",
                "07363dee47f9a92032887d955dcd2da868fff29ad725720f4a29fe62252538ba",
            ),
            (
                "deps/cli/package.wit",
                "fb6ac5d23fcaf3d231142a3c2f9bb1e9bc1fe5af6f1f329f6b1a5555ce0d3873",
            ),
            (
                "deps/clocks/package.wit",
                "6ed8aa65bb8cbe224a0b2cbac9fc1b3bd25bdb17eda5ae0d23c983ed31c447cc",
            ),
            (
                "deps/filesystem/package.wit",
                "e675f261017bf9b4fa7df5b9701023fe0249ede71021ac1bf978748e62edcda8",
            ),
            (
                "deps/http/package.wit",
                "4bbd58f509700a6637385611f183c5bd5984d81feef85e29dfdc05ebd283045a",
            ),
            (
                "deps/io/package.wit",
                "96e206d00076fa0480df32c5bcf255a3fa4862805ac2f6b8537a781cce54f433",
            ),
            (
                "deps/random/package.wit",
                "48578c40213d5cab6650980905fa146a0be8c39c4433ee5e7e00637b87dbe08f",
            ),
            (
                "deps/sockets/package.wit",
                "ad38dbf3b0bbdf34c0f2b608edcbfee04d71b443a63faff1f5e0053c3f84b377",
            ),
        ],
    ),
    (
        "since_v0.2.0",
        &[
            (
                "connector.wit",
                "bf858186b3d0abb40b0b26d64d92b921e42ca72d9374a19b86014176b333ef0d",
            ),
            (
                "deps/cli/package.wit",
                "fb6ac5d23fcaf3d231142a3c2f9bb1e9bc1fe5af6f1f329f6b1a5555ce0d3873",
            ),
            (
                "deps/clocks/package.wit",
                "6ed8aa65bb8cbe224a0b2cbac9fc1b3bd25bdb17eda5ae0d23c983ed31c447cc",
            ),
            (
                "deps/filesystem/package.wit",
                "e675f261017bf9b4fa7df5b9701023fe0249ede71021ac1bf978748e62edcda8",
            ),
            (
                "deps/http/package.wit",
                "4bbd58f509700a6637385611f183c5bd5984d81feef85e29dfdc05ebd283045a",
            ),
            (
                "deps/io/package.wit",
                "96e206d00076fa0480df32c5bcf255a3fa4862805ac2f6b8537a781cce54f433",
            ),
            (
                "deps/random/package.wit",
                "48578c40213d5cab6650980905fa146a0be8c39c4433ee5e7e00637b87dbe08f",
            ),
            (
                "deps/sockets/package.wit",
                "ad38dbf3b0bbdf34c0f2b608edcbfee04d71b443a63faff1f5e0053c3f84b377",
            ),
        ],
    ),
];

/// Custom sections the Rust SDK stamps into the connector's core module.
const CONTRACT_SECTION: &str = "interop:contract-version";
const SDK_SECTION: &str = "interop:sdk-version";

/// What a component says about the contract it was built against.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stamp {
    /// The version in the exported `interop:connector/connector@…` name, if it exports one.
    pub exported: Option<String>,
    /// The version the SDK stamped, if it was built with the Rust SDK.
    pub stamped: Option<String>,
    /// The SDK version that stamped it.
    pub sdk: Option<String>,
}

impl Stamp {
    /// The contract version, from whichever mark is present (they agree when both are).
    pub fn version(&self) -> Option<&str> {
        self.exported.as_deref().or(self.stamped.as_deref())
    }
}

/// A component whose contract marks cannot be read: what is wrong with them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UnreadableStamp(pub String);

/// Read the stamp without compiling: the component's top-level exports, and custom sections
/// at any depth (the SDK's land in the nested core module).
///
/// # Errors
/// [`UnreadableStamp`] when the bytes do not parse as a component, or a mark is unreadable.
pub fn read(bytes: &[u8]) -> Result<Stamp, UnreadableStamp> {
    read_marks(bytes).map_err(UnreadableStamp)
}

fn read_marks(bytes: &[u8]) -> Result<Stamp, String> {
    let mut stamp = Stamp::default();
    // Depth of nesting: 0 is the outer component; nested modules and components raise it.
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| e.to_string())?;
        match payload {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentExportSection(exports) if depth == 0 => {
                for export in exports {
                    let export = export.map_err(|e| e.to_string())?;
                    let name = export.name.name;
                    if let Some((interface, version)) = name.split_once('@')
                        && interface == CONNECTOR_EXPORT
                    {
                        set_once(&mut stamp.exported, version, "exported interface")?;
                    } else if name == CONNECTOR_EXPORT {
                        set_once(&mut stamp.exported, "", "exported interface")?;
                    }
                }
            }
            Payload::CustomSection(section) => {
                let slot = match section.name() {
                    CONTRACT_SECTION => &mut stamp.stamped,
                    SDK_SECTION => &mut stamp.sdk,
                    _ => continue,
                };
                let text = std::str::from_utf8(section.data())
                    .ok()
                    .filter(|t| is_version(t))
                    .ok_or_else(|| {
                        format!(
                            "its `{}` section is not a version ({} bytes)",
                            section.name(),
                            section.data().len()
                        )
                    })?;
                set_once(slot, text, section.name())?;
            }
            _ => {}
        }
    }
    Ok(stamp)
}

/// Record a mark; the same mark twice must say the same thing.
fn set_once(slot: &mut Option<String>, value: &str, what: &str) -> Result<(), String> {
    match slot {
        Some(old) if old != value => Err(format!(
            "its {what} says two versions, {old:?} and {:?}",
            crate::text::neutralise(value, 40)
        )),
        _ => {
            *slot = Some(value.to_string());
            Ok(())
        }
    }
}

/// Short, printable, semver-shaped text: what a stamp may hold.
fn is_version(text: &str) -> bool {
    (1..=64).contains(&text.len())
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
}

/// A contract version this host binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    /// `0.1.x`.
    V0_1,
    /// `0.2.x`.
    V0_2,
}

/// Which of the versions this host speaks `version` is semver-compatible with: same major, and
/// for 0.x the same minor.
pub(crate) fn version_of(version: &str) -> Option<Version> {
    let mut parts = version.split('.');
    match (parts.next(), parts.next()) {
        (Some("0"), Some("1")) => Some(Version::V0_1),
        (Some("0"), Some("2")) => Some(Version::V0_2),
        _ => None,
    }
}

/// Does this host speak `version`?
pub(crate) fn compatible(version: &str) -> bool {
    version_of(version).is_some()
}

/// Why a stamp is refused, or `None` when this host speaks its version.
///
/// A component without any mark is left to the world check after compiling, which lists what
/// it does export.
pub fn refusal(stamp: &Stamp) -> Option<String> {
    let shown = |v: &str| format!("{:?}", crate::text::neutralise(v, 40));
    if let (Some(exported), Some(stamped)) = (&stamp.exported, &stamp.stamped)
        && exported != stamped
    {
        return Some(format!(
            "it exports contract version {} but its SDK stamp says {}; rebuild it with one SDK",
            shown(exported),
            shown(stamped)
        ));
    }
    let version = stamp.version()?;
    if compatible(version) {
        return None;
    }
    let built = match &stamp.sdk {
        Some(sdk) => format!(" (interop-sdk {})", shown(sdk)),
        None => String::new(),
    };
    Some(format!(
        "it was built against contract version {}{built}; this host supports {SUPPORTED}. Rebuild it with an interop-sdk for contract {CONTRACT_VERSION}, or run it on a host that speaks its version",
        shown(version)
    ))
}

/// A loaded connector's exports, bound by the module of the contract version it was built
/// against: the one place the host chooses a version. Everything above it speaks the host's
/// own types.
pub(crate) enum Exports {
    /// `interop:connector@0.1.x`.
    V0_1(since_v0_1::Exports),
    /// `interop:connector@0.2.x`.
    V0_2(since_v0_2::Exports),
}

impl Exports {
    /// Bind the connector export of `component`, which exports it at `version`. `None` when
    /// this host does not speak the version, or the functions cannot be found.
    pub(crate) fn of(component: &Component, version: &str) -> Option<Exports> {
        match version_of(version)? {
            Version::V0_1 => since_v0_1::Exports::of(component).map(Exports::V0_1),
            Version::V0_2 => since_v0_2::Exports::of(component).map(Exports::V0_2),
        }
    }

    /// Type-check every export `describe` does not itself look up: run when a connector is
    /// loaded, so a mistyped export is refused then rather than at its first call.
    pub(crate) fn check_all<T: Send>(
        &self,
        instance: &Instance,
        store: &mut Store<T>,
    ) -> wasmtime::Result<()> {
        match self {
            Exports::V0_1(e) => e.check_all(instance, store),
            Exports::V0_2(e) => e.check_all(instance, store),
        }
    }

    /// Make the call `request` names in `instance`.
    pub(crate) async fn call<T: Send>(
        &self,
        request: Request<'_>,
        instance: &Instance,
        store: &mut Store<T>,
    ) -> wasmtime::Result<Answer> {
        match self {
            Exports::V0_1(e) => e.call(request, instance, store).await,
            Exports::V0_2(e) => e.call(request, instance, store).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn component(export: &str, custom: &[(&str, &str)]) -> Vec<u8> {
        let sections: String = custom
            .iter()
            .map(|(name, data)| format!("(@custom \"{name}\" \"{data}\")"))
            .collect();
        wat::parse_str(format!(
            r#"(component
                (core module $m {sections} (func (export "f") (result i32) i32.const 7))
                (core instance $i (instantiate $m))
                (func $f (result u32) (canon lift (core func $i "f")))
                (instance $c (export "describe" (func $f)))
                (export "{export}" (instance $c))
            )"#
        ))
        .unwrap()
    }

    /// Relative paths of every file under `dir`, sorted.
    fn files(dir: &std::path::Path) -> Vec<String> {
        fn walk(root: &std::path::Path, dir: &std::path::Path, out: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(root, &path, out);
                } else {
                    let rel = path.strip_prefix(root).unwrap();
                    out.push(rel.to_string_lossy().replace('\\', "/"));
                }
            }
        }
        let mut out = Vec::new();
        walk(dir, dir, &mut out);
        out.sort();
        out
    }

    #[test]
    fn released_contracts_are_frozen() {
        use sha2::Digest;
        let wit = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../wit");
        for (dir, expected) in FROZEN {
            let root = wit.join(dir);
            let found = files(&root);
            let listed: Vec<String> = expected.iter().map(|(f, _)| f.to_string()).collect();
            assert_eq!(
                found, listed,
                "wit/{dir} is a released contract: its files may not be added or removed; make a new since_v directory (wit/README.md)"
            );
            for (file, sha) in *expected {
                let bytes = std::fs::read(root.join(file)).unwrap();
                assert_eq!(
                    hex::encode(sha2::Sha256::digest(&bytes)),
                    *sha,
                    "wit/{dir}/{file} is part of a released contract and changed; revert it and make a new since_v directory (wit/README.md)"
                );
            }
        }
    }

    #[test]
    fn the_host_speaks_its_newest_frozen_contract() {
        let (dir, _) = FROZEN.last().unwrap();
        assert_eq!(*dir, format!("since_v{CONTRACT_VERSION}"));
        let wit = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../../wit")
                .join(dir)
                .join("connector.wit"),
        )
        .unwrap();
        assert!(
            wit.starts_with(&format!("package interop:connector@{CONTRACT_VERSION};")),
            "{dir}/connector.wit declares another version"
        );
        assert!(compatible(CONTRACT_VERSION));
    }

    #[test]
    fn reads_the_export_and_the_sdk_stamp_from_a_nested_module() {
        let bytes = component(
            "interop:connector/connector@0.1.0",
            &[(CONTRACT_SECTION, "0.1.0"), (SDK_SECTION, "0.1.3")],
        );
        let stamp = read(&bytes).unwrap();
        assert_eq!(stamp.exported.as_deref(), Some("0.1.0"));
        assert_eq!(stamp.stamped.as_deref(), Some("0.1.0"));
        assert_eq!(stamp.sdk.as_deref(), Some("0.1.3"));
        assert_eq!(refusal(&stamp), None);
    }

    #[test]
    fn a_later_patch_release_of_a_version_it_speaks_is_accepted() {
        for v in ["0.1.0", "0.1.7", "0.1.0-rc.1", "0.2.0", "0.2.3"] {
            let stamp = read(&component(&format!("{CONNECTOR_EXPORT}@{v}"), &[])).unwrap();
            assert_eq!(refusal(&stamp), None, "{v}");
        }
    }

    #[test]
    fn another_minor_or_major_is_refused_with_the_supported_range() {
        for v in ["0.3.0", "1.0.0", "0.0.9"] {
            let stamp = read(&component(&format!("{CONNECTOR_EXPORT}@{v}"), &[])).unwrap();
            let why = refusal(&stamp).expect(v);
            assert!(why.contains(v) && why.contains(SUPPORTED), "{why}");
        }
    }

    #[test]
    fn the_sdk_stamp_names_the_sdk_in_the_refusal() {
        let stamp = read(&component(
            "interop:connector/connector@1.0.0",
            &[(CONTRACT_SECTION, "1.0.0"), (SDK_SECTION, "1.0.3")],
        ))
        .unwrap();
        let why = refusal(&stamp).unwrap();
        assert!(why.contains("interop-sdk \"1.0.3\""), "{why}");
    }

    #[test]
    fn marks_that_disagree_are_refused() {
        let stamp = read(&component(
            "interop:connector/connector@0.1.0",
            &[(CONTRACT_SECTION, "0.2.0")],
        ))
        .unwrap();
        let why = refusal(&stamp).unwrap();
        assert!(why.contains("SDK stamp"), "{why}");
    }

    #[test]
    fn an_unversioned_export_is_refused() {
        let stamp = read(&component("interop:connector/connector", &[])).unwrap();
        assert_eq!(stamp.exported.as_deref(), Some(""));
        assert!(refusal(&stamp).is_some());
    }

    #[test]
    fn no_mark_at_all_is_left_to_the_world_check() {
        let stamp = read(&component("example:other/thing@1.0.0", &[])).unwrap();
        assert_eq!(stamp, Stamp::default());
        assert_eq!(refusal(&stamp), None);
    }

    #[test]
    fn a_stamp_that_is_not_a_version_is_an_error() {
        let err = read(&component(
            "interop:connector/connector@0.1.0",
            &[(CONTRACT_SECTION, "\\1b[31mred")],
        ))
        .unwrap_err();
        assert!(err.0.contains("not a version"), "{err}");
    }

    #[test]
    fn two_different_stamps_are_an_error() {
        let err = read(&component(
            "interop:connector/connector@0.1.0",
            &[(CONTRACT_SECTION, "0.1.0"), (CONTRACT_SECTION, "0.1.1")],
        ))
        .unwrap_err();
        assert!(err.0.contains("two versions"), "{err}");
    }
}
