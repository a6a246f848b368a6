//! The binary in a real terminal: a private tmux server (its own socket in a temp dir),
//! one pane (120×50 unless sized) running one shell command, read back with `capture-pane`;
//! or two, stdout on one and stderr on the other, so each stream is a terminal of its own
//! and is read back apart.

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
        let tmux = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        tmux.session("t", &tmux.wrap(script, env, cwd, ""), (columns, rows));
        tmux
    }

    /// [`Tmux::start`] with the command's stderr on a second terminal (session `err`,
    /// the same size), read by [`Tmux::stderr_screen`].
    pub fn start_two(script: &str, env: &[(String, String)], cwd: &Path) -> Self {
        let tmux = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        tmux.session("err", "sleep 600", (120, 50));
        let tty = tmux
            .tmux()
            .args(["display-message", "-p", "-t", "err", "#{pane_tty}"])
            .output()
            .unwrap();
        let tty = String::from_utf8(tty.stdout).unwrap().trim().to_string();
        assert!(tty.starts_with("/dev/"), "no tty for stderr: {tty:?}");
        tmux.session(
            "t",
            &tmux.wrap(script, env, cwd, &format!(" 2>{}", quote(&tty))),
            (120, 50),
        );
        tmux
    }

    /// The pane's command: `script` with exactly `env` (plus TERM), `redirect` after it,
    /// its exit code written for [`Tmux::exit_code`].
    fn wrap(&self, script: &str, env: &[(String, String)], cwd: &Path, redirect: &str) -> String {
        let exit = self.dir.path().join("exit");
        let mut vars: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{k}={}", quote(v)))
            .collect();
        vars.push("TERM=xterm-256color".into());
        format!(
            // The pane's shell traps Ctrl-C (a trap, unlike an ignore, is not inherited),
            // so it outlives an interrupted command to write its exit code.
            "trap true INT; cd {} && env -i {} sh -c {}{redirect}; echo $? > {}; sleep 600",
            quote(&cwd.display().to_string()),
            vars.join(" "),
            quote(script),
            quote(&exit.display().to_string()),
        )
    }

    fn session(&self, name: &str, command: &str, (columns, rows): (u16, u16)) {
        let status = self
            .tmux()
            .args(["new-session", "-d", "-s", name])
            .args(["-x", &columns.to_string(), "-y", &rows.to_string()])
            .arg(command)
            .status()
            .expect("run tmux (installed by scripts/system-deps.sh)");
        assert!(status.success(), "tmux did not start");
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

    /// What the second terminal of [`Tmux::start_two`] shows: the command's stderr.
    pub fn stderr_screen(&self) -> String {
        self.capture_of("err", &["-J"])
    }

    fn capture(&self, flags: &[&str]) -> String {
        self.capture_of("t", flags)
    }

    fn capture_of(&self, session: &str, flags: &[&str]) -> String {
        let mut cmd = self.tmux();
        cmd.args(["capture-pane", "-p", "-S", "-", "-t", session])
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

/// The binary run to its end with `args`, stdout and stderr each on a terminal of its
/// own: the exit code and what each terminal shows at the end (the last frame of the
/// redrawn rows, not every frame), trailing blank rows left out.
pub fn run(args: &[&str], env: &[(String, String)], cwd: &Path) -> super::Run {
    let mut script = quote(env!("CARGO_BIN_EXE_mysfits"));
    for arg in args {
        script += " ";
        script += &quote(arg);
    }
    let term = Tmux::start_two(&script, env, cwd);
    let code = term.exit_code(Duration::from_secs(120));
    let screen = |text: String| match text.trim_end() {
        "" => String::new(),
        text => format!("{text}\n"),
    };
    super::Run {
        code,
        stdout: screen(term.screen(false)),
        stderr: screen(term.stderr_screen()),
    }
}
