//! `tessera check`: proves the invariants on a database (an operator's command, like
//! `audit verify`; no person acts). Each invariant of `store::check`, the kept counts
//! against fresh counts (`store::counts::mismatches`), and the audit chain.

use super::Ctx;
use crate::DomainResult;
use crate::model::ChainCheck;
use crate::store::{check, counts};

/// One invariant and what breaks it (empty: it holds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub invariant: &'static str,
    /// Up to `check::EXAMPLES` rows that break it, in words.
    pub breaking: Vec<String>,
}

impl Finding {
    pub fn holds(&self) -> bool {
        self.breaking.is_empty()
    }
}

/// Every invariant, in order, each with what breaks it.
pub async fn run(ctx: &Ctx) -> DomainResult<Vec<Finding>> {
    let mut conn = ctx.read().await?;
    let mut out = Vec::with_capacity(check::INVARIANTS.len() + 2);
    for invariant in check::INVARIANTS {
        out.push(Finding {
            invariant: invariant.name,
            breaking: check::breaking(&mut conn, invariant).await?,
        });
    }
    let mut mismatches = counts::mismatches(&mut conn).await?;
    mismatches.truncate(check::EXAMPLES as usize);
    out.push(Finding {
        invariant: "kept counts (group members, license seats used, live assignments) equal fresh counts",
        breaking: mismatches,
    });
    drop(conn);
    out.push(Finding {
        invariant: "the audit log's hash chain is intact",
        breaking: match super::audit::verify_chain(ctx).await? {
            ChainCheck::Intact { .. } => vec![],
            ChainCheck::Broken { seq, reason } => vec![format!("event {seq}: {reason}")],
        },
    });
    Ok(out)
}
