//! Charts of a report, drawn on the server so that reports work offline: SVG for HTML (plotters' SVG
//! backend), PNG for .docx (the same SVG rasterised by resvg with the system's CJK font, so Chinese labels
//! read in Word and WPS). A missing value (无数据) is drawn as no bar and no point, never as 0.

use std::sync::{Arc, OnceLock};

use plotters::prelude::*;

use crate::reports::document::Chart;
use crate::reports::template::ChartKind;

const W: u32 = 720;
const H: u32 = 380;
const FONT: &str = "sans-serif";
const COLORS: &[RGBColor] = &[
    RGBColor(0x2f, 0x6f, 0xb5),
    RGBColor(0xe0, 0x8a, 0x2b),
    RGBColor(0x3a, 0x9d, 0x5d),
    RGBColor(0xc2, 0x3b, 0x3b),
    RGBColor(0x7b, 0x5e, 0xa7),
    RGBColor(0x8c, 0x8c, 0x8c),
];

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> String {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (W, H)).into_drawing_area();
        let drawn = match chart.kind {
            ChartKind::Bar => bars(&root, chart),
            ChartKind::Line => lines(&root, chart),
            ChartKind::Pie => pie(&root, chart),
        };
        if let Err(e) = drawn {
            tracing::warn!("chart not drawn: {e}");
        }
        let _ = root.present();
    }
    out
}

type Area<'a> = DrawingArea<SVGBackend<'a>, plotters::coord::Shift>;
type Drawn = std::result::Result<(), Box<dyn std::error::Error>>;

fn top(chart: &Chart) -> f64 {
    let max = chart
        .series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, b| a.max(*b));
    if max <= 0.0 {
        1.0
    } else {
        max * 1.18
    }
}

fn bars(root: &Area, chart: &Chart) -> Drawn {
    root.fill(&WHITE)?;
    let n = chart.labels.len().max(1);
    let labels = chart.labels.clone();
    let mut c = ChartBuilder::on(root)
        .caption(&chart.title, (FONT, 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), 0f64..top(chart))?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| crate::reports::numbers::plain(*y))
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .draw()?;
    let k = chart.series.len().max(1) as f64;
    let w = 0.8 / k;
    for (s, series) in chart.series.iter().enumerate() {
        let color = COLORS[s % COLORS.len()];
        let x0 = |i: usize| i as f64 - 0.4 + s as f64 * w;
        c.draw_series(series.values.iter().enumerate().filter_map(|(i, v)| {
            v.filter(|v| *v > 0.0)
                .map(|v| Rectangle::new([(x0(i), 0.0), (x0(i) + w * 0.92, v)], color.filled()))
        }))?
        .label(series.name.clone())
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], color.filled()));
        c.draw_series(series.values.iter().enumerate().filter_map(|(i, v)| {
            v.map(|v| {
                Text::new(
                    crate::reports::numbers::plain(v),
                    (x0(i) + w * 0.2, v + top(chart) * 0.06),
                    (FONT, 13),
                )
            })
        }))?;
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

fn lines(root: &Area, chart: &Chart) -> Drawn {
    root.fill(&WHITE)?;
    let n = chart.labels.len().max(1);
    let labels = chart.labels.clone();
    let mut c = ChartBuilder::on(root)
        .caption(&chart.title, (FONT, 22))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(-0.3f64..(n as f64 - 0.7), 0f64..top(chart))?;
    c.configure_mesh()
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() < 0.01 && i >= 0.0 {
                labels.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .y_label_formatter(&|y| crate::reports::numbers::plain(*y))
        .light_line_style(WHITE)
        .label_style((FONT, 14))
        .draw()?;
    for (s, series) in chart.series.iter().enumerate() {
        let color = COLORS[s % COLORS.len()];
        let points: Vec<(f64, f64)> = series
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        c.draw_series(LineSeries::new(points.clone(), color.stroke_width(2)))?
            .label(series.name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], color));
        c.draw_series(points.iter().map(|p| Circle::new(*p, 3, color.filled())))?;
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK.mix(0.3))
        .draw()?;
    Ok(())
}

