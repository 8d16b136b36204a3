//! Conversions between one contract version's generated types and the host's own
//! (`interop_model`), written once as macros that every `since_v*` module invokes with its
//! field lists. Every field is named on both sides, so a field one side gains and the other
//! lacks is a compile error, never a value silently dropped.

/// Convert a value into another version's (or the model's) type of the same meaning.
pub(crate) trait Conv<T> {
    /// The converted value.
    fn conv(self) -> T;
}

macro_rules! identity {
    ($($t:ty),*) => {$(
        impl Conv<$t> for $t {
            fn conv(self) -> $t {
                self
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

/// Both ways between `$a::$name` and `$b::$name`, records with the same fields.
macro_rules! records {
    ($a:ident <=> $b:ident: $($name:ident { $($field:ident),* $(,)? })*) => {$(
        impl $crate::contract::convert::Conv<$b::$name> for $a::$name {
            fn conv(self) -> $b::$name {
                let $a::$name { $($field),* } = self;
                $b::$name { $($field: $crate::contract::convert::Conv::conv($field)),* }
            }
        }
        impl $crate::contract::convert::Conv<$a::$name> for $b::$name {
            fn conv(self) -> $a::$name {
                let $b::$name { $($field),* } = self;
                $a::$name { $($field: $crate::contract::convert::Conv::conv($field)),* }
            }
        }
    )*};
}

/// Both ways between enums (`unit` variants) or variants with one payload each (`payload`).
macro_rules! choices {
    ($a:ident <=> $b:ident: $($name:ident unit { $($v:ident),* $(,)? })*) => {$(
        impl $crate::contract::convert::Conv<$b::$name> for $a::$name {
            fn conv(self) -> $b::$name {
                match self { $($a::$name::$v => $b::$name::$v),* }
            }
        }
        impl $crate::contract::convert::Conv<$a::$name> for $b::$name {
            fn conv(self) -> $a::$name {
                match self { $($b::$name::$v => $a::$name::$v),* }
            }
        }
    )*};
    ($a:ident <=> $b:ident: $($name:ident payload { $($v:ident),* $(,)? })*) => {$(
        impl $crate::contract::convert::Conv<$b::$name> for $a::$name {
            fn conv(self) -> $b::$name {
                match self { $($a::$name::$v(x) => $b::$name::$v($crate::contract::convert::Conv::conv(x))),* }
            }
        }
        impl $crate::contract::convert::Conv<$a::$name> for $b::$name {
            fn conv(self) -> $a::$name {
                match self { $($b::$name::$v(x) => $a::$name::$v($crate::contract::convert::Conv::conv(x))),* }
            }
        }
    )*};
}

pub(crate) use {choices, records};
