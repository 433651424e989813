//! Tables and key-value lists: columns, wrapped cells, rules, a header repeated on every
//! page, and rows split across pages when taller than one.

use super::*;
use crate::error::{Error, Kind};
use crate::pdfdoc::text::{clean_line, ellipsize, wrap};

/// Column geometry and wrapped cells of a table or key-value list.
struct Grid {
    /// Left edge of the text of each column.
    xs: Vec<f32>,
    /// Text width of each column.
    ws: Vec<f32>,
    /// Style of each column's body cells.
    styles: Vec<Style>,
    /// Line height of every column (and of the header).
    leading: f32,
    /// Padding above and below each row.
    pad_y: f32,
    /// Rules above and below the header and between rows, from `x1` to `x2`.
    rules: Option<(f32, f32)>,
    /// Header cells, wrapped; repeated on every page.
    header: Option<Vec<Vec<String>>>,
}

impl Grid {
    /// Height of the header row (0 without one).
    fn header_height(&self) -> f32 {
        match &self.header {
            Some(h) => rows_height(h, self.leading, self.pad_y),
            None => 0.0,
        }
    }

    /// Wraps one row of cells (missing cells are empty).
    fn wrap_row(&self, cells: &[String]) -> Vec<Vec<String>> {
        (0..self.xs.len())
            .map(|i| {
                let s = cells.get(i).map_or("", String::as_str);
                wrap(s, self.styles[i].font, self.styles[i].size, self.ws[i])
            })
            .collect()
    }
}

/// Height of a row whose tallest cell has the most lines.
fn rows_height(cells: &[Vec<String>], leading: f32, pad_y: f32) -> f32 {
    let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
    lines as f32 * leading + 2.0 * pad_y
}

impl Layout {
    pub(super) fn table(
        &mut self,
        headers: &[String],
        widths: &[f32],
        rows: &[Vec<String>],
    ) -> Result<()> {
        let widest = rows.iter().map(Vec::len).max().unwrap_or(0);
        let n = if headers.is_empty() {
            widest
        } else {
            headers.len()
        };
        if let Some((i, row)) = rows.iter().enumerate().find(|(_, r)| r.len() > n) {
            return Err(Error::new(
                Kind::PdfContent,
                format!(
                    "table row {}: {} cells but the table has {n} columns",
                    i + 1,
                    row.len()
                ),
            )
            .hint("give every row at most one cell per header"));
        }
        if n == 0 {
            return Ok(());
        }
        // Column weights: invalid or missing ones count as the average of the valid ones.
        let valid: Vec<f64> = widths
            .iter()
            .map(|&w| f64::from(w))
            .filter(|w| w.is_finite() && *w > 0.0)
            .collect();
        let fallback = if valid.is_empty() {
            1.0
        } else {
            valid.iter().sum::<f64>() / valid.len() as f64
        };
        let weights: Vec<f64> = (0..n)
            .map(|i| {
                let w = widths.get(i).map_or(f64::NAN, |&w| f64::from(w));
                if w.is_finite() && w > 0.0 {
                    w
                } else {
                    fallback
                }
            })
            .collect();
        let total: f64 = weights.iter().sum();
        let tw = f64::from(self.text_width());
        // Every column gets at least MIN_COLUMN (when the columns fit at all), the rest of
        // the width is shared by weight.
        let min = (f64::from(MIN_COLUMN) / tw).min(1.0 / n as f64);
        let mut xs = Vec::with_capacity(n);
        let mut ws = Vec::with_capacity(n);
        let mut x = f64::from(self.left);
        for w in &weights {
            let col = tw * (min + (1.0 - n as f64 * min) * w / total);
            xs.push(x as f32 + CELL_PAD_X);
            ws.push((col as f32 - 2.0 * CELL_PAD_X).max(0.0));
            x += col;
        }
        let mut grid = Grid {
            xs,
            ws,
            styles: vec![CELL; n],
            leading: CELL.leading,
            pad_y: CELL_PAD_Y,
            rules: Some((self.left, self.right)),
            header: None,
        };
        if !headers.is_empty() {
            // A header never takes more than a third of the page.
            let max_lines = (((self.body_height() / 3.0 - 2.0 * CELL_PAD_Y) / HEADER_CELL.leading)
                .floor() as usize)
                .max(1);
            let header = (0..n)
                .map(|i| {
                    let mut lines =
                        wrap(&headers[i], HEADER_CELL.font, HEADER_CELL.size, grid.ws[i]);
                    if lines.len() > max_lines {
                        lines.truncate(max_lines);
                        if let Some(last) = lines.last_mut() {
                            *last = ellipsize(last, HEADER_CELL.font, HEADER_CELL.size, grid.ws[i]);
                        }
                    }
                    lines
                })
                .collect();
            grid.header = Some(header);
        }
        self.grid(&grid, rows);
        Ok(())
    }

