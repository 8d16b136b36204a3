//! Every text of a record visited where it stands, without building the record's JSON tree.
//!
//! A serde serializer that does nothing but walk: each string (and char) is handed to a
//! visitor with its path in the record's JSON form (`entity.given-names[0]`: the JSON names,
//! `_` shown as `-`, indices in brackets), so a field added to the model later is covered
//! without a line here. The path is a stack of borrowed names and indices, spelled out only
//! when the visitor asks, so a record that passes costs no allocation per field.

use std::fmt;

use serde::Serialize;
use serde::ser::{self, Impossible};

/// One step of a path.
enum Step {
    Field(&'static str),
    Key(String),
    Index(usize),
}

/// Where a text stands in the record.
pub(super) struct Path(Vec<Step>);

impl Path {
    /// The path as the checks name fields: `entity.given-names[0]`.
    pub(super) fn spell(&self) -> String {
        let mut at = String::new();
        for step in &self.0 {
            match step {
                Step::Index(i) => at.push_str(&format!("[{i}]")),
                Step::Field(name) => push_name(&mut at, name),
                Step::Key(name) => push_name(&mut at, name),
            }
        }
        at
    }
}

fn push_name(at: &mut String, name: &str) {
    if !at.is_empty() {
        at.push('.');
    }
    at.extend(name.chars().map(|c| if c == '_' { '-' } else { c }));
}

/// Hand every text of `value` to `visit`, with where it stands.
pub(super) fn each<T: Serialize + ?Sized>(value: &T, visit: impl FnMut(&Path, &str)) {
    let mut walker = Walker {
        path: Path(Vec::new()),
        visit,
    };
    // Walking never fails: the only error is a map key that is not text, which is named `?`.
    let _ = value.serialize(&mut walker);
}

struct Walker<F> {
    path: Path,
    visit: F,
}

impl<F: FnMut(&Path, &str)> Walker<F> {
    fn text(&mut self, text: &str) {
        (self.visit)(&self.path, text);
    }

    fn under<T: Serialize + ?Sized>(&mut self, step: Step, value: &T) -> Result<(), Never> {
        self.path.0.push(step);
        let r = value.serialize(&mut *self);
        self.path.0.pop();
        r
    }
}

/// The walker's error type: it never fails, but serde's traits want one.
#[derive(Debug)]
pub(super) struct Never;

impl fmt::Display for Never {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not walked")
    }
}

impl std::error::Error for Never {}

impl ser::Error for Never {
    fn custom<T: fmt::Display>(_: T) -> Never {
        Never
    }
}

/// Sequences, tuples, maps and structs: each part walked with its step on the path.
struct Parts<'w, F> {
    walker: &'w mut Walker<F>,
    index: usize,
    key: Option<String>,
}

impl<'w, F: FnMut(&Path, &str)> Parts<'w, F> {
    fn new(walker: &'w mut Walker<F>) -> Self {
        Parts {
            walker,
            index: 0,
            key: None,
        }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        let i = self.index;
        self.index += 1;
        self.walker.under(Step::Index(i), value)
    }
}

impl<'w, F: FnMut(&Path, &str)> ser::Serializer for &'w mut Walker<F> {
    type Ok = ();
    type Error = Never;
    type SerializeSeq = Parts<'w, F>;
    type SerializeTuple = Parts<'w, F>;
    type SerializeTupleStruct = Parts<'w, F>;
    type SerializeTupleVariant = Parts<'w, F>;
    type SerializeMap = Parts<'w, F>;
    type SerializeStruct = Parts<'w, F>;
    type SerializeStructVariant = Parts<'w, F>;

    fn serialize_bool(self, _: bool) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_char(self, c: char) -> Result<(), Never> {
        self.text(c.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, text: &str) -> Result<(), Never> {
        self.text(text);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Never> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Never> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Never> {
        self.text(variant);
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.under(Step::Field(variant), value)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Parts<'w, F>, Never> {
        Ok(Parts::new(self))
    }
    fn serialize_tuple(self, _: usize) -> Result<Parts<'w, F>, Never> {
        Ok(Parts::new(self))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Parts<'w, F>, Never> {
        Ok(Parts::new(self))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Parts<'w, F>, Never> {
        // Closed by `end`, which pops it.
        self.path.0.push(Step::Field(variant));
        Ok(Parts::new(self))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Parts<'w, F>, Never> {
        Ok(Parts::new(self))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Parts<'w, F>, Never> {
        Ok(Parts::new(self))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Parts<'w, F>, Never> {
        self.path.0.push(Step::Field(variant));
        Ok(Parts::new(self))
    }
}

impl<F: FnMut(&Path, &str)> ser::SerializeSeq for Parts<'_, F> {
    type Ok = ();
    type Error = Never;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        self.element(value)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl<F: FnMut(&Path, &str)> ser::SerializeTuple for Parts<'_, F> {
    type Ok = ();
    type Error = Never;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        self.element(value)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl<F: FnMut(&Path, &str)> ser::SerializeTupleStruct for Parts<'_, F> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        self.element(value)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl<F: FnMut(&Path, &str)> ser::SerializeTupleVariant for Parts<'_, F> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        self.element(value)
    }
    fn end(self) -> Result<(), Never> {
        self.walker.path.0.pop();
        Ok(())
    }
}

