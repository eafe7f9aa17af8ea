//! Validated values: parsed once at the boundary, trusted everywhere after.

use serde::{Deserialize, Serialize};

pub(crate) fn bounded_text(
    raw: &str,
    what: &str,
    max_chars: usize,
    required: bool,
) -> Result<String, String> {
    let text = raw.trim();
    if required && text.is_empty() {
        return Err(format!("{what} is required."));
    }
    if text.chars().count() > max_chars {
        return Err(format!("{what} must be at most {max_chars} characters."));
    }
    if text.chars().any(|c| c.is_control()) {
        return Err(format!("{what} must not contain control characters."));
    }
    Ok(text.to_owned())
}

/// An email address, trimmed and lower-cased so uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    pub const MAX_LEN: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let s = raw.trim().to_lowercase();
        if s.is_empty() {
            return Err("Email is required.".into());
        }
        if s.len() > Self::MAX_LEN {
            return Err(format!(
                "Email must be at most {} characters.",
                Self::MAX_LEN
            ));
        }
        let Some((local, domain)) = s.split_once('@') else {
            return Err("Email must look like name@example.com.".into());
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && !local.contains('@')
            && !local.chars().any(|c| c.is_whitespace() || c.is_control());
        if !(domain_ok && local_ok) {
            return Err("Email must look like name@example.com.".into());
        }
        Ok(Self(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! text_type {
    ($name:ident, $what:literal, $max:expr, $required:expr) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            pub fn parse(raw: &str) -> Result<Self, String> {
                bounded_text(raw, $what, $max, $required).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

text_type!(DisplayName, "Display name", 120, true);
text_type!(GroupName, "Name", 120, true);
text_type!(LicenseName, "Name", 120, true);
text_type!(Description, "Description", 1000, false);
text_type!(Department, "Department", 120, false);
text_type!(CatalogName, "Name", 120, true);
text_type!(PackageName, "Name", 200, true);
text_type!(PackageDescription, "Description", 2000, true);
text_type!(PolicyName, "Policy name", 120, true);
text_type!(PolicyDescription, "Policy description", 1000, false);
text_type!(JobTitle, "Job title", 120, false);

/// A license's seat count: 0 ..= 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Seats(i64);

impl Seats {
    pub const MAX: i64 = 1_000_000;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let n: i64 = raw
            .trim()
            .parse()
            .map_err(|_| "Seats must be a whole number.".to_string())?;
        Self::new(n)
    }

    pub fn new(n: i64) -> Result<Self, String> {
        if !(0..=Self::MAX).contains(&n) {
            return Err(format!("Seats must be between 0 and {}.", Self::MAX));
        }
        Ok(Self(n))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

/// A new password: long enough to resist guessing, short enough to hash cheaply.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(raw: &str) -> Result<Self, String> {
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(format!(
                "Password must be at least {} characters.",
                Self::MIN_CHARS
            ));
        }
        if n > Self::MAX_CHARS {
            return Err(format!(
                "Password must be at most {} characters.",
                Self::MAX_CHARS
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

macro_rules! str_enum {
    // `#[codes]` first: serialized as the stored code (states and kinds, whose code is the
    // wire format); without it, as the variant's name (enums inside stored policy JSON).
    (#[codes] $(#[$m:meta])* $name:ident { $($variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $code)] $variant),+ }
        str_enum!(@impl $name { $($variant = $code / $label),+ });
    };
    ($(#[$m:meta])* $name:ident { $($variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $($variant),+ }
        str_enum!(@impl $name { $($variant = $code / $label),+ });
    };
    (@impl $name:ident { $($variant:ident = $code:literal / $label:literal),+ }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code stored in the database and sent in forms.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// What a person reads.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }

            pub fn parse(code: &str) -> Result<Self, String> {
                match code.trim() {
                    $($code => Ok($name::$variant),)+
                    other => Err(format!("'{}' is not one of: {}", other, [$($code),+].join(", "))),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        // Read and written as its code; a stored value that is not a code fails the query
        // (fail closed: never a default).
        #[cfg(feature = "server")]
        impl sqlx::Type<sqlx::Any> for $name {
            fn type_info() -> sqlx::any::AnyTypeInfo {
                <String as sqlx::Type<sqlx::Any>>::type_info()
            }
            fn compatible(ty: &sqlx::any::AnyTypeInfo) -> bool {
                <String as sqlx::Type<sqlx::Any>>::compatible(ty)
            }
        }

        #[cfg(feature = "server")]
        impl<'r> sqlx::Decode<'r, sqlx::Any> for $name {
            fn decode(value: sqlx::any::AnyValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let code = <&str as sqlx::Decode<'r, sqlx::Any>>::decode(value)?;
                Ok($name::parse(code).map_err(|e| format!("{}: {e}", stringify!($name)))?)
            }
        }

        #[cfg(feature = "server")]
        impl<'q> sqlx::Encode<'q, sqlx::Any> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut <sqlx::Any as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'q str as sqlx::Encode<'q, sqlx::Any>>::encode(self.code(), buf)
            }
        }
    };
}

str_enum!(
    /// Member or guest, as in the product.
    UserType { Member = "member" / "Member", Guest = "guest" / "Guest" }
);

str_enum!(
    /// Tenant-wide roles.
    DirectoryRole {
        GlobalAdministrator = "global_administrator" / "Global Administrator",
        IdentityGovernanceAdministrator = "identity_governance_administrator" / "Identity Governance Administrator",
        UserAdministrator = "user_administrator" / "User Administrator",
        CatalogCreator = "catalog_creator" / "Catalog creator",
    }
);

str_enum!(
    /// Roles that act only inside one catalog.
    CatalogRole {
        CatalogOwner = "catalog_owner" / "Catalog owner",
        CatalogReader = "catalog_reader" / "Catalog reader",
        AccessPackageManager = "access_package_manager" / "Access package manager",
        AccessPackageAssignmentManager = "access_package_assignment_manager" / "Access package assignment manager",
    }
);

str_enum!(
    /// Security group, or a Microsoft 365-style group (mail, collaboration).
    GroupKind { Security = "security" / "Security", Microsoft365 = "microsoft365" / "Microsoft 365" }
);

str_enum!(
    /// Which database a deployment runs on.
    Backend { Sqlite = "sqlite" / "SQLite", Postgres = "postgres" / "PostgreSQL" }
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            Email::parse("  Eric.Employee@Woodgrove.Example ").map(|e| e.0),
            Ok("eric.employee@woodgrove.example".into())
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_a_readable_reason() {
        for bad in [
            "",
            "eric",
            "eric@",
            "@woodgrove.example",
            "eric@woodgrove",
            "e ric@w.example",
            "eric@w..example",
            "a@b@c.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be refused");
        }
        let long = format!("{}@woodgrove.example", "a".repeat(250));
        assert_eq!(
            Email::parse(&long),
            Err("Email must be at most 254 characters.".into())
        );
    }

    #[test]
    fn display_names_are_required_trimmed_and_bounded() {
        assert_eq!(
            DisplayName::parse("  Eric  ").map(|n| n.0),
            Ok("Eric".into())
        );
        assert_eq!(
            DisplayName::parse("   "),
            Err("Display name is required.".into())
        );
        assert!(DisplayName::parse(&"x".repeat(121)).is_err());
        assert!(DisplayName::parse("a\u{0007}b").is_err());
    }

    #[test]
    fn optional_texts_may_be_empty() {
        assert_eq!(Department::parse("").map(|d| d.0), Ok(String::new()));
    }

    #[test]
    fn seats_are_bounded_whole_numbers() {
        assert_eq!(Seats::parse(" 25 ").map(Seats::get), Ok(25));
        assert!(Seats::parse("-1").is_err());
        assert!(Seats::parse("2.5").is_err());
        assert!(Seats::parse("1000001").is_err());
        assert_eq!(Seats::parse("0").map(Seats::get), Ok(0));
    }

    #[test]
    fn passwords_have_length_bounds_and_never_print() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse(&"x".repeat(257)).is_err());
        let p = NewPassword::parse("correct horse battery").map(|p| format!("{p:?}"));
        assert_eq!(p, Ok("NewPassword(***)".into()));
    }

    #[test]
    fn enum_codes_round_trip() {
        for r in DirectoryRole::ALL {
            assert_eq!(DirectoryRole::parse(r.code()), Ok(*r));
        }
        assert!(UserType::parse("admin").is_err());
    }
}
