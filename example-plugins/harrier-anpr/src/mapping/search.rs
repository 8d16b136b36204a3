//! Searches.

use super::*;

/// The offset a cursor stands for (cursors are Harrier offsets as decimal text).
///
/// # Errors
///
/// `invalid-input` for a cursor this connector did not make.
pub fn offset(cursor: Option<&str>) -> Result<u64, ConnectorError> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .trim()
            .parse()
            .map_err(|_| ConnectorError::InvalidInput("not a Harrier ANPR cursor".into())),
    }
}

/// The cursor for the page after one that started at `offset` and held `count` items out of
/// `total`.
pub fn next_cursor(offset: u64, count: usize, total: u64) -> Option<String> {
    let next = offset.saturating_add(count as u64);
    (count > 0 && next < total).then(|| next.to_string())
}

/// Harrier query parameters for one search, and the exact VRM a key asked for (Harrier
/// matches `vrm` as a prefix, so results are filtered to the exact mark afterwards).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct HarrierSearch {
    /// `vehicles`, `keepers` or `reads`.
    pub collection: &'static str,
    pub params: Vec<(&'static str, String)>,
    pub exact_vrm: Option<String>,
}

pub(crate) fn invalid<T>(message: impl Into<String>) -> Result<T, ConnectorError> {
    Err(ConnectorError::InvalidInput(message.into()))
}

pub(crate) fn key_name(key: &SearchKey) -> &'static str {
    match key {
        SearchKey::Name(_) => "name",
        SearchKey::Vrm(_) => "vrm",
        SearchKey::Vin(_) => "vin",
        SearchKey::Reference(_) => "reference",
        SearchKey::Postcode(_) => "postcode",
        SearchKey::Telephone(_) => "telephone",
        SearchKey::Email(_) => "email",
    }
}

pub(crate) fn vrm_param(vrm: &str) -> Result<String, ConnectorError> {
    validate::normalise_vrm(vrm).map_or_else(
        || invalid(format!("`{vrm}` is not a registration mark")),
        Ok,
    )
}

/// Works out the Harrier search for a query:
///
/// - objects (vehicles): `vrm` and `vin` keys; free text is a VRM prefix;
/// - people and organisations (registered keepers; a company keeper is an organisation): one
///   `name` key (an organisation's name is its surname in Harrier); free text is a surname
///   prefix;
/// - events (ANPR reads): a `vrm` key, or free text as a VRM.
///
/// # Errors
///
/// `invalid-input` for another kind, a key Harrier cannot search by, a repeated key, a
/// malformed VRM or date of birth, or nothing to search for.
pub fn search(query: &SearchQuery) -> Result<HarrierSearch, ConnectorError> {
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let mut s = HarrierSearch::default();
    let add = |s: &mut HarrierSearch, name: &'static str, value: String| {
        if s.params.iter().any(|(n, _)| *n == name) {
            return invalid(format!("Harrier ANPR searches one {name} at a time"));
        }
        s.params.push((name, value));
        Ok(())
    };
    match query.kind {
        EntityKind::Object | EntityKind::Event => {
            s.collection = if query.kind == EntityKind::Object {
                "vehicles"
            } else {
                "reads"
            };
            for key in &query.keys {
                match key {
                    SearchKey::Vrm(vrm) => {
                        let vrm = vrm_param(vrm)?;
                        s.exact_vrm = Some(vrm.clone());
                        add(&mut s, "vrm", vrm)?;
                    }
                    SearchKey::Vin(vin) if query.kind == EntityKind::Object => {
                        add(&mut s, "vin", vin.trim().to_string())?;
                    }
                    other => {
                        return invalid(format!(
                            "Harrier ANPR cannot search {}s by {}",
                            query.kind.as_str(),
                            key_name(other)
                        ));
                    }
                }
            }
            if let Some(text) = text
                && s.exact_vrm.is_none()
            {
                add(&mut s, "vrm", vrm_param(text)?)?;
            }
        }
        EntityKind::Person | EntityKind::Organisation => {
            s.collection = "keepers";
            for key in &query.keys {
                match key {
                    SearchKey::Name(name) => {
                        let surname = name.surname.trim();
                        if surname.is_empty() {
                            return invalid("the name key needs a surname");
                        }
                        add(&mut s, "surname", surname.to_string())?;
                        if let Some(given) = name
                            .given_name
                            .as_deref()
                            .map(str::trim)
                            .filter(|g| !g.is_empty())
                        {
                            add(&mut s, "forenames", given.to_string())?;
                        }
                        if let Some(dob) = &name.date_of_birth {
                            if !validate::is_iso_date(dob.trim()) {
                                return invalid(format!("date of birth `{dob}` is not YYYY-MM-DD"));
                            }
                            add(&mut s, "dob", dob.trim().to_string())?;
                        }
                    }
                    other => {
                        return invalid(format!(
                            "Harrier ANPR cannot search keepers by {}",
                            key_name(other)
                        ));
                    }
                }
            }
            if let Some(text) = text
                && s.params.is_empty()
            {
                add(&mut s, "surname", text.to_string())?;
            }
        }
        EntityKind::Location => {
            return invalid("Harrier ANPR cannot search locations");
        }
    }
    if s.params.is_empty() {
        return invalid(format!(
            "give Harrier ANPR something to search {}s by",
            query.kind.as_str()
        ));
    }
    Ok(s)
}