fn pie(root: &Area, chart: &Chart) -> Drawn {
    root.fill(&WHITE)?;
    let root = root.titled(&chart.title, (FONT, 22))?;
    let Some(series) = chart.series.first() else {
        return Ok(());
    };
    let (mut sizes, mut colors, mut labels) = (Vec::new(), Vec::new(), Vec::new());
    for (i, (v, l)) in series.values.iter().zip(&chart.labels).enumerate() {
        if let Some(v) = v.filter(|v| *v > 0.0) {
            sizes.push(v);
            colors.push(COLORS[i % COLORS.len()]);
            labels.push(format!("{l} {}", crate::reports::numbers::plain(v)));
        }
    }
    if sizes.is_empty() {
        root.draw(&Text::new(
            "无数据",
            ((W / 2 - 30) as i32, (H / 2) as i32),
            (FONT, 20),
        ))?;
        return Ok(());
    }
    let (w, h) = root.dim_in_pixel();
    let center = ((w / 2) as i32, (h / 2) as i32);
    let radius = (h.min(w) as f64) * 0.34;
    let mut p = Pie::new(&center, &radius, &sizes, &colors, &labels);
    p.label_style((FONT, 15).into_font().color(&BLACK));
    p.label_offset(18.0);
    root.draw(&p)?;
    Ok(())
}

/// The fonts charts are rasterised with: the system's, with a CJK family as sans-serif when one is found.
fn fonts() -> Arc<resvg::usvg::fontdb::Database> {
    static DB: OnceLock<Arc<resvg::usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_system_fonts();
        let cjk = db
            .faces()
            .flat_map(|f| f.families.iter().map(|(n, _)| n.clone()))
            .find(|n| n.contains("CJK SC") || n.contains("WenQuanYi") || n.contains("Noto Sans SC"));
        if let Some(family) = cjk {
            db.set_sans_serif_family(family);
        } else {
            tracing::warn!("no CJK font found: Chinese labels in .docx charts will not render (install fonts-noto-cjk)");
        }
        Arc::new(db)
    })
    .clone()
}

/// The chart as a PNG image (twice the SVG's size, for print).
pub fn png(chart: &Chart) -> anyhow::Result<Vec<u8>> {
    let svg = svg(chart);
    let opt = resvg::usvg::Options {
        fontdb: fonts(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(&svg, &opt)?;
    let scale = 2.0;
    let size = tree.size().to_int_size();
    let (w, h) = (
        (size.width() as f32 * scale) as u32,
        (size.height() as f32 * scale) as u32,
    );
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(w, h).ok_or_else(|| anyhow::anyhow!("chart size"))?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    Ok(pixmap.encode_png()?)
}

/// The pixel size of [`png`]'s image.
pub const PNG_SIZE: (u32, u32) = (W * 2, H * 2);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::document::Series;

    fn sample(kind: ChartKind) -> Chart {
        Chart {
            kind,
            title: "2025年与上年同期".into(),
            labels: vec![
                "排查安全隐患".into(),
                "整改安全隐患".into(),
                "巡逻发现问题".into(),
            ],
            series: vec![
                Series {
                    name: "2025年".into(),
                    values: vec![Some(12.0), Some(11.0), None],
                },
                Series {
                    name: "上年同期".into(),
                    values: vec![Some(9.0), Some(9.0), Some(3.0)],
                },
            ],
        }
    }

    #[test]
    fn charts_carry_their_chinese_labels_and_rasterise() {
        for kind in [ChartKind::Bar, ChartKind::Line, ChartKind::Pie] {
            let s = svg(&sample(kind));
            assert!(
                s.starts_with("<svg") && s.contains("排查安全隐患"),
                "{kind:?}: {s:.300}"
            );
            let png = png(&sample(kind)).unwrap();
            assert_eq!(&png[1..4], b"PNG");
            if let Ok(dir) = std::env::var("SHEQU_CHART_DIR") {
                std::fs::write(format!("{dir}/{kind:?}.png"), &png).unwrap();
            }
        }
    }
}
