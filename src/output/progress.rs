//! Progress rows: redrawn spinners on a terminal, plain lines elsewhere (pipes,
//! `CI=true`), so logs stay readable. Off a terminal a row is one line, printed when it
//! finishes (its status changes are not lines: a stack's 31 resources were 62 lines; only
//! a row whose tool prints, a build, is also named above the tool's lines), and a
//! heartbeat line says what is still pending at least every 10 s, so a long wait never
//! looks like a hang.

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use super::printer::styled;
use crate::output::{Printer, Verbosity};
use crate::report::{Reporter, RowId};

/// The longest a wait stays silent off a terminal.
const HEARTBEAT: Duration = Duration::from_secs(10);

struct Row {
    id: RowId,
    label: String,
    started: Instant,
    bar: Option<ProgressBar>,
    status: String,
    /// Off a terminal: the row's name and status were printed above its tool's lines.
    headed: bool,
}

#[derive(Default)]
struct State {
    /// Rows in the order they started.
    rows: Vec<Row>,
    next_id: u64,
    /// Finished rows, `label: status`, for the account of an interrupted command.
    done: Vec<String>,
    last_line: Option<Instant>,
    stopped: bool,
}

struct Shared {
    printer: Printer,
    state: Mutex<State>,
    wake: Condvar,
}

impl Shared {
    fn plain(&self, state: &mut State, line: &str) {
        state.last_line = Some(Instant::now());
        if self.printer.verbosity() != Verbosity::Quiet {
            self.printer.line(line);
        }
    }
}

pub struct TermReporter {
    shared: Arc<Shared>,
    heartbeat: Option<JoinHandle<()>>,
}

/// What a command has done and what it was still doing, read when it is interrupted.
#[derive(Clone)]
pub struct ProgressLog(Arc<Shared>);

impl ProgressLog {
    /// `(done, pending)`: finished rows with their status, rows still running.
    pub fn summary(&self) -> (Vec<String>, Vec<String>) {
        let state = self.0.state.lock().unwrap();
        let pending = state
            .rows
            .iter()
            .map(|r| format!("{} ({}, {})", r.label, r.status, elapsed(r.started)))
            .collect();
        (state.done.clone(), pending)
    }
}

impl TermReporter {
    pub fn new(printer: &Printer) -> Self {
        let shared = Arc::new(Shared {
            printer: printer.clone(),
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
        });
        let heartbeat =
            (!printer.interactive() && printer.verbosity() != Verbosity::Quiet).then(|| {
                let shared = shared.clone();
                std::thread::spawn(move || heartbeat(&shared))
            });
        Self { shared, heartbeat }
    }

    pub fn log(&self) -> ProgressLog {
        ProgressLog(self.shared.clone())
    }
}

impl Drop for TermReporter {
    fn drop(&mut self) {
        self.shared.state.lock().unwrap().stopped = true;
        self.shared.wake.notify_all();
        if let Some(h) = self.heartbeat.take() {
            let _ = h.join();
        }
    }
}

/// Off a terminal: when rows are pending and nothing was printed for HEARTBEAT, one
/// line naming the pending rows, their status and how long they have waited.
fn heartbeat(shared: &Shared) {
    let mut state = shared.state.lock().unwrap();
    loop {
        state = shared
            .wake
            .wait_timeout(state, Duration::from_millis(500))
            .unwrap()
            .0;
        if state.stopped {
            return;
        }
        let quiet_for = state.last_line.map(|t| t.elapsed()).unwrap_or_default();
        if state.rows.is_empty() || quiet_for < HEARTBEAT {
            continue;
        }
        let pending: Vec<(&str, &str, Instant)> = state
            .rows
            .iter()
            .map(|r| (r.label.as_str(), r.status.as_str(), r.started))
            .collect();
        let line = waiting_line(&pending);
        shared.plain(&mut state, &line);
    }
}

/// More pending rows than this are grouped by status in a heartbeat.
const NAMED_ROWS: usize = 4;
/// The rows a group names before `and N more`.
const NAMED_PER_STATUS: usize = 3;

/// The heartbeat's line: each pending row with its status and wait, or, for many rows (a
/// stack's resources), the rows grouped by status with a few named, so it stays one
/// readable line.
fn waiting_line(rows: &[(&str, &str, Instant)]) -> String {
    if rows.len() <= NAMED_ROWS {
        let each: Vec<String> = rows
            .iter()
            .map(|(label, status, started)| format!("{label}: {status} ({})", elapsed(*started)))
            .collect();
        return format!("  … still waiting on {}", each.join("; "));
    }
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for (label, status, _) in rows {
        match groups.iter_mut().find(|(s, _)| s == status) {
            Some((_, labels)) => labels.push(label),
            None => groups.push((status, vec![label])),
        }
    }
    let groups: Vec<String> = groups
        .iter()
        .map(|(status, labels)| {
            let named = labels[..labels.len().min(NAMED_PER_STATUS)].join(", ");
            match labels.len().saturating_sub(NAMED_PER_STATUS) {
                0 => format!("{status}: {named}"),
                more => format!("{status}: {named} and {more} more"),
            }
        })
        .collect();
    let oldest = rows
        .iter()
        .map(|(_, _, t)| *t)
        .min()
        .expect("more rows than 0");
    format!(
        "  … still waiting on {} rows ({}): {}",
        rows.len(),
        elapsed(oldest),
        groups.join("; ")
    )
}

