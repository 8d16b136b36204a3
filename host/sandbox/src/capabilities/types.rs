//! `interop:connector/types`: the contract's types. It has no functions, so it grants nothing;
//! it is listed so every interface a connector imports has an owner.

use super::capability::{Capability, Interface, Nothing, ParseCx, ReviewCx};
use crate::policy::error::PolicyError;

/// The contract's type interface.
pub(crate) struct Types;

impl Capability for Types {
    const NAME: &'static str = "types";
    const SERVES: &'static [Interface] = &[Interface {
        name: "interop:connector/types",
        versions: &["0.1", "0.2"],
    }];
    const TABLES: &'static [&'static str] = &[];
    type Section = Nothing;
    type Grant = Nothing;

    fn parse(_cx: &mut ParseCx<'_>) -> Result<Nothing, PolicyError> {
        Ok(Nothing {})
    }

    fn review(_section: &Nothing, _cx: &mut ReviewCx<'_>) -> Nothing {
        Nothing {}
    }

    fn grants(_import: &str, _grant: &Nothing) -> String {
        "types only".into()
    }
}
