use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($name:ident, $what:literal) => {
        #[doc = concat!("Identifier of a ", $what, " (UUIDv7, stored as text).")]
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh id. Deliberately not `Default`: an id is never "empty".
            #[cfg(feature = "server")]
            #[allow(clippy::new_without_default)]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            pub fn parse(s: &str) -> Result<Self, String> {
                Uuid::parse_str(s.trim())
                    .map(Self)
                    .map_err(|_| format!("not a valid {} id", $what))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(UserId, "user");
id_type!(GroupId, "group");
id_type!(LicenseId, "license");
id_type!(CatalogId, "catalog");
id_type!(AuditId, "audit event");
id_type!(AccessPackageId, "access package");
id_type!(PolicyId, "policy");
id_type!(AssignmentId, "assignment");
id_type!(RequestId, "request");
id_type!(NotificationId, "notification");

impl CatalogId {
    /// The built-in catalog "General", created by the first migration.
    pub const GENERAL: CatalogId =
        CatalogId(Uuid::from_u128(0x0000_0000_0000_7000_8000_0000_0000_0001));
}
id_type!(ReviewId, "access review");
id_type!(SystemId, "connected system");
id_type!(WebhookId, "webhook");
id_type!(WebhookDeliveryId, "webhook delivery");
