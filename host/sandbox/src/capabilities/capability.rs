//! The one shape every capability has (as Spin's factors do): the interfaces it serves, its
//! slice of a policy file, and its part of the effective grant and of the review. Its per-call
//! state and linker wiring live in its module beside these; `crate::registry` lists them all
//! once.

use std::collections::BTreeMap;
use std::fmt::Debug;

use serde::Serialize;

use crate::findings::Findings;
use crate::inspect::Shape;
use crate::policy::error::PolicyError;
use crate::types::ConnectorInfo;

/// An interface a capability serves: its name without a version, and the version prefixes it
/// speaks (`"0.2"` serves `0.2.0` … `0.2.12`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Interface {
    /// E.g. `wasi:http/outgoing-handler`.
    pub(crate) name: &'static str,
    /// E.g. `["0.2"]`.
    pub(crate) versions: &'static [&'static str],
}

impl Interface {
    /// Does `import` (a full name with its version) name this interface at a version it speaks?
    pub(crate) fn serves(&self, import: &str) -> bool {
        let (base, version) = import.split_once('@').unwrap_or((import, ""));
        base == self.name
            && self
                .versions
                .iter()
                .any(|v| version == *v || version.starts_with(&format!("{v}.")))
    }
}

/// What a capability's policy parse reads.
pub(crate) struct ParseCx<'a> {
    /// The policy file's name, for errors.
    pub(crate) source: &'a str,
    /// Its text; each capability reads its own tables from it, with their spans.
    pub(crate) text: &'a str,
    /// The line of each entry (`config.K`, `network.allow.N`, …), filled in as parsed, so
    /// findings can point at it.
    pub(crate) lines: &'a mut BTreeMap<String, usize>,
    /// The plain values of `[config]`, for capabilities that grant by them (`config:K`). The
    /// config capability, registered before them, sets it.
    pub(crate) config: BTreeMap<String, String>,
}

impl ParseCx<'_> {
    /// An error at byte `offset` of the policy text.
    pub(crate) fn error(&self, offset: usize, message: String) -> PolicyError {
        PolicyError::at(self.source, self.text, offset, message)
    }

    /// Note the line an entry is on.
    pub(crate) fn line(&mut self, key: String, offset: usize) {
        let line = crate::policy::error::line_col(self.text, offset).0;
        self.lines.insert(key, line);
    }

    /// Deserialize this capability's tables from the policy text: a struct naming them, every
    /// other table ignored (the policy as a whole refuses names no one reads).
    pub(crate) fn tables<T: serde::de::DeserializeOwned>(&self) -> Result<T, PolicyError> {
        toml::from_str(self.text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            self.error(offset, e.message().trim().to_string())
        })
    }
}

/// What a capability's review reads, and where it writes findings.
pub(crate) struct ReviewCx<'a> {
    /// What the connector declares in `describe`.
    pub(crate) declared: &'a ConnectorInfo,
    /// What the component imports.
    pub(crate) shape: &'a Shape,
    /// The policy's lines (see [`ParseCx::lines`]).
    pub(crate) lines: &'a BTreeMap<String, usize>,
    /// The policy's plain `[config]` values.
    pub(crate) config: &'a BTreeMap<String, String>,
    /// Directories no connector may be given: the embedder's own (a gateway's plugin store,
    /// audit log and keys), beside the system's.
    pub(crate) protected: &'a [std::path::PathBuf],
    /// The review's findings so far.
    pub(crate) findings: &'a mut Findings,
}

impl ReviewCx<'_> {
    /// The policy line of `key`, if it has one.
    pub(crate) fn line(&self, key: &str) -> Option<usize> {
        self.lines.get(key).copied()
    }

    /// Does the component import an interface whose name starts with `prefix`?
    pub(crate) fn imports(&self, prefix: &str) -> bool {
        self.shape
            .imports
            .iter()
            .any(|i| i.name.starts_with(prefix))
    }
}

/// The policy slice, or the grant, of a capability that has none: it grants the same to every
/// connector.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Nothing {}

/// One thing a connector can reach outside its sandbox.
///
/// Adding a capability is one module implementing this (with its per-call state and its
/// linker wiring beside it) and one line in `crate::registry`; if it keeps per-call state,
/// that state is a field of `crate::instance::InstanceState`, linked in `crate::engine`.
pub(crate) trait Capability {
    /// Its name, as the review's import table and the registry name it.
    const NAME: &'static str;
    /// The interfaces it serves.
    const SERVES: &'static [Interface];
    /// The policy tables it reads, e.g. `["network"]`; a policy table nobody reads is refused.
    const TABLES: &'static [&'static str];
    /// Its slice of a policy file, parsed and checked.
    type Section: Debug + Clone + Default + PartialEq + Eq;
    /// Its part of the effective grant, as a reviewer reads it (secrets by reference, not
    /// value).
    type Grant: Debug + Clone + Default + PartialEq + Eq + Serialize;

    /// Parse and check its tables.
    ///
    /// # Errors
    /// A [`PolicyError`] with the line of the first mistake and what to write instead.
    fn parse(cx: &mut ParseCx<'_>) -> Result<Self::Section, PolicyError>;

    /// Its part of the effective grant: what the policy grants, intersected with what the
    /// connector declares and imports; findings for what a reviewer should look at.
    fn review(section: &Self::Section, cx: &mut ReviewCx<'_>) -> Self::Grant;

    /// What `import` (an interface it serves, with its version) lets the connector do under
    /// `grant`, in a few words.
    fn grants(import: &str, grant: &Self::Grant) -> String;
}
