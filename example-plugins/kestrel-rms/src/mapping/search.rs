//! Search.

use super::*;

/// Kestrel's nominal search parameters for a person query.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NominalSearch {
    pub surname: Option<String>,
    pub forename: Option<String>,
    /// `DD/MM/YYYY`.
    pub dob: Option<String>,
    pub q: Option<String>,
}

/// Kestrel's most results per page.
pub const MAX_PAGE: u32 = 100;

/// The offset a cursor stands for (cursors are Kestrel offsets as decimal text).
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
            .map_err(|_| ConnectorError::InvalidInput("not a Kestrel RMS cursor".into())),
    }
}

/// The cursor for the page after one that started at `offset` and held `count` items out of
/// `total`.
pub fn next_cursor(offset: u64, count: usize, total: u64) -> Option<String> {
    let next = offset.saturating_add(count as u64);
    (count > 0 && next < total).then(|| next.to_string())
}

/// Kestrel parameters for a person search: a name key (surname, given name, date of birth),
/// a postcode key and the free text all narrow the search.
///
/// # Errors
///
/// `invalid-input` for keys Kestrel cannot search by, more than one name key, a malformed
/// date of birth, or a query with nothing to search for.
pub fn nominal_search(query: &SearchQuery) -> Result<NominalSearch, ConnectorError> {
    let invalid = |m: String| Err(ConnectorError::InvalidInput(m));
    let mut search = NominalSearch::default();
    let mut q = Vec::new();
    for key in &query.keys {
        match key {
            SearchKey::Name(name) => {
                if search.surname.is_some() {
                    return invalid("Kestrel RMS searches one name at a time".into());
                }
                let surname = name.surname.trim();
                if surname.is_empty() {
                    return invalid("the name key needs a surname".into());
                }
                search.surname = Some(surname.to_string());
                search.forename = name
                    .given_name
                    .as_deref()
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_string);
                if let Some(dob) = &name.date_of_birth {
                    match validate::iso_to_dmy(dob.trim()) {
                        Some(dmy) => search.dob = Some(dmy),
                        None => return invalid(format!("date of birth `{dob}` is not YYYY-MM-DD")),
                    }
                }
            }
            SearchKey::Postcode(p) => q.push(p.trim().to_string()),
            other => {
                return invalid(format!(
                    "Kestrel RMS cannot search people by {}",
                    key_name(other)
                ));
            }
        }
    }
    if let Some(text) = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        q.push(text.to_string());
    }
    if !q.is_empty() {
        search.q = Some(q.join(" "));
    }
    if search.surname.is_none() && search.q.is_none() {
        return invalid("give a name key, a postcode key or free text".into());
    }
    Ok(search)
}

/// The one incident reference a event search looks for.
///
/// # Errors
///
/// `invalid-input` unless the query is exactly one `reference` key (Kestrel searches
/// incidents by reference only; free text is not supported).
pub fn incident_reference(query: &SearchQuery) -> Result<String, ConnectorError> {
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (query.keys.as_slice(), text) {
        ([SearchKey::Reference(r)], None) if !r.trim().is_empty() => Ok(r.trim().to_string()),
        _ => Err(ConnectorError::InvalidInput(
            "Kestrel RMS searches incidents by one reference key only".into(),
        )),
    }
}

/// Whether free text looks like a registration mark: 1–11 letters and digits once spaces are
/// removed, with at least one of each (so `blue ford` is not taken for `BLUEFORD`).
pub fn looks_like_vrm(text: &str) -> bool {
    validate::normalise_vrm(text).is_some_and(|v| {
        v.bytes().any(|b| b.is_ascii_digit()) && v.bytes().any(|b| b.is_ascii_alphabetic())
    })
}

/// The one registration mark a vehicle (object) search looks for, normalised: a `vrm` key, or
/// free text that looks like a VRM (see [`looks_like_vrm`]). Both may be given if they name
/// the same mark.
///
/// # Errors
///
/// `invalid-input` for any other key, more than one VRM, a malformed VRM, free text that is
/// not one, or nothing to search for.
pub fn vehicle_vrm(query: &SearchQuery) -> Result<String, ConnectorError> {
    let invalid = |m: String| Err(ConnectorError::InvalidInput(m));
    let mut vrm: Option<String> = None;
    for key in &query.keys {
        match key {
            SearchKey::Vrm(v) => {
                if vrm.is_some() {
                    return invalid("Kestrel RMS searches one VRM at a time".into());
                }
                match validate::normalise_vrm(v) {
                    Some(v) => vrm = Some(v),
                    None => return invalid(format!("`{v}` is not a registration mark")),
                }
            }
            other => {
                return invalid(format!(
                    "Kestrel RMS searches objects (vehicles of interest) by VRM only, not by {}",
                    key_name(other)
                ));
            }
        }
    }
    let text = query
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    match (vrm, text) {
        (Some(vrm), None) => Ok(vrm),
        (Some(vrm), Some(text)) if validate::normalise_vrm(text).as_deref() == Some(&vrm) => {
            Ok(vrm)
        }
        (Some(_), Some(_)) => {
            invalid("free text beside a VRM key must be the same VRM (Kestrel searches one)".into())
        }
        (None, Some(text)) => match validate::normalise_vrm(text) {
            Some(vrm) if looks_like_vrm(text) => Ok(vrm),
            _ => invalid(format!(
                "Kestrel RMS searches objects (vehicles of interest) by VRM, and `{text}` does \
                 not look like one"
            )),
        },
        (None, None) => invalid("give a VRM key or a VRM as free text".into()),
    }
}

/// A search key's WIT name, for messages.
pub fn key_name(key: &SearchKey) -> &'static str {
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