    pub(super) fn key_value(&mut self, pairs: &[(String, String)]) {
        if pairs.is_empty() {
            return;
        }
        let tw = self.text_width();
        let gap = 10.0;
        let widest = pairs
            .iter()
            .map(|(k, _)| LABEL.font.width(&clean_line(k), LABEL.size))
            .fold(0.0, f32::max);
        let label_w = widest.clamp(0.15 * tw, 0.35 * tw);
        let grid = Grid {
            xs: vec![self.left, self.left + label_w + gap],
            ws: vec![label_w, tw - label_w - gap],
            styles: vec![LABEL, BODY],
            leading: BODY.leading,
            pad_y: 1.5,
            rules: None,
            header: None,
        };
        let rows: Vec<Vec<String>> = pairs
            .iter()
            .map(|(k, v)| vec![k.clone(), v.clone()])
            .collect();
        self.grid(&grid, &rows);
    }

    /// Draws the header of `g` (if any) at the cursor.
    fn grid_header(&mut self, g: &Grid) {
        let Some(header) = &g.header else { return };
        if let Some((x1, x2)) = g.rules {
            let y = self.y;
            self.rule(x1, x2, y, 0.8, BLACK);
        }
        self.grid_lines(g, header, 0, usize::MAX, Some(HEADER_CELL));
        if let Some((x1, x2)) = g.rules {
            let y = self.y;
            self.rule(x1, x2, y, 0.5, BLACK);
        }
    }

    /// Draws lines `from..to` of every cell in one row (all in `style` if given, else in
    /// the column styles) and moves the cursor below them.
    fn grid_lines(
        &mut self,
        g: &Grid,
        cells: &[Vec<String>],
        from: usize,
        to: usize,
        style: Option<Style>,
    ) {
        let top = self.y - g.pad_y;
        for (i, cell) in cells.iter().enumerate() {
            let style = style.unwrap_or(g.styles[i]);
            for (k, line) in cell.iter().enumerate().take(to).skip(from) {
                self.text_at(g.xs[i], top - (k - from) as f32 * g.leading, style, line);
            }
        }
        let lines = cells
            .iter()
            .map(|c| c.len().min(to).saturating_sub(from))
            .max()
            .unwrap_or(0)
            .max(1);
        self.y -= lines as f32 * g.leading + 2.0 * g.pad_y;
        self.fresh = false;
    }