impl<F: FnMut(&Path, &str)> ser::SerializeMap for Parts<'_, F> {
    type Ok = ();
    type Error = Never;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Never> {
        self.key = Some(key.serialize(KeyText).unwrap_or_else(|_| "?".to_owned()));
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Never> {
        let key = self.key.take().unwrap_or_else(|| "?".to_owned());
        self.walker.under(Step::Key(key), value)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl<F: FnMut(&Path, &str)> ser::SerializeStruct for Parts<'_, F> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.walker.under(Step::Field(name), value)
    }
    fn end(self) -> Result<(), Never> {
        Ok(())
    }
}

impl<F: FnMut(&Path, &str)> ser::SerializeStructVariant for Parts<'_, F> {
    type Ok = ();
    type Error = Never;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<(), Never> {
        self.walker.under(Step::Field(name), value)
    }
    fn end(self) -> Result<(), Never> {
        self.walker.path.0.pop();
        Ok(())
    }
}

/// A map key as text, as JSON would write it: strings, chars, numbers, booleans and unit
/// variants; anything else is not a key JSON can hold.
struct KeyText;

impl ser::Serializer for KeyText {
    type Ok = String;
    type Error = Never;
    type SerializeSeq = Impossible<String, Never>;
    type SerializeTuple = Impossible<String, Never>;
    type SerializeTupleStruct = Impossible<String, Never>;
    type SerializeTupleVariant = Impossible<String, Never>;
    type SerializeMap = Impossible<String, Never>;
    type SerializeStruct = Impossible<String, Never>;
    type SerializeStructVariant = Impossible<String, Never>;

    fn serialize_bool(self, v: bool) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Never> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _: f32) -> Result<String, Never> {
        Err(Never)
    }
    fn serialize_f64(self, _: f64) -> Result<String, Never> {
        Err(Never)
    }
    fn serialize_char(self, c: char) -> Result<String, Never> {
        Ok(c.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Never> {
        Ok(v.to_owned())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Never> {
        Err(Never)
    }
    fn serialize_none(self) -> Result<String, Never> {
        Err(Never)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<String, Never> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, Never> {
        Err(Never)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Never> {
        Err(Never)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, Never> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<String, Never> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, Never> {
        Err(Never)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Never> {
        Err(Never)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Never> {
        Err(Never)
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, Never> {
        Err(Never)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, Never> {
        Err(Never)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Never> {
        Err(Never)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Never> {
        Err(Never)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, Never> {
        Err(Never)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::each;

    #[derive(serde::Serialize)]
    struct Inner {
        given_names: Vec<String>,
        initial: char,
    }

    #[derive(serde::Serialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        Person(Inner),
    }

    #[derive(serde::Serialize)]
    enum External {
        Vrm(String),
        Pair(String, String),
        Named { text: String },
    }

    #[derive(serde::Serialize)]
    struct Outer {
        entity: Tagged,
        keys: Vec<External>,
        notes: BTreeMap<String, String>,
        none: Option<String>,
        number: u32,
    }

    #[test]
    fn every_text_is_visited_with_the_path_json_would_give_it() {
        let value = Outer {
            entity: Tagged::Person(Inner {
                given_names: vec!["Alex".into(), "Jordan".into()],
                initial: 'A',
            }),
            keys: vec![
                External::Vrm("ZE01APP".into()),
                External::Pair("a".into(), "b".into()),
                External::Named { text: "t".into() },
            ],
            notes: BTreeMap::from([("case_note".to_owned(), "n".to_owned())]),
            none: None,
            number: 7,
        };
        let mut seen = Vec::new();
        each(&value, |at, text| seen.push((at.spell(), text.to_owned())));
        let seen: Vec<(&str, &str)> = seen.iter().map(|(a, t)| (a.as_str(), t.as_str())).collect();
        assert_eq!(
            seen,
            [
                ("entity.kind", "person"),
                ("entity.given-names[0]", "Alex"),
                ("entity.given-names[1]", "Jordan"),
                ("entity.initial", "A"),
                ("keys[0].Vrm", "ZE01APP"),
                ("keys[1].Pair[0]", "a"),
                ("keys[1].Pair[1]", "b"),
                ("keys[2].Named.text", "t"),
                ("notes.case-note", "n"),
            ]
        );
    }
}