/// A line cut to `n` characters, so a row stays on one line.
fn clip(line: &str, n: usize) -> String {
    match line.char_indices().nth(n) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_string(),
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
    fn start(&self, label: &str) -> RowId {
        let mut state = self.shared.state.lock().unwrap();
        state.next_id += 1;
        let id = RowId(state.next_id);
        let bar = self.shared.printer.multi().map(|m| {
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
        if state.last_line.is_none() {
            state.last_line = Some(Instant::now());
        }
        state.rows.push(Row {
            id,
            label: label.to_string(),
            started: Instant::now(),
            bar,
            status: "pending".into(),
            headed: false,
        });
        id
    }

    fn update(&self, id: RowId, status: &str) {
        let mut state = self.shared.state.lock().unwrap();
        let Some(row) = state.rows.iter_mut().find(|r| r.id == id) else {
            return;
        };
        if row.status == status {
            return;
        }
        row.status = status.to_string();
        // Off a terminal the status waits for the row's finish line or the heartbeat.
        if let Some(bar) = &row.bar {
            bar.set_message(status.to_string());
        }
    }

    fn finish(&self, id: RowId, status: &str, ok: bool) {
        let mut state = self.shared.state.lock().unwrap();
        let Some(at) = state.rows.iter().position(|r| r.id == id) else {
            return;
        };
        let row = state.rows.remove(at);
        state.done.push(format!("{}: {status}", row.label));
        let mark = if ok {
            styled("✔").green()
        } else {
            styled("✘").red()
        };
        let line = format!(
            "  {mark} {:<42} {status} {}",
            row.label,
            styled(elapsed(row.started)).dim()
        );
        // A finished row leaves the live area and becomes a line above it, so lines
        // stay in the order things happened and no row is drawn twice.
        if let (Some(bar), Some(m)) = (&row.bar, self.shared.printer.multi()) {
            bar.finish_and_clear();
            m.remove(bar);
        }
        self.shared.plain(&mut state, &line);
    }

    fn event(&self, text: &str) {
        let mut state = self.shared.state.lock().unwrap();
        let line = format!("  {}", styled(text).dim());
        self.shared.plain(&mut state, &line);
    }

    /// On a terminal the tool's latest line lives in the row; with -v or in a log every
    /// line is printed, so a slow `pip install` is never a silent minute.
    fn output(&self, id: RowId, line: &str) {
        let printer = &self.shared.printer;
        if printer.interactive() && printer.verbosity() < Verbosity::Verbose {
            if !line.trim().is_empty() {
                self.update(id, &clip(line.trim(), 40));
            }
            return;
        }
        let mut state = self.shared.state.lock().unwrap();
        // Off a terminal the row's own line comes at its end: its tool's lines (a build)
        // get the row's name and status above them first, once.
        let heading = state
            .rows
            .iter_mut()
            .find(|r| r.id == id && r.bar.is_none() && !r.headed)
            .map(|row| {
                row.headed = true;
                format!("  {}: {}", row.label, row.status)
            });
        if let Some(heading) = heading {
            self.shared.plain(&mut state, &heading);
        }
        state.last_line = Some(Instant::now());
        printer.tool_output(line);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    #[test]
    fn a_few_pending_rows_are_each_named() {
        let now = Instant::now();
        let line = super::waiting_line(&[("Deployment of web", "0/1 running", now)]);
        assert!(
            line.starts_with("  … still waiting on Deployment of web: 0/1 running ("),
            "{line}"
        );
    }

    /// A stack's resources: one line still, grouped by status, a few named.
    #[test]
    fn many_pending_rows_are_grouped_by_status() {
        let now = Instant::now();
        let rows: Vec<(String, &str)> = (1..=6)
            .map(|i| (format!("Subnet {i}"), "CREATE_COMPLETE"))
            .chain([("Load balancer".to_string(), "CREATE_IN_PROGRESS")])
            .collect();
        let rows: Vec<(&str, &str, Instant)> =
            rows.iter().map(|(l, s)| (l.as_str(), *s, now)).collect();
        let line = super::waiting_line(&rows);
        assert!(line.starts_with("  … still waiting on 7 rows ("), "{line}");
        assert!(
            line.ends_with(
                "): CREATE_COMPLETE: Subnet 1, Subnet 2, Subnet 3 and 3 more; CREATE_IN_PROGRESS: Load balancer"
            ),
            "{line}"
        );
    }

    #[test]
    fn clip_keeps_rows_on_one_line() {
        assert_eq!(
            super::clip("STEP 1/3: FROM scratch", 48),
            "STEP 1/3: FROM scratch"
        );
        assert_eq!(super::clip("ééééé", 3), "ééé…");
    }
}
