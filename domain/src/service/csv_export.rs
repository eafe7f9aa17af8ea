//! The one way Tessera writes a CSV export: every cell neutralised against formula injection.

use crate::{DomainError, DomainResult};

/// A cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, or a tab or carriage
/// return before one) gets a leading apostrophe, so it is shown as the text it is. A
/// delegated administrator can name a policy `=HYPERLINK(…)`; the auditor who opens the
/// export must see that text, not follow it.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// A CSV document built row by row.
pub struct CsvExport {
    out: csv::Writer<Vec<u8>>,
}

fn failed(e: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(e.to_string().into())
}

impl CsvExport {
    /// A document starting with its header row.
    pub fn with_header(header: &[&str]) -> DomainResult<Self> {
        let mut doc = Self {
            out: csv::Writer::from_writer(Vec::new()),
        };
        doc.row(header.iter().copied())?;
        Ok(doc)
    }

    pub fn row<I, S>(&mut self, cells: I) -> DomainResult<()>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let cells: Vec<String> = cells
            .into_iter()
            .map(|c| neutralise(c.as_ref()).into_owned())
            .collect();
        self.out.write_record(&cells).map_err(failed)
    }

    pub fn finish(self) -> DomainResult<String> {
        let bytes = self.out.into_inner().map_err(failed)?;
        String::from_utf8(bytes).map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for formula in [
            "=HYPERLINK(\"http://x\")",
            "+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(neutralise(formula), format!("'{formula}"));
        }
        for plain in [
            "Office Licenses",
            "2026-11-29T09:00:00+00:00",
            "",
            "a=b",
            "'quoted",
        ] {
            assert_eq!(neutralise(plain), plain);
        }
    }

    #[test]
    fn an_export_neutralises_every_cell_and_quotes_as_csv_does() {
        let mut doc = CsvExport::with_header(&["Name", "Policy"]).unwrap();
        doc.row(["Eric, Jr.", "=cmd|'/c calc'!A1"]).unwrap();
        assert_eq!(
            doc.finish().unwrap(),
            "Name,Policy\n\"Eric, Jr.\",'=cmd|'/c calc'!A1\n"
        );
    }
}
