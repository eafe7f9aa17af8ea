//! Administrators' lists of a package's requests and assignments, and the CSV export.

use super::*;

/// The request states an admin filter names ("" is all).
pub fn request_states(filter: &str) -> DomainResult<&'static [RequestState]> {
    if filter.is_empty() {
        return Ok(RequestFilter::All.states());
    }
    RequestFilter::parse(filter)
        .map(RequestFilter::states)
        .map_err(|_| {
            DomainError::invalid(
                "state",
                "Choose All, Pending approval, Delivered, Denied, Canceled or Expired.",
            )
        })
}

/// A package's requests for admins, newest first, filtered by state and requestor.
pub async fn package_requests(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    state: &str,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<PackageRequestView>> {
    let mut conn = ctx.read().await?;
    check_package_read(&mut conn, actor, package, query).await?;
    let states = request_states(state)?;
    store::package_requests(
        &mut conn,
        package,
        states,
        &crate::store::contains_pattern(query),
        page,
    )
    .await
}

/// A package's assignments for admins: live ones (or ended ones), searchable, paged.
pub async fn package_assignments(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    live: bool,
    query: &str,
    page: PageRequest,
) -> DomainResult<Page<AssignmentView>> {
    let mut conn = ctx.read().await?;
    check_package_read(&mut conn, actor, package, query).await?;
    store::package_assignments(
        &mut conn,
        package,
        live,
        &crate::store::contains_pattern(query),
        page,
    )
    .await
}

/// At most this many rows go into one CSV export; a search narrows a bigger list.
pub const MAX_EXPORT_ROWS: i64 = 100_000;
pub(super) const EXPORT_BATCH: i64 = 1_000;

/// A package's assignments (live or ended, matching `query`) as CSV: name, email, state,
/// policy, start and end (RFC 3339, UTC). Read in batches; refused beyond
/// [`MAX_EXPORT_ROWS`] with a message saying to narrow the search.
pub async fn assignments_csv(
    ctx: &Ctx,
    actor: &Actor,
    package: AccessPackageId,
    live: bool,
    query: &str,
) -> DomainResult<String> {
    let mut conn = ctx.read().await?;
    check_package_read(&mut conn, actor, package, query).await?;
    let pattern = crate::store::contains_pattern(query);
    let mut out = super::super::csv_export::CsvExport::with_header(&[
        "Name", "Email", "State", "Policy", "Starts", "Ends",
    ])?;
    let mut offset = 0;
    loop {
        let rows = store::assignment_rows(&mut conn, package, live, &pattern, EXPORT_BATCH, offset)
            .await?;
        let n = rows.len() as i64;
        for a in rows {
            out.row([
                a.user.display_name,
                a.user.email,
                a.state.code().to_owned(),
                a.policy.unwrap_or_default(),
                a.starts_at.to_rfc3339(),
                a.ends_at.map(|e| e.to_rfc3339()).unwrap_or_default(),
            ])?;
        }
        offset += n;
        if n < EXPORT_BATCH {
            break;
        }
        if offset >= MAX_EXPORT_ROWS {
            return Err(DomainError::Conflict(format!(
                "More than {MAX_EXPORT_ROWS} assignments match; search to narrow the export."
            )));
        }
    }
    out.finish()
}
