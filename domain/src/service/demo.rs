//! The Woodgrove Bank demo directory (DESIGN.md), seeded only on `--demo`, idempotently.

use super::Ctx;
use super::auth::hash_password;
use crate::model::*;
use crate::store::audit::{self, NewEvent};
use crate::store::{groups, licenses, users};
use crate::{DomainError, DomainResult};

pub const DEMO_PASSWORD: &str = "tessera-demo";

struct Person {
    email: &'static str,
    name: &'static str,
    user_type: &'static str,
    manager: &'static str,
    department: &'static str,
    job_title: &'static str,
    role: Option<DirectoryRole>,
}

const PEOPLE: &[Person] = &[
    Person {
        email: "alex.admin@woodgrove.example",
        name: "Alex Admin",
        user_type: "member",
        manager: "",
        department: "IT",
        job_title: "Identity governance administrator",
        role: Some(DirectoryRole::IdentityGovernanceAdministrator),
    },
    Person {
        email: "maria.manager@woodgrove.example",
        name: "Maria Manager",
        user_type: "member",
        manager: "",
        department: "Sales",
        job_title: "Sales manager",
        role: None,
    },
    Person {
        email: "eric.employee@woodgrove.example",
        name: "Eric Employee",
        user_type: "member",
        manager: "maria.manager@woodgrove.example",
        department: "Sales",
        job_title: "Account executive",
        role: None,
    },
    Person {
        email: "emma.employee@woodgrove.example",
        name: "Emma Employee",
        user_type: "member",
        manager: "maria.manager@woodgrove.example",
        department: "Sales",
        job_title: "Sales analyst",
        role: None,
    },
    Person {
        email: "nora.newhire@woodgrove.example",
        name: "Nora Newhire",
        user_type: "member",
        manager: "",
        department: "Operations",
        job_title: "Operations associate",
        role: None,
    },
    Person {
        email: "fiona.fallback@woodgrove.example",
        name: "Fiona Fallback",
        user_type: "member",
        manager: "",
        department: "IT",
        job_title: "Access approver",
        role: None,
    },
    Person {
        email: "gus.guest@partner.example",
        name: "Gus Guest",
        user_type: "guest",
        manager: "",
        department: "",
        job_title: "Partner consultant",
        role: None,
    },
];

pub const DEMO_GROUP: &str = "Office Licenses";
pub const DEMO_LICENSE: &str = "Office 365 E3";
pub const DEMO_SEATS: i64 = 25;

/// Seeds whatever part of the demo is missing; running it again changes nothing.
/// Returns how many demo accounts it created.
#[tracing::instrument(skip(ctx))]
pub async fn seed(ctx: &Ctx) -> DomainResult<usize> {
    let password =
        NewPassword::parse(DEMO_PASSWORD).map_err(|e| DomainError::Internal(e.into()))?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let mut created = 0;
    for p in PEOPLE {
        if users::id_by_email(
            &mut tx,
            &Email::parse(p.email).map_err(|e| DomainError::Internal(e.into()))?,
        )
        .await?
        .is_some()
        {
            continue;
        }
        let form = UserForm {
            email: p.email.into(),
            display_name: p.name.into(),
            user_type: p.user_type.into(),
            manager_email: String::new(),
            department: p.department.into(),
            job_title: p.job_title.into(),
            enabled: true,
        };
        let v = form
            .parse()
            .map_err(|e| DomainError::Internal(format!("{e:?}").into()))?;
        let id = UserId::new();
        users::insert(&mut tx, id, &v, None, now).await?;
        users::set_password_hash(&mut tx, id, &hash_password(ctx, &password).await?, now).await?;
        if let Some(role) = p.role {
            users::grant_role(&mut tx, id, role).await?;
        }
        created += 1;
    }
    // Managers once everyone exists.
    for p in PEOPLE.iter().filter(|p| !p.manager.is_empty()) {
        let (Ok(email), Ok(manager)) = (Email::parse(p.email), Email::parse(p.manager)) else {
            continue;
        };
        if let (Some(id), Some(mid)) = (
            users::id_by_email(&mut tx, &email).await?,
            users::id_by_email(&mut tx, &manager).await?,
        ) {
            users::set_manager_if_unset(&mut tx, id, mid).await?;
        }
    }
    let group = match groups::id_by_name(&mut tx, DEMO_GROUP).await? {
        Some(id) => id,
        None => {
            let id = GroupId::new();
            let name = GroupName::parse(DEMO_GROUP).map_err(|e| DomainError::Internal(e.into()))?;
            let description = Description::parse("Members get Office 365 E3 licenses")
                .map_err(|e| DomainError::Internal(e.into()))?;
            groups::insert(&mut tx, id, &name, &description, GroupKind::Security, now).await?;
            id
        }
    };
    let license = match licenses::id_by_name(&mut tx, DEMO_LICENSE).await? {
        Some(id) => id,
        None => {
            let id = LicenseId::new();
            let name =
                LicenseName::parse(DEMO_LICENSE).map_err(|e| DomainError::Internal(e.into()))?;
            licenses::insert(
                &mut tx,
                id,
                &name,
                Seats::new(DEMO_SEATS).map_err(|e| DomainError::Internal(e.into()))?,
                now,
            )
            .await?;
            id
        }
    };
    licenses::assign_to_group(&mut tx, group, license).await?;
    if created > 0 {
        let text = format!("Seeded the Woodgrove Bank demo directory ({created} accounts)");
        audit::record(
            &mut tx,
            NewEvent::new(now, None, "demo.seeded", "directory", "demo", text),
        )
        .await?;
    }
    tx.commit().await.map_err(DomainError::internal)?;
    Ok(created)
}

/// The lived-in organisation beside the tutorial's accounts ([`super::lived_in`]), built by
/// the demo's identity governance administrator; nothing when it is there already.
pub async fn seed_lived_in(ctx: &Ctx) -> DomainResult<Option<super::lived_in::LivedIn>> {
    let email = Email::parse(PEOPLE.first().map(|p| p.email).unwrap_or_default())
        .map_err(|e| DomainError::Internal(e.into()))?;
    let mut conn = ctx.read().await?;
    let id = users::id_by_email(&mut conn, &email)
        .await?
        .ok_or(DomainError::NotFound("demo administrator"))?;
    let admin = users::actor(&mut conn, id)
        .await?
        .ok_or(DomainError::NotFound("demo administrator"))?;
    drop(conn);
    super::lived_in::seed(ctx, &admin).await
}
