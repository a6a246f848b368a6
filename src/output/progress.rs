//! Progress rows: redrawn spinners on a terminal, plain lines elsewhere
//! (pipes, `CI=true`), so logs stay readable.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use console::style;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::output::Printer;
use crate::report::Reporter;

struct Row {
    label: String,
    started: Instant,
    bar: Option<ProgressBar>,
    last_status: String,
}

pub struct TermReporter {
    multi: Option<MultiProgress>,
    rows: Mutex<HashMap<String, Row>>,
    quiet: bool,
}

impl TermReporter {
    pub fn new(printer: &Printer) -> Self {
        let multi = printer
            .interactive()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Self {
            multi,
            rows: Mutex::new(HashMap::new()),
            quiet: printer.verbosity() == crate::output::Verbosity::Quiet,
        }
    }

    fn plain(&self, line: String) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

fn elapsed(since: Instant) -> String {
    let d = since.elapsed();
    if d < Duration::from_secs(60) {
        format!("{:.1}s", d.as_secs_f64())
    } else {
        format!("{}m{:02}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

impl Reporter for TermReporter {
    fn start(&self, key: &str, label: &str) {
        let mut rows = self.rows.lock().unwrap();
        if rows.contains_key(key) {
            return;
        }
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("  {spinner:.cyan} {prefix:<42} {msg} {elapsed:.dim}")
                    .expect("static template"),
            );
            bar.set_prefix(label.to_string());
            bar.set_message("pending");
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        rows.insert(
            key.to_string(),
            Row {
                label: label.to_string(),
                started: Instant::now(),
                bar,
                last_status: "pending".into(),
            },
        );
    }

    fn update(&self, key: &str, status: &str) {
        let mut rows = self.rows.lock().unwrap();
        let Some(row) = rows.get_mut(key) else { return };
        if row.last_status == status {
            return;
        }
        row.last_status = status.to_string();
        match &row.bar {
            Some(bar) => bar.set_message(status.to_string()),
            None => self.plain(format!(
                "  {}: {status} ({})",
                row.label,
                elapsed(row.started)
            )),
        }
    }

    fn finish(&self, key: &str, status: &str, ok: bool) {
        let mut rows = self.rows.lock().unwrap();
        let Some(row) = rows.remove(key) else { return };
        let mark = if ok {
            style("✔").green()
        } else {
            style("✘").red()
        };
        let line = format!(
            "  {mark} {:<42} {status} {}",
            row.label,
            style(elapsed(row.started)).dim()
        );
        match &row.bar {
            Some(bar) => bar.finish_with_message(format!("{mark} {status}")),
            None => self.plain(line),
        }
    }

    fn event(&self, text: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(format!("  {}", style(text).dim()));
            }
            None => self.plain(format!("  {text}")),
        }
    }
}
