//! Policy as code as YAML: the file `tessera export` writes and `tessera apply` reads (and
//! `/api/v1/export` / `apply`). What it holds and how it is applied: `domain::service::governance`.

use domain::DomainError;
use domain::model::GovernanceFile;

/// The largest file apply reads (a thousand packages with their policies is about 2 MB).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

const HEADER: &str = "\
# Tessera governance configuration: catalogs, access packages and their policies.
# People are named by email, groups, catalogs and packages by name.
# `tessera apply FILE --dry-run --as EMAIL` shows what applying it would change.
";

pub fn to_yaml(file: &GovernanceFile) -> Result<String, DomainError> {
    let body = yaml_serde::to_string(file).map_err(DomainError::internal)?;
    Ok(format!("{HEADER}{body}"))
}

/// Reads a file; what cannot be read is a `file` field error naming the line and column.
pub fn from_yaml(text: &str) -> Result<GovernanceFile, DomainError> {
    if text.len() > MAX_BYTES {
        return Err(DomainError::invalid(
            "file",
            format!("The file is larger than {} MB.", MAX_BYTES / (1024 * 1024)),
        ));
    }
    yaml_serde::from_str(text).map_err(|e| DomainError::invalid("file", e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_fields_and_bad_values_name_where_they_are() {
        let e = from_yaml("version: 1\ncatalogs:\n  - name: Sales\n    owner: x\n").unwrap_err();
        let DomainError::Invalid(f) = e else {
            panic!("{e:?}")
        };
        assert_eq!(f[0].field, "file");
        assert!(
            f[0].message.contains("unknown field `owner`"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("line 4"), "{}", f[0].message);
    }

    #[test]
    fn a_file_reads_back_as_written() {
        let file: GovernanceFile = from_yaml(
            "version: 1\ncatalogs:\n  - name: Sales\n    roles:\n      - role: catalog_owner\n        user: maria@woodgrove.example\n",
        )
        .unwrap();
        assert!(file.catalogs[0].enabled, "enabled by default");
        let text = to_yaml(&file).unwrap();
        assert!(text.starts_with("# Tessera governance"));
        assert_eq!(from_yaml(&text).unwrap(), file);
    }
}
