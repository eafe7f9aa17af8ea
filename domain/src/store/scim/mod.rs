//! What SCIM reads and writes: people and groups as SCIM resources, SCIM filters as SQL
//! with bound values, and the provisioning clients' tokens.

pub mod groups;
pub mod tokens;
pub mod users;

use crate::scim::ScimError;
use crate::scim::filter::{AttrPath, Filter, Op, Value};

/// A filter's values, bound in order to `$1 … $n`.
#[derive(Debug, Default)]
pub struct Bound {
    pub args: Vec<String>,
}

impl Bound {
    fn push(&mut self, v: String) -> String {
        self.args.push(v);
        format!("${}", self.args.len())
    }

    pub fn refs(&self) -> Vec<super::Arg<'_>> {
        self.args.iter().map(|a| super::Arg::Text(a)).collect()
    }
}

/// How a filterable attribute is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Column {
    /// Text compared case-insensitively: the expression is lower-cased, so is the value.
    Folded(&'static str),
    /// Text compared as is.
    Exact(&'static str),
    /// A 0/1 flag.
    Flag(&'static str),
    /// Membership: `EXISTS (…)` with the value as the member's id (`$` marks where it goes).
    Exists(&'static str),
    /// Always true or always false (a sub-attribute Tessera fixes, such as an e-mail's type).
    Constant(bool),
}

fn like_escaped(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The SQL condition for `f`, with its values added to `bound`. `column` says how each
/// attribute is stored; `within` is the attribute a `[…]` value filter is about.
pub(crate) fn condition(
    f: &Filter,
    column: &dyn Fn(&AttrPath) -> Result<Column, ScimError>,
    bound: &mut Bound,
) -> Result<String, ScimError> {
    Ok(match f {
        Filter::And(a, b) => format!(
            "({} AND {})",
            condition(a, column, bound)?,
            condition(b, column, bound)?
        ),
        Filter::Or(a, b) => format!(
            "({} OR {})",
            condition(a, column, bound)?,
            condition(b, column, bound)?
        ),
        Filter::Not(a) => format!("(NOT {})", condition(a, column, bound)?),
        Filter::Within { path, filter } => {
            // emails[value co "x"]: the inner paths are sub-attributes of `path`.
            let outer = path.clone();
            let inner_column = move |p: &AttrPath| {
                column(&AttrPath {
                    schema: outer.schema.clone(),
                    attr: outer.attr.clone(),
                    sub: Some(p.attr.clone()),
                })
            };
            condition(filter, &inner_column, bound)?
        }
        Filter::Present(path) => match column(path)? {
            Column::Folded(e) | Column::Exact(e) => format!("({e} IS NOT NULL AND {e} <> '')"),
            Column::Flag(_) => "1 = 1".into(),
            Column::Exists(_) => {
                return Err(ScimError::invalid_filter(
                    "Members can be compared with eq only.",
                ));
            }
            Column::Constant(c) => if c { "1 = 1" } else { "1 = 0" }.into(),
        },
        Filter::Compare { path, op, value } => compare(column(path)?, *op, value, bound)?,
    })
}

fn compare(col: Column, op: Op, value: &Value, bound: &mut Bound) -> Result<String, ScimError> {
    let (expr, folded) = match col {
        Column::Constant(c) => {
            let holds = match op {
                Op::Eq => c,
                Op::Ne => !c,
                _ => false,
            };
            return Ok(if holds { "1 = 1" } else { "1 = 0" }.into());
        }
        Column::Flag(e) => {
            let Value::Bool(b) = value else {
                return Err(ScimError::invalid_filter(
                    "A true/false attribute compares with true or false.",
                ));
            };
            return match op {
                Op::Eq => Ok(format!("{e} = {}", i64::from(*b))),
                Op::Ne => Ok(format!("{e} <> {}", i64::from(*b))),
                _ => Err(ScimError::invalid_filter(
                    "A true/false attribute compares with eq or ne.",
                )),
            };
        }
        Column::Exists(sql) => {
            let (Op::Eq, Value::Str(id)) = (op, value) else {
                return Err(ScimError::invalid_filter(
                    "Members compare with eq and a user id.",
                ));
            };
            let p = bound.push(id.clone());
            return Ok(sql.replace('$', &p));
        }
        Column::Folded(e) => (e, true),
        Column::Exact(e) => (e, false),
    };
    let text = match value {
        Value::Null => {
            return match op {
                Op::Eq => Ok(format!("({expr} IS NULL OR {expr} = '')")),
                Op::Ne => Ok(format!("({expr} IS NOT NULL AND {expr} <> '')")),
                _ => Err(ScimError::invalid_filter("null compares with eq or ne.")),
            };
        }
        Value::Str(s) => s.clone(),
        Value::Num(n) => n.clone(),
        Value::Bool(b) => b.to_string(),
    };
    let text = if folded { text.to_lowercase() } else { text };
    let like = |pattern: String, bound: &mut Bound| {
        format!("{expr} LIKE {} ESCAPE '\\'", bound.push(pattern))
    };
    Ok(match op {
        Op::Eq => format!("{expr} = {}", bound.push(text)),
        Op::Ne => format!("({expr} IS NULL OR {expr} <> {})", bound.push(text)),
        Op::Co => like(format!("%{}%", like_escaped(&text)), bound),
        Op::Sw => like(format!("{}%", like_escaped(&text)), bound),
        Op::Ew => like(format!("%{}", like_escaped(&text)), bound),
        Op::Gt => format!("{expr} > {}", bound.push(text)),
        Op::Ge => format!("{expr} >= {}", bound.push(text)),
        Op::Lt => format!("{expr} < {}", bound.push(text)),
        Op::Le => format!("{expr} <= {}", bound.push(text)),
    })
}

/// How many rows match `filter` (within `scope`) and one window of them in `order`:
/// `select` and `count` are the two queries up to their FROM clause.
pub(crate) async fn windowed<R>(
    conn: &mut super::Conn,
    (select, count, scope, order): (&str, &str, &str, &str),
    filter: Option<&Filter>,
    column: fn(&AttrPath) -> Result<Column, ScimError>,
    window: Window,
) -> Result<(i64, Vec<R>), ScimError>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
{
    let mut bound = Bound::default();
    let cond = match filter {
        Some(f) => condition(f, &column, &mut bound)?,
        None => "1 = 1".into(),
    };
    let refs = bound.refs();
    let total: i64 = sqlx::query_scalar_with(
        &format!("{count} WHERE {scope} AND {cond}"),
        super::arguments(&refs, &[])?,
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(crate::DomainError::from)?;
    if window.limit == 0 || total <= window.offset {
        return Ok((total, Vec::new()));
    }
    let n = refs.len();
    let sql = format!(
        "{select} WHERE {scope} AND {cond} ORDER BY {order} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows: Vec<R> = sqlx::query_as_with(
        &sql,
        super::arguments(&refs, &[window.limit, window.offset])?,
    )
    .fetch_all(&mut *conn)
    .await
    .map_err(crate::DomainError::from)?;
    Ok((total, rows))
}

/// `startIndex` (1-based) and `count` as OFFSET and LIMIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub offset: i64,
    pub limit: i64,
}

impl Window {
    /// RFC 7644 §3.4.2.4: a start below 1 is 1; a negative count is 0; Tessera caps the count
    /// at [`crate::scim::MAX_RESULTS`].
    pub fn new(start_index: Option<i64>, count: Option<i64>) -> Window {
        Window {
            offset: start_index.unwrap_or(1).max(1) - 1,
            limit: count
                .unwrap_or(crate::scim::DEFAULT_COUNT)
                .clamp(0, crate::scim::MAX_RESULTS),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn users(p: &AttrPath) -> Result<Column, ScimError> {
        Ok(match (p.attr.as_str(), p.sub.as_deref()) {
            ("username", None) => Column::Folded("lower(u.user_name)"),
            ("emails", Some("type")) => Column::Constant(true),
            ("emails", Some("value")) => Column::Folded("u.email"),
            ("active", None) => Column::Flag("u.enabled"),
            _ => return Err(ScimError::invalid_filter("no")),
        })
    }

    #[test]
    fn filters_become_sql_with_bound_lower_cased_values() {
        let f = Filter::parse(r#"userName eq "Bob" and (emails[type eq "work" and value co "a_b"] or active eq false)"#)
            .unwrap();
        let mut b = Bound::default();
        let sql = condition(&f, &users, &mut b).unwrap();
        assert_eq!(
            sql,
            "(lower(u.user_name) = $1 AND ((1 = 1 AND u.email LIKE $2 ESCAPE '\\') OR u.enabled = 0))"
        );
        assert_eq!(b.args, vec!["bob".to_string(), "%a\\_b%".to_string()]);
    }

    #[test]
    fn unknown_attributes_and_wrong_values_are_invalid_filters() {
        let mut b = Bound::default();
        let e = condition(&Filter::parse(r#"shoe eq "9""#).unwrap(), &users, &mut b).unwrap_err();
        assert_eq!(e.scim_type, Some("invalidFilter"));
        let e = condition(
            &Filter::parse(r#"active eq "yes""#).unwrap(),
            &users,
            &mut b,
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some("invalidFilter"));
    }

    #[test]
    fn windows_follow_rfc_7644() {
        assert_eq!(
            Window::new(None, None),
            Window {
                offset: 0,
                limit: 100
            }
        );
        assert_eq!(
            Window::new(Some(0), Some(-5)),
            Window {
                offset: 0,
                limit: 0
            }
        );
        assert_eq!(
            Window::new(Some(11), Some(5_000)),
            Window {
                offset: 10,
                limit: 1_000
            }
        );
    }
}
