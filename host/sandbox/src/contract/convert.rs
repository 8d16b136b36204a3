//! Conversions between one contract version's generated types and the host's own
//! (`interop_model`), written once as macros that every `since_v*` module invokes with its
//! field lists. Every field is named on both sides, so a field one side gains and the other
//! lacks is a compile error, never a value silently dropped: a version that lacks a field
//! writes that conversion by hand and says what it does with it.
//!
//! Answers come up from a connector ([`Conv`], always possible: the host's types are the
//! newest contract's); requests go down to it ([`TryConv`], which fails when the connector's
//! version cannot say what the request asks, an organisation to a 0.1 connector, say).

/// Convert a value up into the host's type of the same meaning.
pub(crate) trait Conv<T> {
    /// The converted value.
    fn conv(self) -> T;
}

/// What a contract version cannot express: the request is refused before the connector is
/// called, naming it (e.g. "the organisation entity").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Unsupported(pub(crate) &'static str);

/// Convert a value down into a contract version's type, if that version can express it.
pub(crate) trait TryConv<T> {
    /// The converted value.
    ///
    /// # Errors
    /// [`Unsupported`] naming what the version lacks.
    fn try_conv(self) -> Result<T, Unsupported>;
}

macro_rules! identity {
    ($($t:ty),*) => {$(
        impl Conv<$t> for $t {
            fn conv(self) -> $t {
                self
            }
        }
        impl TryConv<$t> for $t {
            fn try_conv(self) -> Result<$t, Unsupported> {
                Ok(self)
            }
        }
    )*};
}
identity!(String, bool, u32, f64);

impl<A: Conv<B>, B> Conv<Option<B>> for Option<A> {
    fn conv(self) -> Option<B> {
        self.map(Conv::conv)
    }
}

impl<A: Conv<B>, B> Conv<Vec<B>> for Vec<A> {
    fn conv(self) -> Vec<B> {
        self.into_iter().map(Conv::conv).collect()
    }
}

impl<A: Conv<B>, B, EA: Conv<EB>, EB> Conv<Result<B, EB>> for Result<A, EA> {
    fn conv(self) -> Result<B, EB> {
        self.map(Conv::conv).map_err(Conv::conv)
    }
}

impl<A: TryConv<B>, B> TryConv<Option<B>> for Option<A> {
    fn try_conv(self) -> Result<Option<B>, Unsupported> {
        self.map(TryConv::try_conv).transpose()
    }
}

impl<A: TryConv<B>, B> TryConv<Vec<B>> for Vec<A> {
    fn try_conv(self) -> Result<Vec<B>, Unsupported> {
        self.into_iter().map(TryConv::try_conv).collect()
    }
}

/// Up from `$v::$name` to `$m::$name` and down again, records with the same fields. Fields
/// after `+` are the host's own (what its boundary checks found, say): up they start empty,
/// down they are not the connector's to see.
macro_rules! records {
    ($v:ident <=> $m:ident: $($name:ident { $($field:ident),* $(,)? } $(+ { $($host:ident),* $(,)? })?)*) => {$(
        impl $crate::contract::convert::Conv<$m::$name> for $v::$name {
            fn conv(self) -> $m::$name {
                let $v::$name { $($field),* } = self;
                $m::$name {
                    $($field: $crate::contract::convert::Conv::conv($field),)*
                    $($($host: Default::default(),)*)?
                }
            }
        }
        impl $crate::contract::convert::TryConv<$v::$name> for $m::$name {
            fn try_conv(self) -> Result<$v::$name, $crate::contract::convert::Unsupported> {
                let $m::$name { $($field,)* $($($host: _,)*)? } = self;
                Ok($v::$name { $($field: $crate::contract::convert::TryConv::try_conv($field)?),* })
            }
        }
    )*};
}

/// Up and down between enums (`unit` variants) or variants with one payload each (`payload`)
/// that have the same variants.
macro_rules! choices {
    ($v:ident <=> $m:ident: $($name:ident unit { $($var:ident),* $(,)? })*) => {$(
        impl $crate::contract::convert::Conv<$m::$name> for $v::$name {
            fn conv(self) -> $m::$name {
                match self { $($v::$name::$var => $m::$name::$var),* }
            }
        }
        impl $crate::contract::convert::TryConv<$v::$name> for $m::$name {
            fn try_conv(self) -> Result<$v::$name, $crate::contract::convert::Unsupported> {
                Ok(match self { $($m::$name::$var => $v::$name::$var),* })
            }
        }
    )*};
    ($v:ident <=> $m:ident: $($name:ident payload { $($var:ident),* $(,)? })*) => {$(
        impl $crate::contract::convert::Conv<$m::$name> for $v::$name {
            fn conv(self) -> $m::$name {
                match self {
                    $($v::$name::$var(x) => $m::$name::$var($crate::contract::convert::Conv::conv(x))),*
                }
            }
        }
        impl $crate::contract::convert::TryConv<$v::$name> for $m::$name {
            fn try_conv(self) -> Result<$v::$name, $crate::contract::convert::Unsupported> {
                Ok(match self {
                    $($m::$name::$var(x) => $v::$name::$var($crate::contract::convert::TryConv::try_conv(x)?)),*
                })
            }
        }
    )*};
}

/// Up and down between variants with some unit cases and some with one payload each.
macro_rules! mixed {
    ($v:ident <=> $m:ident: $name:ident { $($unit:ident),* ; $($var:ident),* $(,)? }) => {
        impl $crate::contract::convert::Conv<$m::$name> for $v::$name {
            fn conv(self) -> $m::$name {
                match self {
                    $($v::$name::$unit => $m::$name::$unit,)*
                    $($v::$name::$var(x) => $m::$name::$var($crate::contract::convert::Conv::conv(x)),)*
                }
            }
        }
        impl $crate::contract::convert::TryConv<$v::$name> for $m::$name {
            fn try_conv(self) -> Result<$v::$name, $crate::contract::convert::Unsupported> {
                Ok(match self {
                    $($m::$name::$unit => $v::$name::$unit,)*
                    $($m::$name::$var(x) => $v::$name::$var($crate::contract::convert::TryConv::try_conv(x)?),)*
                })
            }
        }
    };
}

pub(crate) use {choices, mixed, records};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers_convert_each_element_and_stop_at_the_first_that_cannot() {
        let up: Option<Vec<String>> = Some(vec!["a".to_string()]).conv();
        assert_eq!(up, Some(vec!["a".to_string()]));
        struct No;
        impl TryConv<String> for No {
            fn try_conv(self) -> Result<String, Unsupported> {
                Err(Unsupported("nothing"))
            }
        }
        let down: Result<Vec<String>, Unsupported> = vec![No].try_conv();
        assert_eq!(down, Err(Unsupported("nothing")));
        let none: Result<Option<String>, Unsupported> = None::<No>.try_conv();
        assert_eq!(none, Ok(None));
    }
}
