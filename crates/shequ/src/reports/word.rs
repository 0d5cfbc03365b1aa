//! A report as a Word document (.docx, opens in Word and WPS): the title centred in 小标宋-like bold, headings,
//! paragraphs with a two-character indent, tables with borders, charts as PNG images, and the time the figures
//! were computed. Fonts are named for East Asian text (宋体 / 黑体), as offices expect.

use docx_rs::{
    AlignmentType, Docx, LineSpacing, Paragraph, Pic, Run, RunFonts, Table, TableCell, TableRow,
    WidthType,
};

use crate::reports::catalog::beijing_time;
use crate::reports::chart;
use crate::reports::document::{Block, Doc};

fn run(text: &str, size: usize, font: &str) -> Run {
    Run::new()
        .add_text(text)
        .size(size)
        .fonts(RunFonts::new().east_asia(font).ascii(font).hi_ansi(font))
}

fn cell(text: &str, bold: bool) -> TableCell {
    let mut r = run(text, 21, "宋体");
    if bold {
        r = r.bold();
    }
    TableCell::new().add_paragraph(Paragraph::new().add_run(r))
}

/// The .docx bytes of a report.
pub fn docx(doc: &Doc) -> anyhow::Result<Vec<u8>> {
    let mut d = Docx::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(run(&doc.title, 36, "黑体").bold()),
    );
    let body = |p: Paragraph| {
        p.line_spacing(LineSpacing::new().line(440)).indent(
            None,
            Some(docx_rs::SpecialIndentType::FirstLine(560)),
            None,
            None,
        )
    };
    for b in &doc.blocks {
        d = match b {
            Block::Heading { level, spans } => d.add_paragraph(
                Paragraph::new()
                    .line_spacing(LineSpacing::new().before(120).after(60))
                    .add_run(
                        run(
                            &Block::text(spans),
                            if *level == 1 { 30 } else { 28 },
                            "黑体",
                        )
                        .bold(),
                    ),
            ),
            Block::Para { spans } => d.add_paragraph(body(Paragraph::new().add_run(run(
                &Block::text(spans),
                28,
                "宋体",
            )))),
            Block::Table { headers, rows } => {
                let mut trs = vec![TableRow::new(
                    headers.iter().map(|h| cell(h, true)).collect(),
                )];
                trs.extend(
                    rows.iter()
                        .map(|r| TableRow::new(r.iter().map(|c| cell(c, false)).collect())),
                );
                d.add_table(Table::new(trs).width(9000, WidthType::Dxa))
                    .add_paragraph(Paragraph::new())
            }
            Block::Chart { chart: c } => {
                let png = chart::png(c)?;
                let (w, h) = chart::PNG_SIZE;
                // 15 cm wide, the height in proportion (EMU).
                let w_emu = 5_400_000u32;
                let h_emu = (w_emu as u64 * h as u64 / w as u64) as u32;
                d.add_paragraph(Paragraph::new().align(AlignmentType::Center).add_run(
                    Run::new().add_image(Pic::new_with_dimensions(png, w, h).size(w_emu, h_emu)),
                ))
                .add_paragraph(
                    Paragraph::new()
                        .align(AlignmentType::Center)
                        .add_run(run(&c.title, 21, "宋体")),
                )
            }
        };
    }
    d = d.add_paragraph(Paragraph::new().align(AlignmentType::Right).add_run(run(
        &format!(
            "{} {}(数据计算于 {} 北京时间)",
            doc.scope,
            doc.period.label,
            beijing_time(&doc.computed_at)
        ),
        21,
        "宋体",
    )));
    let mut out = std::io::Cursor::new(Vec::new());
    d.build().pack(&mut out)?;
    Ok(out.into_inner())
}
