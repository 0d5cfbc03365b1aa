//! 报告检查 (report check): read a community work report written outside shequ, clean it
//! (every change listed), flag what is wrong, extract its figures and compare them with the records.
//!
//! Entry points: [`check_text`], [`check_bytes`], [`check_file`]; the result is a [`Report`]
//! that renders as Markdown, JSON or an HTML fragment. Figures export as .xlsx with [`figures_xlsx`].

pub mod clean;
pub mod cleaned;
pub mod compare;
pub mod decode;
pub mod figures;
pub mod findings;
pub mod history;
pub mod html;
pub mod limits;
pub mod model;
pub mod report;
pub mod structure;
pub mod text;
pub mod xlsx;

pub use cleaned::{cleaned_docx, cleaned_html, data_url};
pub use compare::{compare, Comparison, IndicatorSource, MapRow, Mapping, MemorySource, Period};
pub use decode::{decode_bytes, Decoded, Error};
pub use figures::{extract_figures, Figure};
pub use history::History;
pub use html::render_html_fragment;
pub use model::{Change, ChangeKind, Finding, Line, Rule};
pub use report::{check_bytes, check_bytes_with, check_file, check_text, Options, Report};
pub use xlsx::figures_xlsx;
