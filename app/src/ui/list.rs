//! Lists: the search box above one, the page and search read from the URL, the pager below.

use domain::model::limits::MAX_SEARCH_CHARS;
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

/// The search text (`?q=`), page (`?page=`) and other filters of a list page's URL.
#[derive(Clone, Copy)]
pub struct ListQuery(Memo<ParamsMap>);

impl ListQuery {
    pub fn from_url() -> Self {
        Self(use_query_map())
    }

    pub fn q(self) -> String {
        self.get("q")
    }

    pub fn page(self) -> u32 {
        page_number(&self.0.read())
    }

    /// Another parameter, empty when it is missing.
    pub fn get(self, key: &str) -> String {
        self.0.read().get(key).unwrap_or_default()
    }
}

/// The `page` of a URL's query; the first page when it is missing or not a number.
pub fn page_number(query: &ParamsMap) -> u32 {
    query.get("page").and_then(|p| p.parse().ok()).unwrap_or(1)
}

/// The search box above a list: a GET form that puts the text in `?q=` (and the `children`,
/// more filters placed after the box, in their own parameters).
#[component]
pub fn SearchBar(
    /// The input's id.
    id: &'static str,
    /// The input's accessible name ("Search users").
    label: &'static str,
    placeholder: &'static str,
    #[prop(into)] q: Signal<String>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <Form method="GET" action="" attr:class="searchbar" attr:role="search">
            <label class="sr-only" for=id>
                {label}
            </label>
            <input
                id=id
                type="search"
                name="q"
                value=q
                placeholder=placeholder
                maxlength=MAX_SEARCH_CHARS
            />
            {children.map(|c| c())}
            <button type="submit">"Search"</button>
        </Form>
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Previous / "Page n of m" / next, as links that keep the search.
#[component]
pub fn Pager(
    base: String,
    q: String,
    page: u32,
    page_count: u32,
    total: i64,
    #[prop(into)] noun: String,
    /// More query parameters to keep, already encoded (`catalog=…`).
    #[prop(optional, into)]
    extra: String,
) -> impl IntoView {
    let extra = if extra.is_empty() {
        extra
    } else {
        format!("&{extra}")
    };
    let link = move |p: u32| format!("{base}?q={}&page={p}{extra}", encode(&q));
    let prev = (page > 1).then(|| link(page - 1));
    let next = (page < page_count).then(|| link(page + 1));
    view! {
        <nav class="pager" aria-label="Pages">
            {match prev {
                Some(href) => {
                    view! {
                        <a href=href rel="prev">
                            "Previous"
                        </a>
                    }
                        .into_any()
                }
                None => view! { <span class="muted">"Previous"</span> }.into_any(),
            }}
            <span>{format!("Page {page} of {page_count} · {total} {noun}")}</span>
            {match next {
                Some(href) => {
                    view! {
                        <a href=href rel="next">
                            "Next"
                        </a>
                    }
                        .into_any()
                }
                None => view! { <span class="muted">"Next"</span> }.into_any(),
            }}
        </nav>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(super::encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
    }
}
