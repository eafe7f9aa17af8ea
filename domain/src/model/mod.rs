//! Types shared by the server and the browser: ids, validated values, views.

#[macro_use]
mod values;
mod api_tokens;
mod audit;
mod catalogs;
mod connectors;
mod directory;
mod governance;
mod ids;
mod insight;
pub mod limits;
mod notifications;
mod packages;
mod reports;
mod requests;
mod reviews;
mod states;
mod sync;
mod webhooks;

pub use api_tokens::*;
pub use audit::*;
pub use catalogs::*;
pub use connectors::*;
pub use directory::*;
pub use governance::*;
pub use ids::*;
pub use insight::*;
pub use notifications::*;
pub use packages::*;
pub use reports::*;
pub use requests::*;
pub use reviews::*;
pub use states::*;
pub use sync::*;
#[cfg(feature = "server")]
pub(crate) use values::bounded_text;
pub use values::*;
pub use webhooks::*;

use serde::{Deserialize, Serialize};

/// One problem with one input field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// Collects field errors while a whole form is parsed, so the person sees all of them at once.
#[derive(Debug, Default)]
pub struct Problems(pub Vec<FieldError>);

impl Problems {
    pub fn check<T>(&mut self, field: &str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn into_result(self) -> Result<(), crate::DomainError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(crate::DomainError::Invalid(self.0))
        }
    }
}

/// One page of a list, with what the pager needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

impl<T> Page<T> {
    /// The page `request` asked for, holding `items` of `total`.
    pub fn of(items: Vec<T>, total: i64, request: PageRequest) -> Self {
        Self {
            items,
            total,
            page: request.page,
            per_page: request.per_page,
        }
    }

    pub fn page_count(&self) -> u32 {
        let per = i64::from(self.per_page.max(1));
        u32::try_from((self.total + per - 1) / per)
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// A page request, bounded so no caller can ask for the whole table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl PageRequest {
    pub const MAX_PER_PAGE: u32 = 100;
    pub const DEFAULT_PER_PAGE: u32 = 25;

    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, Self::MAX_PER_PAGE),
        }
    }

    pub fn first() -> Self {
        Self::new(1, Self::DEFAULT_PER_PAGE)
    }

    pub fn offset(&self) -> i64 {
        i64::from(self.page - 1) * i64::from(self.per_page)
    }

    pub fn limit(&self) -> i64 {
        i64::from(self.per_page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_requests_are_bounded() {
        assert_eq!(
            PageRequest::new(0, 10_000),
            PageRequest {
                page: 1,
                per_page: 100
            }
        );
        assert_eq!(PageRequest::new(3, 20).offset(), 40);
    }

    #[test]
    fn page_count_rounds_up_and_is_never_zero() {
        let p = Page::<()> {
            items: vec![],
            total: 0,
            page: 1,
            per_page: 25,
        };
        assert_eq!(p.page_count(), 1);
        let p = Page::<()> {
            items: vec![],
            total: 51,
            page: 1,
            per_page: 25,
        };
        assert_eq!(p.page_count(), 3);
    }
}
