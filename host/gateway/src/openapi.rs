//! The API description served at `GET /openapi.json`.

/// The OpenAPI document.
pub(crate) fn document() -> &'static str {
    include_str!("openapi.json")
}
