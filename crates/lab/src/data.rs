//! The sample mysfits that `up` loads into an empty table.

use serde_json::Value;

pub const SAMPLE_MYSFITS: &str = include_str!("../../../examples/data/mysfits.json");

/// A DynamoDB attribute, kept SDK-free so the model stays testable offline.
#[derive(Debug, Clone, PartialEq)]
pub enum Attr {
    S(String),
    N(String),
    Bool(bool),
}

pub type Item = Vec<(String, Attr)>;

/// The table's partition key (templates/core.yaml), by which a load finds what is missing.
pub const SAMPLE_KEY: &str = "MysfitId";

/// The sample items, strings as S, numbers as N, booleans as BOOL.
pub fn sample_items() -> Result<Vec<Item>, String> {
    let rows: Vec<serde_json::Map<String, Value>> = serde_json::from_str(SAMPLE_MYSFITS)
        .map_err(|e| format!("examples/data/mysfits.json: {e}"))?;
    rows.into_iter()
        .map(|row| {
            row.into_iter()
                .map(|(k, v)| {
                    let attr = match v {
                        Value::String(s) => Attr::S(s),
                        Value::Number(n) => Attr::N(n.to_string()),
                        Value::Bool(b) => Attr::Bool(b),
                        other => {
                            return Err(format!("mysfits.json: {k} has unsupported value {other}"))
                        }
                    };
                    Ok((k, attr))
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_mysfits_with_keys_the_indexes_need() {
        let items = sample_items().unwrap();
        assert_eq!(items.len(), 12);
        for item in &items {
            for key in [
                "MysfitId", "Name", "GoodEvil", "LawChaos", "Likes", "Adopted",
            ] {
                assert!(item.iter().any(|(k, _)| k == key), "missing {key}");
            }
        }
    }
}
