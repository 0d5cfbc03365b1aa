//! The blank import template: canonical Chinese headers, a comment row explaining each column, frozen header,
//! sensible widths, and the ID-number and phone columns formatted as text so Excel cannot damage them.

use rust_xlsxwriter::{Color, Format, Workbook, XlsxError};

use crate::field::Field;

/// The blank person template as .xlsx bytes. It reads back through [`crate::read_bytes`] with no rows and no
/// problems.
pub fn blank_template_xlsx() -> Vec<u8> {
    build().expect("the blank template is fixed and always builds")
}

fn build() -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("人口信息")?;
    let header = Format::new()
        .set_bold()
        .set_background_color(Color::RGB(0xDDEBF7))
        .set_border(rust_xlsxwriter::FormatBorder::Thin);
    let required = header.clone().set_font_color(Color::RGB(0xC00000));
    let comment = Format::new()
        .set_italic()
        .set_font_color(Color::RGB(0x808080))
        .set_text_wrap();
    let text = Format::new().set_num_format("@");
    for (col, f) in Field::ALL.into_iter().enumerate() {
        let col = col as u16;
        let fmt = if f == Field::Name { &required } else { &header };
        ws.write_string_with_format(0, col, f.header_zh(), fmt)?;
        ws.write_string_with_format(1, col, f.hint_zh(), &comment)?;
        ws.set_column_width(col, f.width())?;
        if matches!(
            f,
            Field::IdNumber | Field::Phone | Field::Phone2 | Field::HouseholdNo | Field::Room
        ) {
            ws.set_column_format(col, &text)?;
        }
    }
    ws.set_row_height(1, 30)?;
    ws.set_freeze_panes(2, 0)?;
    wb.save_to_buffer()
}
