//! The benchmark's ratios as a picture: an SVG bar chart with one panel per
//! backend and workload, each bar a pattern's speed as a share of the
//! panel's yardstick, and the target marked. Plain SVG written by hand: a
//! few rectangles and labels need no plotting library.

use std::fmt::Write;

/// One panel: bars against one yardstick.
pub struct Panel {
    /// What is measured, e.g. "PostgreSQL · GET /users/{id}".
    pub title: String,
    /// What 1.0 is, e.g. "pgbench -S (42,104/s)".
    pub yardstick: String,
    /// The ratio the issue set as the least acceptable.
    pub target: f64,
    /// One bar per pattern: its name and its ratio.
    pub bars: Vec<(String, f64)>,
}

const WIDTH: f64 = 760.0;
const LABEL_WIDTH: f64 = 150.0;
/// Pixels for a ratio of 1.0, in a panel whose ratios all stay under
/// [`WIDEST`]; a panel with larger ones (creates on SQLite, several times a
/// peer's) is drawn smaller, to fit the same width with its labels.
const SCALE: f64 = 480.0;
const WIDEST: f64 = 1.15;
const BAR: f64 = 18.0;
const GAP: f64 = 6.0;

/// The chart, with `title` and `subtitle` (machine and date) on top.
pub fn svg(title: &str, subtitle: &str, panels: &[Panel]) -> String {
    let mut body = String::new();
    let mut y = 64.0;
    for panel in panels {
        y = draw_panel(&mut body, panel, y);
    }
    let height = y + 10.0;
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="22" font-size="16" font-weight="bold">{}</text>
<text x="10" y="42" fill="#555">{}</text>
{body}</svg>
"##,
        escape(title),
        escape(subtitle)
    )
}

fn draw_panel(out: &mut String, panel: &Panel, top: f64) -> f64 {
    let x0 = 10.0 + LABEL_WIDTH;
    // Writing to a String cannot fail.
    let _ = writeln!(
        out,
        r##"<text x="10" y="{}" font-weight="bold">{}</text><text x="{x0}" y="{}" fill="#555">share of {}</text>"##,
        top + 12.0,
        escape(&panel.title),
        top + 28.0,
        escape(&panel.yardstick)
    );
    let mut y = top + 38.0;
    let bars_top = y;
    let largest = (panel.bars.iter())
        .map(|(_, ratio)| *ratio)
        .fold(panel.target.max(WIDEST), f64::max);
    let scale = SCALE * WIDEST / largest;
    for (name, ratio) in &panel.bars {
        let length = (ratio.clamp(0.0, largest) * scale).max(1.0);
        let colour = if *ratio >= panel.target {
            "#4a7ebb"
        } else {
            "#c0504d"
        };
        let _ = writeln!(
            out,
            r##"<text x="10" y="{}">{}</text><rect x="{x0}" y="{y}" width="{length:.1}" height="{BAR}" fill="{colour}"/><text x="{:.1}" y="{}">{ratio:.2}</text>"##,
            y + 13.0,
            escape(name),
            x0 + length + 4.0,
            y + 13.0
        );
        y += BAR + GAP;
    }
    let mut lines = vec![(panel.target, "4 3", format!("target {}", panel.target))];
    if panel.target != 1.0 {
        lines.push((1.0, "", "1.0".to_owned()));
    }
    for (at, dash, label) in lines {
        let x = x0 + at * scale;
        let _ = writeln!(
            out,
            r##"<line x1="{x:.1}" y1="{}" x2="{x:.1}" y2="{y}" stroke="#888" stroke-dasharray="{dash}"/><text x="{:.1}" y="{}" fill="#888" font-size="10">{label}</text>"##,
            bars_top - 4.0,
            x + 3.0,
            y + 10.0
        );
    }
    y + 24.0
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_under_its_target_is_red_and_labels_are_escaped() {
        let chart = svg(
            "a <chart>",
            "today",
            &[Panel {
                title: "SQLite · GET".into(),
                yardstick: "ceiling".into(),
                target: 0.5,
                bars: vec![("fast".into(), 0.6), ("slow".into(), 0.2)],
            }],
        );
        assert!(chart.starts_with("<svg"));
        assert!(chart.contains("a &lt;chart&gt;"));
        assert_eq!(chart.matches("#4a7ebb").count(), 1);
        assert_eq!(chart.matches("#c0504d").count(), 1);
        assert!(chart.contains("target 0.5"));
    }
}