    /// Rows of a grid, breaking pages between rows (and inside a row taller than a page),
    /// with the header at the top of each page.
    fn grid(&mut self, g: &Grid, rows: &[Vec<String>]) {
        let header_h = g.header_height();
        let first = rows.first().map(|r| g.wrap_row(r));
        let first_line = g.leading + 2.0 * g.pad_y;
        let first_h = first
            .as_ref()
            .map_or(0.0, |r| rows_height(r, g.leading, g.pad_y));
        // Keep the header with the first row (or its first line, for a very tall row).
        self.need(header_h + first_h.min(first_line.max(self.body_height() / 4.0)));
        self.grid_header(g);
        let mut at_top = true; // nothing but the header on this page yet
        for (r, row) in rows.iter().enumerate() {
            let cells = match (r, &first) {
                (0, Some(c)) => c.clone(),
                _ => g.wrap_row(row),
            };
            let total = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let mut start = 0;
            while start < total {
                let h = (total - start) as f32 * g.leading + 2.0 * g.pad_y;
                if h <= self.room() {
                    self.grid_lines(g, &cells, start, total, None);
                    break;
                }
                let fits_page = h <= self.body_height() - header_h;
                let avail = ((self.room() - 2.0 * g.pad_y) / g.leading).floor();
                if !at_top && (fits_page || avail < 2.0) {
                    self.new_page();
                    self.grid_header(g);
                    at_top = true;
                    continue;
                }
                // Split the row: as many lines as fit here (at least one), the rest later.
                let n = (avail.max(1.0) as usize).min(total - start);
                self.grid_lines(g, &cells, start, start + n, None);
                start += n;
                if start < total {
                    self.new_page();
                    self.grid_header(g);
                }
            }
            at_top = false;
            if let Some((x1, x2)) = g.rules {
                let y = self.y;
                self.rule(x1, x2, y, 0.25, RULE_GREY);
            }
        }
        self.gap(BLOCK_GAP);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::pdfdoc::{Block, PaperSize, render};

    #[test]
    fn long_table_flows_over_pages_and_repeats_its_header() {
        let p = pages(&doc(vec![table(200)]));
        assert!(p.len() >= 3, "{} pages", p.len());
        for i in 0..p.len() {
            let texts = texts_on(&p, i);
            assert!(
                texts.iter().any(|t| t == "Event"),
                "no header on page {}",
                i + 1
            );
            assert!(texts.contains(&format!("page {} of {}", i + 1, p.len())));
        }
        let rows: Vec<String> = shown(&p)
            .into_iter()
            .map(|s| s.text)
            .filter(|t| t.starts_with('r'))
            .collect();
        let expected: Vec<String> = (1..=200).map(|i| format!("r{i:04}")).collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn a_row_taller_than_a_page_is_split_without_losing_words() {
        let words: Vec<String> = (0..3000).map(|i| format!("w{i}")).collect();
        let d = doc(vec![Block::Table {
            headers: vec!["Name".into(), "Text".into()],
            widths: vec![1.0, 3.0],
            rows: vec![vec!["first".into(), words.join(" ")], vec!["last".into()]],
        }]);
        let p = pages(&d);
        assert!(p.len() >= 3, "{} pages", p.len());
        let all = shown(&p);
        let got: Vec<&str> = all
            .iter()
            .filter(|s| s.text.starts_with('w'))
            .flat_map(|s| s.text.split(' '))
            .collect();
        assert_eq!(got, words.iter().map(String::as_str).collect::<Vec<_>>());
        for i in 0..p.len() {
            assert!(
                texts_on(&p, i).iter().any(|t| t == "Name"),
                "no header on page {}",
                i + 1
            );
        }
        let last = all.iter().find(|s| s.text == "last").unwrap();
        assert_eq!(last.page, p.len() - 1);
    }

    #[test]
    fn short_rows_bad_widths_and_headless_tables_are_fine() {
        let d = doc(vec![
            Block::Table {
                headers: vec!["A".into(), "B".into(), "C".into()],
                widths: vec![f32::NAN, -1.0, f32::INFINITY, 5.0],
                rows: vec![vec!["a1".into()], vec![]],
            },
            Block::Table {
                headers: vec![],
                widths: vec![0.0],
                rows: vec![vec!["x".into()], vec!["y".into(), "z".into()]],
            },
            Block::Table {
                headers: vec![],
                widths: vec![],
                rows: vec![],
            },
            Block::Table {
                headers: vec!["only".into()],
                widths: vec![1e30, 1e-30],
                rows: vec![],
            },
        ]);
        let texts = texts_on(&pages(&d), 0);
        for t in ["A", "B", "C", "a1", "x", "y", "z", "only"] {
            assert!(texts.iter().any(|s| s == t), "{t} missing: {texts:?}");
        }
        render(&d, PaperSize::A4).unwrap();
    }

    #[test]
    fn an_oversized_header_is_cut_to_a_third_of_the_page() {
        let d = doc(vec![Block::Table {
            headers: vec!["word ".repeat(2000), "B".into()],
            widths: vec![1.0, 1.0],
            rows: vec![vec!["cell".into(), "x".into()]],
        }]);
        let p = pages(&d);
        assert_eq!(p.len(), 1);
        let header: Vec<Shown> = shown(&p)
            .into_iter()
            .filter(|s| s.text.starts_with("word"))
            .collect();
        let height = header[0].y - header[header.len() - 1].y;
        assert!(height < (mm(297.0 - 2.0 * MARGIN_MM)) / 3.0, "{height}");
        assert!(header[header.len() - 1].text.ends_with("..."));
        assert_inside_margins(&p, PaperSize::A4);
    }
}
