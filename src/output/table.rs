//! Plain tables for `status` and `up`. Off a terminal a table is never wrapped: a log or a
//! script gets every value whole. On a terminal it fits the terminal's width, wrapping
//! only between words, so a URI, an ARN or an image reference is never cut; when even
//! the longest words cannot fit, the terminal folds the lines.

use comfy_table::{presets::NOTHING, ColumnConstraint, ContentArrangement, Table, Width};

/// Cells are padded by one space on each side.
const PADDING: u16 = 2;

/// A borderless table, indented two spaces; an empty header prints no header row.
pub fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    fitted(header, rows, stdout_width())
}

/// The width of the terminal that stdout is, if it is one.
fn stdout_width() -> Option<u16> {
    let term = console::Term::stdout();
    if !term.is_term() {
        return None;
    }
    term.size_checked().map(|(_rows, columns)| columns)
}

/// The table drawn for a terminal `width` columns wide, or for no terminal (`None`).
fn fitted(header: &[&str], rows: Vec<Vec<String>>, width: Option<u16>) -> String {
    let cells = || {
        std::iter::once(header.iter().map(|h| h.to_string()).collect::<Vec<_>>())
            .chain(rows.iter().cloned())
    };
    // Each column's longest word: the narrowest it may be without cutting one.
    let mut words: Vec<u16> = Vec::new();
    for row in cells() {
        words.resize(words.len().max(row.len()), 0);
        for (i, cell) in row.iter().enumerate() {
            let longest = cell.split_whitespace().map(text_width).max().unwrap_or(0);
            words[i] = words[i].max(longest);
        }
    }
    let mut table = Table::new();
    table.load_preset(NOTHING).force_no_tty();
    if !header.is_empty() {
        table.set_header(header.to_vec());
    }
    for row in rows {
        table.add_row(row);
    }
    match width {
        Some(width) => {
            // One column goes to the indent added below, one is left free: a line that
            // ends in the terminal's last column makes some terminals fold an empty line
            // after it. Too narrow for the longest words, the table is as narrow as they
            // allow and the terminal folds its lines: a word is never cut.
            let narrowest: u16 = words.iter().map(|w| w + PADDING).sum();
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width.saturating_sub(2).max(narrowest))
                .set_constraints(
                    words
                        .iter()
                        .map(|w| ColumnConstraint::LowerBoundary(Width::Fixed(w + PADDING))),
                );
        }
        None => {
            table.set_content_arrangement(ContentArrangement::Disabled);
        }
    }
    table
        .lines()
        .map(|l| format!(" {}", l.trim_end()))
        .collect::<Vec<_>>()
        .join("\n")
}

fn text_width(s: &str) -> u16 {
    u16::try_from(console::measure_text_width(s)).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::fitted;

    const URI: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/mysfits/monolith-service";
    const ARN: &str =
        "arn:aws:ecs:us-east-1:123456789012:task-definition/mysfits-monolith-service:12";

    fn rows() -> Vec<Vec<String>> {
        vec![
            vec!["Repository monolith-service".into(), URI.into()],
            vec!["Task definition".into(), ARN.into()],
            vec![
                "Note".into(),
                "the like-service calls the monolith for every like it records".into(),
            ],
        ]
    }

    /// Off a terminal: one line per row, every value whole, however long.
    #[test]
    fn off_a_terminal_rows_are_never_wrapped() {
        let long = format!("{URI}/{}", "x".repeat(200));
        let text = fitted(&[], vec![vec!["Repository".into(), long.clone()]], None);
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains(&long), "{text}");
        let text = fitted(&["NAME", "VALUE"], rows(), None);
        assert_eq!(text.lines().count(), 4, "{text}");
    }

    /// On a terminal of any width a URI or an ARN stays on one line; prose may wrap, and
    /// no line is wider than the terminal unless a word is.
    #[test]
    fn on_a_terminal_words_are_never_cut() {
        for width in 10..=200u16 {
            let text = fitted(&["NAME", "VALUE"], rows(), Some(width));
            for whole in [URI, ARN, "monolith-service", "Repository"] {
                assert!(
                    text.lines().any(|l| l.contains(whole)),
                    "{whole} cut at width {width}:\n{text}"
                );
            }
            // Inside the terminal, or as narrow as the longest words allow: the first
            // column's `monolith-service` and the ARN, each with its padding.
            let narrowest = (16 + 2) + (ARN.len() + 2);
            let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
            assert!(
                widest <= (width as usize - 1).max(narrowest),
                "width {width}:\n{text}"
            );
        }
    }

    /// The up summary's 100-column line fits a 110-column terminal unwrapped (it once
    /// wrapped at 99 whatever the width); prose wraps between words in a narrower one.
    #[test]
    fn the_terminals_width_is_used() {
        let rows = || vec![rows()[0].clone(), rows()[2].clone()];
        let text = fitted(&[], rows(), Some(110));
        let line = format!("  Repository monolith-service  {URI}");
        assert_eq!(text.lines().next(), Some(line.as_str()), "{text}");
        assert_eq!(text.lines().count(), 2, "{text}");
        let prose = vec![vec!["Note".into(), rows()[1][1].clone()]];
        let text = fitted(&[], prose, Some(40));
        assert_eq!(
            text,
            "  Note  the like-service calls the\n        monolith for every like it\n        records"
        );
    }
}
