//! The contract's data types (`interop:connector/types`), generated from `wit/since_v0.1.0/` and shared by
//! the host, the CLI and embedders. Field and variant docs are in `wit/since_v0.1.0/connector.wit`.

pub use crate::bindings::types::{
    CheckReport, Classification, ConfigKey, ConfigKind, ConnectorError, ConnectorInfo, Document,
    DocumentType, Drug, Email, Entity, EntityKind, EntityRef, Event, EventKind, Gender, Grading,
    Handling, HandlingCode, IntelligenceAssessment, Link, Location, NameAndBirth,
    ObservedEthnicity, Operation, Person, PoleObject, PoleRecord, PropertyItem, Receipt,
    RequestContext, SearchKey, SearchQuery, SearchResult, Source, SourceEvaluation, Submission,
    Telephone, TelephoneType, Vehicle, Weapon,
};

/// Names as the API and the CLI write them (the contract's serde form): `Person`, `Search`…
macro_rules! display_as_serde {
    ($($ty:ty),*) => {$(
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                match serde_json::to_value(self) {
                    Ok(serde_json::Value::String(s)) => f.write_str(&s),
                    _ => write!(f, "{self:?}"),
                }
            }
        }
    )*};
}

display_as_serde!(EntityKind, Operation, ConfigKind, Classification);

impl Classification {
    /// How the classification ranks against a clearance: OFFICIAL 0, SECRET 1, TOP SECRET 2.
    pub fn rank(self) -> u8 {
        match self {
            Classification::Official => 0,
            Classification::Secret => 1,
            Classification::TopSecret => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_display_as_the_api_names_them() {
        assert_eq!(EntityKind::Person.to_string(), "Person");
        assert_eq!(Operation::Submit.to_string(), "Submit");
        assert_eq!(ConfigKind::Endpoint.to_string(), "Endpoint");
        assert_eq!(Classification::TopSecret.to_string(), "TopSecret");
    }
}
