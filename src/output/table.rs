//! Plain tables for `status`, `up` and `cleanup`.

use comfy_table::{presets::NOTHING, ContentArrangement, Table};

/// The widest a table is drawn: wider cells wrap (full values are in `--output json`).
const MAX_WIDTH: u16 = 99;

/// A borderless table, indented two spaces; an empty header prints no header row.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut table = Table::new();
    table
        .load_preset(NOTHING)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(MAX_WIDTH);
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
