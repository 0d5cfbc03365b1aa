//! CSV files: UTF-8 (with or without a byte-order mark) when the whole file is valid UTF-8, else GB18030 (the
//! superset of GBK that Chinese Excel and WPS write by default), decoded as a stream and split by the csv crate.
//! The delimiter (comma, tab or semicolon) is taken from the first line.

use std::io::{BufRead, BufReader, Read};

use encoding_rs::{Decoder, GB18030};

use crate::row::Cell;
use crate::sheet::{RowCells, SheetReader};
use crate::{ImportError, OnRow, Summary};

/// Whether a whole stream is valid UTF-8, read in chunks.
pub(crate) fn is_utf8(mut r: impl Read) -> std::io::Result<bool> {
    let mut buf = vec![0u8; 1 << 16];
    let mut carry = 0usize;
    loop {
        let n = r.read(&mut buf[carry..])?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let len = carry + n;
        match std::str::from_utf8(&buf[..len]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() && len - e.valid_up_to() < 4 => {
                // a character cut at the chunk's end: keep its bytes for the next chunk
                let start = e.valid_up_to();
                buf.copy_within(start..len, 0);
                carry = len - start;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// A reader that decodes GB18030 to UTF-8 as it goes.
struct Gb18030Reader<R> {
    inner: R,
    decoder: Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl<R: Read> Read for Gb18030Reader<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.output.len() {
            if self.eof {
                return Ok(0);
            }
            self.input.resize(1 << 16, 0);
            let n = self.inner.read(&mut self.input)?;
            self.eof = n == 0;
            let max = self.decoder.max_utf8_buffer_length(n).unwrap_or(n * 4 + 16);
            self.output.clear();
            self.output.resize(max, 0);
            let (_, _, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[..n], &mut self.output, self.eof);
            self.output.truncate(written);
            self.pos = 0;
        }
        let n = out.len().min(self.output.len() - self.pos);
        out[..n].copy_from_slice(&self.output[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// Reads a CSV file as one sheet named "CSV".
pub(crate) fn read_csv<'r, R: Read + 'r>(
    r: R,
    utf8: bool,
    on_row: &mut OnRow<'_>,
) -> Result<Summary, ImportError> {
    let mut summary = Summary {
        format: if utf8 { "csv-utf8" } else { "csv-gb18030" },
        ..Summary::default()
    };
    let reader: Box<dyn Read + 'r> = if utf8 {
        Box::new(r)
    } else {
        let decoder = GB18030.new_decoder_without_bom_handling();
        Box::new(Gb18030Reader {
            inner: r,
            decoder,
            input: Vec::new(),
            output: Vec::new(),
            pos: 0,
            eof: false,
        })
    };
    let mut buffered = BufReader::with_capacity(1 << 16, reader);
    // byte-order mark
    if buffered.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        buffered.consume(3);
    }
    let head = buffered.fill_buf()?;
    let first_line = &head[..head.iter().position(|&b| b == b'\n').unwrap_or(head.len())];
    let count = |c: u8| first_line.iter().filter(|&&b| b == c).count();
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|&c| (count(c), c == b','))
        .unwrap_or(b',');
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(buffered);
    let mut sheet = SheetReader::new("CSV", &mut summary, on_row);
    let mut record = csv::StringRecord::new();
    let mut n = 0usize;
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(ImportError::Csv(format!("第{}行:{e}", n + 1))),
        }
        n += 1;
        let mut cells = RowCells::default();
        for (i, field) in record.iter().enumerate() {
            if !field.is_empty() {
                cells.set(i, Cell::Text(field.to_string()));
            }
        }
        if sheet.cells_over(record.len() as u64) || cells.push(&mut sheet, n).is_break() {
            return Ok(summary);
        }
    }
    let _ = sheet.finish();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_detection_across_chunk_boundaries() {
        let text = "姓名,身份证号\n".repeat(20_000);
        assert!(is_utf8(text.as_bytes()).unwrap());
        let (gbk, _, _) = GB18030.encode(&text);
        assert!(!is_utf8(&gbk[..]).unwrap());
        let cut = format!("{text}张");
        assert!(!is_utf8(&cut.as_bytes()[..cut.len() - 1]).unwrap());
    }

    #[test]
    fn gb18030_stream_decodes_whole_file() {
        let text = "张三,北京市朝阳区幸福小区\n".repeat(10_000);
        let (gbk, _, _) = GB18030.encode(&text);
        let mut r = Gb18030Reader {
            inner: &gbk[..],
            decoder: GB18030.new_decoder_without_bom_handling(),
            input: Vec::new(),
            output: Vec::new(),
            pos: 0,
            eof: false,
        };
        let mut s = String::new();
        r.read_to_string(&mut s).unwrap();
        assert_eq!(s, text);
    }
}
