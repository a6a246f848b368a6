//! How long-running work tells the user what is pending, without knowing about
//! terminals: `aws/`, `image/` and `commands/` talk to this trait, `output/` draws it.
//! A row is a handle ([`Row`]), passed to whoever reports under it, never a string key
//! two files must agree on.

/// Which row a call is about; made only by [`Reporter::start`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowId(pub(crate) u64);

pub trait Reporter: Send + Sync {
    /// A row appears, labelled with a human description.
    fn start(&self, label: &str) -> RowId;
    /// The row's status changes (e.g. `CREATE_IN_PROGRESS`, `2/3 running`).
    fn update(&self, row: RowId, status: &str);
    /// The row ends with its final status; `ok` colours it.
    fn finish(&self, row: RowId, status: &str, ok: bool);
    /// A line of its own: a service event, a stop reason.
    fn event(&self, text: &str);
    /// A line of a tool's output (the image builder's) for the row.
    fn output(&self, row: RowId, line: &str);
}

/// A progress row: made with [`Row::new`], ended with [`Row::finish`].
pub struct Row<'r> {
    reporter: &'r dyn Reporter,
    id: RowId,
}

impl<'r> Row<'r> {
    pub fn new(reporter: &'r dyn Reporter, label: &str) -> Self {
        Self {
            id: reporter.start(label),
            reporter,
        }
    }

    pub fn update(&self, status: &str) {
        self.reporter.update(self.id, status);
    }

    pub fn output(&self, line: &str) {
        self.reporter.output(self.id, line);
    }

    pub fn finish(&self, status: &str, ok: bool) {
        self.reporter.finish(self.id, status, ok);
    }
}

/// For callers that need no progress: the recorded-response tests.
#[cfg(test)]
pub struct Silent;

#[cfg(test)]
impl Reporter for Silent {
    fn start(&self, _: &str) -> RowId {
        RowId(0)
    }
    fn update(&self, _: RowId, _: &str) {}
    fn finish(&self, _: RowId, _: &str, _: bool) {}
    fn event(&self, _: &str) {}
    fn output(&self, _: RowId, _: &str) {}
}

/// For tests that read what was reported: every row's label and end, every event, in order.
#[cfg(test)]
#[derive(Default)]
pub struct Recorded(std::sync::Mutex<Vec<String>>);

#[cfg(test)]
impl Recorded {
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }

    /// Only the events' texts.
    pub fn events(&self) -> Vec<String> {
        let lines = self.0.lock().unwrap();
        let texts = lines.iter().filter_map(|l| l.strip_prefix("event "));
        texts.map(String::from).collect()
    }
}

#[cfg(test)]
impl Reporter for Recorded {
    fn start(&self, label: &str) -> RowId {
        let mut lines = self.0.lock().unwrap();
        lines.push(format!("row {label}"));
        RowId(lines.len() as u64)
    }
    fn update(&self, _: RowId, _: &str) {}
    fn finish(&self, row: RowId, status: &str, ok: bool) {
        let mut lines = self.0.lock().unwrap();
        let label = lines[row.0 as usize - 1]
            .trim_start_matches("row ")
            .to_string();
        lines.push(format!(
            "{} {label}: {status}",
            if ok { "ok" } else { "failed" }
        ));
    }
    fn event(&self, text: &str) {
        self.0.lock().unwrap().push(format!("event {text}"));
    }
    fn output(&self, _: RowId, _: &str) {}
}
