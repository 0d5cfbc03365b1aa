//! Figures written as Chinese reports write them: 3起, 100%, 12.5%, 12.5万元, "280余件" where a template asks
//! for rounding, 同比增长12.5% — and 无数据 where there is no data (never 0, never a guess).

/// 3 → "3", 12.5 → "12.5", 95.0 → "95".
pub fn plain(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{:.0}", v)
    } else {
        let s = format!("{:.1}", v);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The value with its unit: 4起, 100%, 12.5万元 (a sum in 元 of ten thousand or more), 无数据.
pub fn value(v: Option<f64>, unit: &str) -> String {
    match v {
        None => "无数据".into(),
        Some(v) if unit == "元" && v.abs() >= 10_000.0 => {
            format!("{}万元", plain((v / 1000.0).round() / 10.0))
        }
        Some(v) => format!("{}{unit}", plain(v)),
    }
}

/// Rounded down as reports write a large count: 283 → 280余件, 1,260 → 1200余人; exact below 20 or when
/// nothing is cut off (280 → 280件).
pub fn rounded(v: Option<f64>, unit: &str) -> String {
    let Some(x) = v else {
        return "无数据".into();
    };
    if unit == "%" || x < 20.0 || x.fract() != 0.0 {
        return value(v, unit);
    }
    let step = if x < 1_000.0 {
        10.0
    } else if x < 10_000.0 {
        100.0
    } else {
        1_000.0
    };
    let floor = (x / step).floor() * step;
    if floor == x {
        value(v, unit)
    } else {
        format!("{}余{unit}", plain(floor))
    }
}

/// The comparison with the same period a year earlier: 同比增长12.5%, 同比下降8%, 与上年同期持平; for rates the
/// difference in percentage points (同比提高2.5个百分点).
pub fn year_over_year(current: Option<f64>, previous: Option<f64>, unit: &str) -> String {
    let (Some(c), Some(p)) = (current, previous) else {
        return if current.is_none() {
            "无数据".into()
        } else {
            "上年同期无数据".into()
        };
    };
    if unit == "%" {
        let d = ((c - p) * 10.0).round() / 10.0;
        return if d == 0.0 {
            "与上年同期持平".into()
        } else if d > 0.0 {
            format!("同比提高{}个百分点", plain(d))
        } else {
            format!("同比降低{}个百分点", plain(-d))
        };
    }
    if p == 0.0 {
        return if c == 0.0 {
            "与上年同期持平".into()
        } else {
            format!("上年同期为0,今年{}", value(current, unit))
        };
    }
    let pct = ((c - p) / p * 1000.0).round() / 10.0;
    if pct == 0.0 {
        "与上年同期持平".into()
    } else if pct > 0.0 {
        format!("同比增长{}%", plain(pct))
    } else {
        format!("同比下降{}%", plain(-pct))
    }
}

/// `n` of `d` in percent with one decimal (0 when `d` is 0): turnouts, shares of answers.
pub fn percent(n: i64, d: i64) -> f64 {
    if d == 0 {
        0.0
    } else {
        (n as f64 * 1000.0 / d as f64).round() / 10.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_as_reports_write_them() {
        assert_eq!(value(Some(3.0), "起"), "3起");
        assert_eq!(value(Some(100.0), "%"), "100%");
        assert_eq!(value(Some(12.5), "%"), "12.5%");
        assert_eq!(value(Some(125_000.0), "元"), "12.5万元");
        assert_eq!(value(None, "件"), "无数据");
        assert_eq!(value(Some(0.0), "件"), "0件");
        assert_eq!(rounded(Some(283.0), "件"), "280余件");
        assert_eq!(rounded(Some(280.0), "件"), "280件");
        assert_eq!(rounded(Some(1260.0), "人"), "1200余人");
        assert_eq!(rounded(Some(13.0), "户"), "13户");
        assert_eq!(
            year_over_year(Some(45.0), Some(40.0), "件"),
            "同比增长12.5%"
        );
        assert_eq!(year_over_year(Some(46.0), Some(50.0), "件"), "同比下降8%");
        assert_eq!(year_over_year(Some(4.0), Some(4.0), "起"), "与上年同期持平");
        assert_eq!(year_over_year(Some(4.0), None, "起"), "上年同期无数据");
        assert_eq!(
            year_over_year(Some(97.5), Some(95.0), "%"),
            "同比提高2.5个百分点"
        );
    }
}
