//! The fields the linker compares, and their agreement levels.

use serde::{Deserialize, Serialize};

/// A field's answer for a pair: a level index, or [`NOT_COMPARED`].
pub(crate) type Level = u8;

/// The level of a field either record lacks.
pub(crate) const NOT_COMPARED: Level = u8::MAX;

/// A field the linker compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// Surname.
    Surname,
    /// First given name (and, at a lower level, any other given or middle name).
    GivenName,
    /// Date of birth.
    DateOfBirth,
    /// Gender.
    Gender,
    /// Any linked address: UPRN, else postcode graded by sector and district. One field, not
    /// two: a shared UPRN and a shared postcode are the same evidence (one address), and
    /// counting both would count it twice.
    Address,
    /// Telephone number, E.164.
    Phone,
    /// E-mail address.
    Email,
    /// PNC id (check letter verified).
    PncId,
    /// CRO number.
    CroNumber,
    /// Registration mark of a linked vehicle.
    Vrm,
    /// VIN of a linked vehicle.
    Vin,
}

/// How many fields are compared.
pub const FIELD_COUNT: usize = 11;

impl Field {
    /// Every field, in the order comparison vectors hold them.
    pub const ALL: [Field; FIELD_COUNT] = [
        Field::Surname,
        Field::GivenName,
        Field::DateOfBirth,
        Field::Gender,
        Field::Address,
        Field::Phone,
        Field::Email,
        Field::PncId,
        Field::CroNumber,
        Field::Vrm,
        Field::Vin,
    ];

    /// The field's position in a comparison vector.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The field's name as the explanation writes it.
    pub fn name(self) -> &'static str {
        match self {
            Field::Surname => "surname",
            Field::GivenName => "given_name",
            Field::DateOfBirth => "date_of_birth",
            Field::Gender => "gender",
            Field::Address => "address",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::PncId => "pnc_id",
            Field::CroNumber => "cro_number",
            Field::Vrm => "vrm",
            Field::Vin => "vin",
        }
    }

    /// The agreement levels, strongest first; the last is always `different`.
    pub fn levels(self) -> &'static [&'static str] {
        match self {
            Field::Surname => &[
                "exact",
                "hyphenated_part",
                "similar",
                "roughly_similar",
                "different",
            ],
            Field::GivenName => &[
                "exact",
                "nickname",
                "similar",
                "initial",
                "other_given_name",
                "roughly_similar",
                "different",
            ],
            Field::DateOfBirth => &[
                "exact",
                "day_month_transposed",
                "partial_agrees",
                "one_part_differs",
                "different",
            ],
            Field::Address => &[
                "same_uprn",
                "same_postcode",
                "same_postcode_other_uprn",
                "same_sector",
                "same_district",
                "different",
            ],
            Field::Phone => &["exact", "one_digit_differs", "different"],
            Field::Email => &["exact", "similar", "different"],
            Field::Gender | Field::PncId | Field::CroNumber | Field::Vrm | Field::Vin => {
                &["exact", "different"]
            }
        }
    }

    /// Whether two different values of this field mean two different people: a person has one
    /// PNC id and one CRO number, so a group never holds two. (People move, change numbers and
    /// vehicles, so the other identifiers are evidence only.)
    pub fn is_personal_identifier(self) -> bool {
        matches!(self, Field::PncId | Field::CroNumber)
    }

    /// The `different` level's index.
    #[cfg(test)]
    pub(crate) fn different(self) -> Level {
        // Every field has at most seven levels.
        (self.levels().len() - 1) as Level
    }
}
