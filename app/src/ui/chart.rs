//! Charts drawn as SVG by the server (no chart library in the bundle), each an image with a
//! title and a description for screen readers, and its numbers as a table beside it.

use leptos::prelude::*;

const W: f64 = 640.0;
const H: f64 = 220.0;
const LEFT: f64 = 44.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One stacked series of a bar chart: a name, its colour class (`series-1`…`series-5`), a
/// value per bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: &'static str,
    pub class: &'static str,
    pub values: Vec<i64>,
}

/// A round top for the y axis: 1, 2 or 5 times a power of ten, at least `max`.
pub fn axis_top(max: f64) -> f64 {
    if max <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(max.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * power)
}

fn number(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

/// Whether the x axis names point `i` of `len`: about six labels, and always the last.
fn labelled(i: usize, len: usize) -> bool {
    i.is_multiple_of(len.div_ceil(6).max(1)) || i + 1 == len
}

fn y_axis(top: f64) -> impl IntoView {
    let plot = H - TOP - BOTTOM;
    [0.0, 0.5, 1.0]
        .into_iter()
        .map(|f| {
            let y = TOP + plot * (1.0 - f);
            view! {
                <g class="chart-grid">
                    <line x1=LEFT x2=W - RIGHT y1=y y2=y />
                    <text x=LEFT - 6.0 y=y + 4.0 text-anchor="end">
                        {number(top * f)}
                    </text>
                </g>
            }
        })
        .collect_view()
}

/// Bars of stacked series, one per label (a week, say), with a legend and the numbers.
#[component]
pub fn StackedBars(
    /// The chart's heading.
    title: String,
    /// What the chart shows, in a sentence (for screen readers and the figure caption).
    summary: String,
    labels: Vec<String>,
    series: Vec<Series>,
) -> impl IntoView {
    let totals: Vec<i64> = (0..labels.len())
        .map(|i| series.iter().filter_map(|s| s.values.get(i)).sum())
        .collect();
    let top = axis_top(totals.iter().copied().max().unwrap_or(0) as f64);
    let plot = H - TOP - BOTTOM;
    let step = (W - LEFT - RIGHT) / labels.len().max(1) as f64;
    let bar = step * 0.7;
    let mut bars = Vec::new();
    for (i, label) in labels.iter().enumerate() {
        let x = LEFT + step * i as f64 + (step - bar) / 2.0;
        let mut base = 0.0;
        for s in &series {
            let v = s.values.get(i).copied().unwrap_or(0) as f64;
            if v > 0.0 {
                let h = plot * v / top;
                let y = TOP + plot - plot * base / top - h;
                bars.push(view! {
                    <rect class=s.class x=x y=y width=bar height=h>
                        <title>{format!("{label}: {} {}", v, s.name)}</title>
                    </rect>
                });
            }
            base += v;
        }
    }
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| labelled(*i, labels.len()))
        .map(|(i, l)| {
            let x = LEFT + step * i as f64 + step / 2.0;
            view! {
                <text class="chart-x" x=x y=H - 8.0 text-anchor="middle">
                    {l.clone()}
                </text>
            }
        })
        .collect_view();
    let legend = series
        .iter()
        .map(|s| {
            view! {
                <li>
                    <span class=format!("swatch {}", s.class) aria-hidden="true"></span>
                    {s.name}
                </li>
            }
        })
        .collect_view();
    let header = series
        .iter()
        .map(|s| view! { <th scope="col">{s.name}</th> })
        .collect_view();
    let rows = labels
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let cells = series
                .iter()
                .map(|s| view! { <td class="num">{s.values.get(i).copied().unwrap_or(0)}</td> })
                .collect_view();
            view! {
                <tr>
                    <th scope="row">{l.clone()}</th>
                    {cells}
                    <td class="num">{totals.get(i).copied().unwrap_or(0)}</td>
                </tr>
            }
        })
        .collect_view();
    chart_frame(
        title,
        summary,
        view! {
            {y_axis(top)}
            {bars}
            {ticks}
        }
        .into_any(),
        view! { <ul class="chart-legend">{legend}</ul> }.into_any(),
        view! {
            <thead>
                <tr>
                    <th scope="col">"Week of"</th>
                    {header}
                    <th scope="col">"Total"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        }
        .into_any(),
    )
}

