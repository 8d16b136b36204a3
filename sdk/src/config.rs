//! The configuration the force's policy granted this connector (`interop:connector/config`).
//!
//! Keys are the ones the connector declares in [`crate::ConnectorInfo`]; a key the policy does
//! not grant reads as absent.

use crate::types::ConnectorError;

/// The value of `key`, if granted and set.
pub fn get(key: &str) -> Option<String> {
    crate::bindings::interop::connector::config::get(key)
}

/// The value of `key`, which the connector cannot work without.
///
/// # Errors
///
/// `invalid-input` naming the key when it is absent or blank.
pub fn require(key: &str) -> Result<String, ConnectorError> {
    get(key)
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| missing(key))
}

/// The value of `key`, or `default` when absent or blank.
pub fn get_or(key: &str, default: &str) -> String {
    get(key)
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn missing(key: &str) -> ConnectorError {
    ConnectorError::InvalidInput(format!(
        "configuration key `{key}` is not set: the force's policy must grant it"
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_key_names_it() {
        let crate::ConnectorError::InvalidInput(m) = super::missing("base_url") else {
            panic!()
        };
        assert!(m.contains("`base_url`"));
    }
}
