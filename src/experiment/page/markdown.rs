//! The little Markdown a report writes: headings, paragraphs and pipe tables. Inline
//! markup stays as text; the template escapes it.

use serde::Serialize;

/// A block of a report's Markdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    /// `# text` (any level).
    Heading {
        /// The heading text.
        text: String,
    },
    /// Lines up to a blank line or a table.
    Paragraph {
        /// The joined lines.
        text: String,
    },
    /// A pipe table: header cells, then data rows.
    Table {
        /// The header cells.
        header: Vec<String>,
        /// The data rows.
        rows: Vec<Vec<String>>,
    },
}

fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    inner.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_rule(line: &str) -> bool {
    cells(line)
        .iter()
        .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':')))
}

/// The blocks of `markdown`, in order.
pub fn blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut paragraph: Vec<&str> = Vec::new();
    let mut table: Vec<&str> = Vec::new();
    let flush_paragraph = |paragraph: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if !paragraph.is_empty() {
            blocks.push(Block::Paragraph {
                text: paragraph.join(" "),
            });
            paragraph.clear();
        }
    };
    let flush_table = |table: &mut Vec<&str>, blocks: &mut Vec<Block>| {
        if let Some((head, rest)) = table.split_first() {
            blocks.push(Block::Table {
                header: cells(head),
                rows: rest
                    .iter()
                    .filter(|l| !is_rule(l))
                    .map(|l| cells(l))
                    .collect(),
            });
            table.clear();
        }
    };
    for line in markdown.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('|') {
            flush_paragraph(&mut paragraph, &mut blocks);
            table.push(trimmed);
            continue;
        }
        flush_table(&mut table, &mut blocks);
        if trimmed.is_empty() {
            flush_paragraph(&mut paragraph, &mut blocks);
        } else if trimmed.starts_with('#') {
            flush_paragraph(&mut paragraph, &mut blocks);
            blocks.push(Block::Heading {
                text: trimmed.trim_start_matches('#').trim().to_string(),
            });
        } else {
            paragraph.push(trimmed);
        }
    }
    flush_table(&mut table, &mut blocks);
    flush_paragraph(&mut paragraph, &mut blocks);
    blocks
}

/// The header and first data row of the first table in `markdown`.
pub fn first_row(markdown: &str) -> Option<(Vec<String>, Vec<String>)> {
    blocks(markdown).into_iter().find_map(|b| match b {
        Block::Table { header, mut rows } if !rows.is_empty() => Some((header, rows.remove(0))),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_splits_into_heading_paragraph_and_table() {
        let md = "# tiny\n\nsome text\nmore\n\n| a | b |\n|---|---|\n| 1 | 2 |\n";
        assert_eq!(
            blocks(md),
            vec![
                Block::Heading {
                    text: "tiny".into()
                },
                Block::Paragraph {
                    text: "some text more".into()
                },
                Block::Table {
                    header: vec!["a".into(), "b".into()],
                    rows: vec![vec!["1".into(), "2".into()]],
                },
            ]
        );
    }
}