/// A value over time (labels and values, oldest first), with an optional ceiling line (a
/// license's seats) and the numbers.
#[component]
pub fn LineChart(
    title: String,
    summary: String,
    /// The column heading of the values in the table.
    value_name: String,
    labels: Vec<String>,
    values: Vec<Option<f64>>,
    #[prop(optional)] ceiling: Option<(f64, &'static str)>,
) -> impl IntoView {
    let max = values
        .iter()
        .flatten()
        .copied()
        .fold(ceiling.map(|c| c.0).unwrap_or(0.0), f64::max);
    let top = axis_top(max);
    let plot = H - TOP - BOTTOM;
    let n = labels.len().max(2);
    let x_of = |i: usize| LEFT + (W - LEFT - RIGHT) * i as f64 / (n - 1) as f64;
    let y_of = |v: f64| TOP + plot * (1.0 - v / top);
    let points: Vec<(f64, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (x_of(i), y_of(v))))
        .collect();
    let path = points
        .iter()
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" }))
        .collect::<String>();
    let dots = points
        .iter()
        .zip(values.iter().flatten())
        .zip(labels.iter())
        .map(|(((x, y), v), l)| {
            view! {
                <circle class="chart-dot" cx=*x cy=*y r="3">
                    <title>{format!("{l}: {}", number(*v))}</title>
                </circle>
            }
        })
        .collect_view();
    let ceiling_line = ceiling.map(|(c, name)| {
        let y = y_of(c);
        view! {
            <g class="chart-ceiling">
                <line x1=LEFT x2=W - RIGHT y1=y y2=y />
                <text x=W - RIGHT y=y - 4.0 text-anchor="end">
                    {format!("{name}: {}", number(c))}
                </text>
            </g>
        }
    });
    let ticks = labels
        .iter()
        .enumerate()
        .filter(|(i, _)| labelled(*i, labels.len()))
        .map(|(i, l)| {
            view! {
                <text class="chart-x" x=x_of(i) y=H - 8.0 text-anchor="middle">
                    {l.clone()}
                </text>
            }
        })
        .collect_view();
    let rows = labels
        .iter()
        .zip(values.iter())
        .filter_map(|(l, v)| v.map(|v| (l, v)))
        .map(|(l, v)| {
            view! {
                <tr>
                    <th scope="row">{l.clone()}</th>
                    <td class="num">{number(v)}</td>
                </tr>
            }
        })
        .collect_view();
    chart_frame(
        title,
        summary,
        view! {
            {y_axis(top)}
            {ceiling_line}
            <path class="chart-line" d=path />
            {dots}
            {ticks}
        }
        .into_any(),
        ().into_any(),
        view! {
            <thead>
                <tr>
                    <th scope="col">"Day"</th>
                    <th scope="col">{value_name}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        }
        .into_any(),
    )
}

/// Horizontal bars of a share each (a review's decided items), with the numbers.
#[component]
pub fn ProgressBars(
    title: String,
    summary: String,
    /// (label, done, of) per bar.
    rows: Vec<(String, i64, i64)>,
) -> impl IntoView {
    let bars = rows
        .iter()
        .map(|(label, done, of)| {
            let percent = domain::model::percent_done(*done, *of);
            view! {
                <li>
                    <span class="progress-label">{label.clone()}</span>
                    <ProgressBar percent />
                    <span class="progress-value">{format!("{percent}% ({done} of {of})")}</span>
                </li>
            }
        })
        .collect_view();
    view! {
        <figure class="chart">
            <figcaption>
                <h3>{title}</h3>
                <p class="muted">{summary}</p>
            </figcaption>
            <ul class="progress-list">{bars}</ul>
        </figure>
    }
}

/// A bar filled to `percent` (drawn as SVG: the page's style policy refuses style
/// attributes). Decorative: the number is always written beside it.
#[component]
pub fn ProgressBar(percent: i64) -> impl IntoView {
    let width = percent.clamp(0, 100);
    view! {
        <svg class="meter" viewBox="0 0 100 8" preserveAspectRatio="none" aria-hidden="true">
            <rect class="meter-track" width="100" height="8" rx="4" />
            <rect class="meter-fill" width=width height="8" rx="4" />
        </svg>
    }
}

fn chart_frame(
    title: String,
    summary: String,
    drawing: AnyView,
    legend: AnyView,
    table: AnyView,
) -> impl IntoView {
    view! {
        <figure class="chart">
            <figcaption>
                <h3>{title.clone()}</h3>
                <p class="muted">{summary.clone()}</p>
            </figcaption>
            <svg viewBox=format!("0 0 {W} {H}") role="img" aria-label=format!("{title}. {summary}")>
                {drawing}
            </svg>
            {legend}
            <details class="chart-numbers">
                <summary>{format!("{title}: the numbers")}</summary>
                <div class="table-wrap" tabindex="0">
                    <table class="data">{table}</table>
                </div>
            </details>
        </figure>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_tops_are_round_and_cover_the_maximum() {
        assert_eq!(axis_top(0.0), 1.0);
        assert_eq!(axis_top(1.0), 1.0);
        assert_eq!(axis_top(3.0), 5.0);
        assert_eq!(axis_top(7.0), 10.0);
        assert_eq!(axis_top(12.0), 20.0);
        assert_eq!(axis_top(480.0), 500.0);
        assert_eq!(axis_top(501.0), 1000.0);
    }
}
