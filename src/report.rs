//! How long-running work tells the user what is pending, without knowing
//! about terminals: `aws/` and `commands/` talk to this trait, `output/` draws it.

pub trait Reporter: Send + Sync {
    /// A row appears for `key`, labelled with a human description.
    fn start(&self, key: &str, label: &str);
    /// The row's status changes (e.g. `CREATE_IN_PROGRESS`, `2/3 running`).
    fn update(&self, key: &str, status: &str);
    /// The row ends with its final status; `ok` colours it.
    fn finish(&self, key: &str, status: &str, ok: bool);
    /// A line of its own: a service event, a stop reason.
    fn event(&self, text: &str);
    /// A line of a tool's output (the image builder's) for `key`'s row.
    fn output(&self, key: &str, line: &str);
}

/// For callers that need no progress: the recorded-response tests.
#[cfg(test)]
pub struct Silent;

#[cfg(test)]
impl Reporter for Silent {
    fn start(&self, _: &str, _: &str) {}
    fn update(&self, _: &str, _: &str) {}
    fn finish(&self, _: &str, _: &str, _: bool) {}
    fn event(&self, _: &str) {}
    fn output(&self, _: &str, _: &str) {}
}
