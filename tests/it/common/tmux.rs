//! The binary in a real terminal: a private tmux server (its own socket in a temp dir),
//! one pane (120×50 unless sized) running one shell command, read back with `capture-pane`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    dir: tempfile::TempDir,
}

impl Tmux {
    /// Runs `script` (sh) in a fresh pane with exactly `env` (plus TERM); its exit code
    /// is written for [`Tmux::exit_code`].
    pub fn start(script: &str, env: &[(String, String)], cwd: &Path) -> Self {
        Self::start_sized(script, env, cwd, (120, 50))
    }

    /// [`Tmux::start`] in a pane of `(columns, rows)`.
    pub fn start_sized(
        script: &str,
        env: &[(String, String)],
        cwd: &Path,
        (columns, rows): (u16, u16),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let exit = dir.path().join("exit");
        let mut vars: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        vars.push("TERM=xterm-256color".into());
        let command = format!(
            // The pane's shell traps Ctrl-C (a trap, unlike an ignore, is not inherited),
            // so it outlives an interrupted command to write its exit code.
            "trap true INT; cd {} && env -i {} sh -c {}; echo $? > {}; sleep 600",
            quote(&cwd.display().to_string()),
            vars.join(" "),
            quote(script),
            quote(&exit.display().to_string()),
        );
        let tmux = Self { dir };
        let status = tmux
            .tmux()
            .args(["new-session", "-d", "-s", "t"])
            .args(["-x", &columns.to_string(), "-y", &rows.to_string()])
            .arg(command)
            .status()
            .expect("run tmux (installed by scripts/system-deps.sh)");
        assert!(status.success(), "tmux did not start");
        tmux
    }

    fn tmux(&self) -> Command {
        let mut cmd = Command::new("tmux");
        cmd.arg("-S").arg(self.socket()).env_remove("TMUX");
        cmd
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("socket")
    }

    /// Everything the pane shows, scrollback included; `escapes` keeps colours.
    pub fn screen(&self, escapes: bool) -> String {
        self.capture(if escapes { &["-J", "-e"] } else { &["-J"] })
    }

    /// The pane's rows as drawn, scrollback included: a line the terminal folded is two
    /// rows here (unlike [`Tmux::screen`], which joins them).
    pub fn rows(&self) -> Vec<String> {
        self.capture(&[]).lines().map(String::from).collect()
    }

    fn capture(&self, flags: &[&str]) -> String {
        let mut cmd = self.tmux();
        cmd.args(["capture-pane", "-p", "-S", "-", "-t", "t"])
            .args(flags);
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    }

    pub fn wait_for(&self, text: &str, timeout: Duration) -> String {
        let started = Instant::now();
        loop {
            let screen = self.screen(false);
            if screen.contains(text) {
                return screen;
            }
            assert!(
                started.elapsed() < timeout,
                "{text:?} not on screen within {timeout:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// Keys as tmux names them: `C-c`, `y`, `Enter`.
    pub fn send(&self, keys: &[&str]) {
        let status = self
            .tmux()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    pub fn exit_code(&self, timeout: Duration) -> i32 {
        let started = Instant::now();
        let path = self.dir.path().join("exit");
        loop {
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Ok(code) = text.trim().parse() {
                    return code;
                }
            }
            assert!(
                started.elapsed() < timeout,
                "the command did not end within {timeout:?}:\n{}",
                self.screen(false)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux().arg("kill-server").status();
    }
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
