//! Plain tables for `status`, `up` and `cleanup`.

use comfy_table::{presets::NOTHING, ContentArrangement, Table};

/// A borderless table, indented two spaces; an empty header prints no header row.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !header.is_empty() {
        table.set_header(header.to_vec());
    }
    for row in rows {
        table.add_row(row);
    }
    table
        .lines()
        .map(|l| format!(" {}", l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}
