//! Every capability, listed once. From this list come a policy's sections (each capability
//! parses its own tables), the effective grant's parts and their review, and the owner of each
//! interface a connector imports: an import no capability serves is reported, and refused.
//!
//! To add a capability: a module in `capabilities/` implementing `Capability`, and its line
//! below. (If it keeps per-call state, that is a field of `InstanceState` and a line in
//! `engine::add_capabilities`, where the linker is wired.)

use serde::Serialize;

use crate::capabilities::capability::{Capability, Interface, Nothing, ParseCx, ReviewCx};
use crate::capabilities::config::{Config, ConfigGrant, ConfigSection};
use crate::capabilities::http::policy::Http;
use crate::capabilities::http::{NetworkGrant, NetworkSection};
use crate::capabilities::log::Log;
use crate::capabilities::types::Types;
use crate::capabilities::wasi::{FilesystemGrant, FilesystemSection, Wasi};
use crate::policy::error::PolicyError;

macro_rules! capabilities {
    ($($field:ident: $cap:ident($section:ty, $grant:ty)),* $(,)?) => {
        /// Every capability's slice of a policy file.
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct Sections {
            $(
                #[doc = concat!("What the policy says for the `", stringify!($field), "` capability.")]
                pub $field: $section,
            )*
        }

        /// Every capability's part of the effective grant.
        #[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
        pub struct Grants {
            $(
                #[doc = concat!("What the `", stringify!($field), "` capability grants.")]
                #[serde(flatten)]
                pub $field: $grant,
            )*
        }

        impl Sections {
            /// Each capability parses its tables, in registry order (so the config capability's
            /// values are there for those that grant by them).
            pub(crate) fn parse(cx: &mut ParseCx<'_>) -> Result<Sections, PolicyError> {
                Ok(Sections { $($field: <$cap as Capability>::parse(cx)?,)* })
            }

            /// Each capability's part of the effective grant, and its findings.
            pub(crate) fn review(&self, cx: &mut ReviewCx<'_>) -> Grants {
                Grants { $($field: <$cap as Capability>::review(&self.$field, cx),)* }
            }
        }

        /// The policy tables the capabilities read.
        pub(crate) fn tables() -> impl Iterator<Item = &'static str> {
            [$(<$cap as Capability>::TABLES),*].into_iter().flatten().copied()
        }

        /// Each capability's name and the interfaces it serves.
        pub(crate) const SERVED: &[(&str, &[Interface])] =
            &[$((<$cap as Capability>::NAME, <$cap as Capability>::SERVES)),*];

        /// The capability serving `import` (a full interface name with its version), and what
        /// the import lets the connector do under `grants`; `None` when no capability serves it.
        pub(crate) fn serve(import: &str, grants: &Grants) -> Option<(&'static str, String)> {
            $(
                if <$cap as Capability>::SERVES.iter().any(|i| i.serves(import)) {
                    let what = <$cap as Capability>::grants(import, &grants.$field);
                    return Some((<$cap as Capability>::NAME, what));
                }
            )*
            None
        }
    };
}

capabilities! {
    types: Types(Nothing, Nothing),
    log: Log(Nothing, Nothing),
    config: Config(ConfigSection, ConfigGrant),
    http: Http(NetworkSection, NetworkGrant),
    wasi: Wasi(FilesystemSection, FilesystemGrant),
}

/// The name of the capability that serves `import` (a full interface name with its version,
/// as a component imports it), or `None` when this host provides no such interface.
pub fn owner(import: &str) -> Option<&'static str> {
    SERVED
        .iter()
        .find(|(_, interfaces)| interfaces.iter().any(|i| i.serves(import)))
        .map(|(name, _)| *name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_interface_has_two_owners() {
        let all: Vec<&Interface> = SERVED.iter().flat_map(|(_, i)| i.iter()).collect();
        for (n, a) in all.iter().enumerate() {
            for b in &all[n + 1..] {
                assert_ne!(a.name, b.name, "{} is served twice", a.name);
            }
        }
    }

    #[test]
    fn imports_are_matched_by_name_and_version() {
        assert_eq!(owner("wasi:http/outgoing-handler@0.2.12"), Some("http"));
        assert_eq!(owner("interop:connector/log@0.1.0"), Some("log"));
        assert_eq!(owner("interop:connector/log@0.1.9"), Some("log"));
        assert_eq!(owner("wasi:http/outgoing-handler@0.3.0"), None);
        assert_eq!(owner("wasi:http/outgoing-handler"), None);
        assert_eq!(owner("acme:secret/backdoor@1.0.0"), None);
        assert_eq!(owner("wasi:clocks/wall-clock@0.2.0"), Some("wasi"));
    }

    #[test]
    fn every_policy_table_has_one_reader() {
        let mut seen: Vec<&str> = tables().collect();
        let n = seen.len();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), n, "a table is read by two capabilities");
        assert!(!seen.contains(&"connector") && !seen.contains(&"limits"));
    }
}
