//! The run at a glance, as an SVG drawn with plotters: throughput and p99
//! latency per second, one panel each over the same time axis, with the
//! server's downtime (each `kill -9` to its restart) shaded red, the slow
//! clients' windows yellow and the fault proxy's windows (the aws backend)
//! blue, so a reader sees how the system rode each fault out.

use std::path::Path;

use anyhow::anyhow;
use plotters::prelude::*;

use super::faults::Event;
use super::metrics::{self, Second};

/// The picture's size, in pixels.
const SIZE: (u32, u32) = (960, 560);
/// The server down: from a kill to the restart after it.
const DOWN: RGBColor = RGBColor(244, 180, 180);
/// A slow client holding a connection.
const SLOW: RGBColor = RGBColor(250, 232, 170);
/// A fault window of the proxy's (a dependency throttled, failing or out).
const DEPENDENCY: RGBColor = RGBColor(196, 214, 240);
/// The plotted lines.
const THROUGHPUT: RGBColor = RGBColor(31, 100, 180);
const LATENCY: RGBColor = RGBColor(200, 90, 20);

/// A shaded window of the run, in seconds since the start.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Window {
    from: f64,
    to: f64,
    colour: RGBColor,
}

/// Writes the chart of `seconds` (the load, second by second) and `events`
/// (the faults) to `path`.
pub(super) fn draw(path: &Path, seconds: &[Second], events: &[Event]) -> anyhow::Result<()> {
    let end = (seconds.len().max(1)) as f64;
    let throughput: Vec<(f64, f64)> = seconds
        .iter()
        .enumerate()
        .map(|(second, slot)| (second as f64 + 0.5, slot.requests as f64))
        .collect();
    let latency: Vec<(f64, f64)> = seconds
        .iter()
        .enumerate()
        .filter_map(|(second, slot)| {
            let mut samples = slot.latencies_us.clone();
            metrics::quantile(&mut samples, 0.99).map(|us| (second as f64 + 0.5, f64::from(us) / 1_000.0))
        })
        .collect();
    let windows = windows(events, end);
    let fail = |err: &dyn std::fmt::Display| anyhow!("cannot draw {}: {err}", path.display());

    let root = SVGBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|err| fail(&err))?;
    let root = root
        .titled(
            "Soak: throughput and p99 latency per second (red: server down after kill -9; yellow: a slow client)",
            ("sans-serif", 16),
        )
        .map_err(|err| fail(&err))?;
    let (top, bottom) = root.split_vertically(SIZE.1 / 2 - 10);
    let panels = [
        (top, "requests / s", throughput, THROUGHPUT),
        (bottom, "p99 latency (ms)", latency, LATENCY),
    ];
    for (area, label, points, colour) in panels {
        let high = points.iter().map(|(_, y)| *y).fold(0.0, f64::max).max(1.0) * 1.1;
        let mut chart = ChartBuilder::on(&area)
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(60)
            .build_cartesian_2d(0.0..end, 0.0..high)
            .map_err(|err| fail(&err))?;
        chart
            .configure_mesh()
            .x_desc("seconds since the start")
            .y_desc(label)
            .light_line_style(WHITE)
            .draw()
            .map_err(|err| fail(&err))?;
        chart
            .draw_series(
                windows
                    .iter()
                    .map(|window| Rectangle::new([(window.from, 0.0), (window.to, high)], window.colour.filled())),
            )
            .map_err(|err| fail(&err))?;
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(|err| fail(&err))?;
    }
    root.present().map_err(|err| fail(&err))?;
    Ok(())
}

/// The shaded windows of `events`: each kill to the next restart, each slow
/// client from its start to its end (a window left open closes at `end`).
fn windows(events: &[Event], end: f64) -> Vec<Window> {
    let mut windows = Vec::new();
    let closing = |from: &Event, kind: &str| {
        events
            .iter()
            .find(|event| event.kind == kind && event.at >= from.at && same_client(from, event))
            .map_or(end, |event| event.at)
    };
    for event in events {
        let (to, colour) = match event.kind {
            "kill" => (closing(event, "restarted"), DOWN),
            "slow-start" => (closing(event, "slow-end"), SLOW),
            "fault-start" => (closing(event, "fault-end"), DEPENDENCY),
            _ => continue,
        };
        windows.push(Window {
            from: event.at,
            to: to.min(end),
            colour,
        });
    }
    // The downtime drawn last, over any slow client's window.
    windows.sort_by_key(|window| window.colour == DOWN);
    windows
}

/// Whether `end` closes `start`: a restart closes any kill; a slow client's
/// or a fault window's end closes its own start (`slow client N` or
/// `fault N` opens both details).
fn same_client(start: &Event, end: &Event) -> bool {
    if start.kind == "kill" {
        return true;
    }
    let client = |event: &Event| event.detail.split(" (").next().map(str::to_owned);
    client(start) == client(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(at: f64, kind: &'static str, detail: &str) -> Event {
        Event {
            at,
            kind,
            detail: detail.to_owned(),
        }
    }

    #[test]
    fn each_fault_is_a_window_to_its_own_end() {
        let events = [
            event(3.0, "slow-start", "slow client 0 (Body)"),
            event(10.0, "slow-start", "slow client 1 (Headers)"),
            event(13.0, "slow-end", "slow client 0 (Body): answered 408"),
            event(30.0, "kill", "kill -9 of incarnation 1"),
            event(30.4, "restarted", "incarnation 2"),
            event(50.0, "kill", "kill -9 of incarnation 2"),
            event(20.0, "fault-start", "fault 1 (SQS outage)"),
            event(22.0, "fault-start", "fault 2 (S3 5xx)"),
            event(26.0, "fault-end", "fault 2 (S3 5xx)"),
            event(40.0, "fault-end", "fault 1 (SQS outage)"),
        ];
        let windows = windows(&events, 60.0);
        let spans: Vec<(f64, f64, bool)> = windows
            .iter()
            .map(|window| (window.from, window.to, window.colour == DOWN))
            .collect();
        assert_eq!(
            spans,
            [
                (3.0, 13.0, false),
                (10.0, 60.0, false),
                (20.0, 40.0, false),
                (22.0, 26.0, false),
                (30.0, 30.4, true),
                (50.0, 60.0, true)
            ]
        );
        assert_eq!(windows[2].colour, DEPENDENCY);
    }

    #[test]
    fn the_chart_is_an_svg_with_both_panels() {
        let dir = tempfile::TempDir::new().unwrap_or_else(|err| panic!("{err}"));
        let path = dir.path().join("soak.svg");
        let seconds: Vec<Second> = (0..10u32)
            .map(|second| Second {
                requests: 100 + u64::from(second),
                latencies_us: vec![500, 900 + second * 10],
                ..Second::default()
            })
            .collect();
        let events = [event(4.0, "kill", "kill -9"), event(4.5, "restarted", "incarnation 2")];
        draw(&path, &seconds, &events).unwrap_or_else(|err| panic!("{err:#}"));
        let svg = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{err}"));
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(svg.contains("requests / s") && svg.contains("p99 latency (ms)"));
        assert_eq!(svg.matches("stroke=\"#1F64B4\"").count(), 1, "the throughput line");
        assert_eq!(svg.matches("stroke=\"#C85A14\"").count(), 1, "the p99 line");
        // The downtime's rectangle, in both panels.
        assert_eq!(svg.matches("fill=\"#F4B4B4\"").count(), 2, "{svg}");
    }
}
