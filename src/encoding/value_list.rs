//! Closed lists of names: a format member that takes one of a few fixed strings (a ceremony
//! kind, how a hash was given, how a confirmation was made) is one enum, defined with
//! `value_list!`, whose name list, parser, `Display` and serde forms all come from the one
//! table of variants and strings.

/// Defines an enum whose variants are written as fixed strings: `ALL` (in the order given, the
/// order messages list them), `as_str`, `parse` (exact match), `listed` (`"a" or "b"`) and
/// `listed_bare` (`a or b`) for messages, `Display`, and serde (de)serialisation as the
/// string.
macro_rules! value_list {
    (
        $(#[$doc:meta])*
        $vis:vis enum $name:ident {
            $($(#[$vdoc:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        $vis enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            /// Every value, in the order messages list them.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The value as written.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            /// The value written exactly as `s`, if any.
            pub fn parse(s: &str) -> Option<$name> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s)
            }

            /// Every value quoted, for messages: `"a" or "b"`, `"a", "b" or "c"`.
            pub fn listed() -> String {
                $crate::encoding::value_list::quoted_or(&[$($text,)+])
            }

            /// Every value, for messages: `a or b`, `a, b or c`.
            pub fn listed_bare() -> String {
                $crate::encoding::value_list::or_list(&[$($text,)+])
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(
                &self,
                s: S,
            ) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(
                d: D,
            ) -> std::result::Result<$name, D::Error> {
                let s = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    <D::Error as serde::de::Error>::unknown_variant(&s, &[$($text,)+])
                })
            }
        }
    };
}

pub(crate) use value_list;

/// `"a"`, `"a" or "b"`, `"a", "b" or "c"`.
pub fn quoted_or(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    or_list(&q.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `a`, `a or b`, `a, b or c`.
pub fn or_list(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

#[cfg(test)]
mod tests {
    value_list! {
        /// A test list.
        enum Fruit {
            /// a
            Apple = "apple",
            /// b
            BloodOrange = "blood-orange",
            /// c
            Cherry = "cherry",
        }
    }

    #[test]
    fn one_table() {
        for f in Fruit::ALL {
            assert_eq!(Fruit::parse(f.as_str()), Some(*f));
            assert_eq!(f.to_string(), f.as_str());
        }
        assert_eq!(Fruit::parse("Apple"), None);
        assert_eq!(Fruit::listed(), r#""apple", "blood-orange" or "cherry""#);
        assert_eq!(Fruit::listed_bare(), "apple, blood-orange or cherry");
        assert_eq!(super::quoted_or(&["a", "b"]), r#""a" or "b""#);
        assert_eq!(super::quoted_or(&["a"]), r#""a""#);
        let json = serde_json::to_string(&Fruit::BloodOrange).unwrap();
        assert_eq!(json, r#""blood-orange""#);
        assert_eq!(
            serde_json::from_str::<Fruit>(&json).unwrap(),
            Fruit::BloodOrange
        );
        let e = serde_json::from_str::<Fruit>(r#""kiwi""#).unwrap_err();
        assert!(e.to_string().contains("unknown variant `kiwi`"), "{e}");
    }
}
