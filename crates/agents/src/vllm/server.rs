//! Launching `vllm serve` for a model whose catalog entry has no `base_url`:
//! the process starts in its own process group, `/health` is polled until it
//! answers or the startup timeout passes, and the whole group is stopped on
//! [`VllmServer::shutdown`] or when the server is dropped. The process's
//! output is drained all along (a full pipe would stall it) and its last
//! lines are kept for error messages.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::AgentError;
use crate::http::{HttpClient, HttpError, HttpSettings, JsonRequest};
use crate::vllm::catalog::VllmModel;

/// How long a server gets to exit after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);
/// Lines of the server's output kept for messages.
const TAIL_LINES: usize = 30;
/// The longest line kept.
const LINE_CHARS: usize = 400;
/// The wait between two `/health` probes while the server starts.
const POLL_INTERVAL: Duration = Duration::from_millis(250);

/// A vLLM server this process started. Dropping it stops it.
pub struct VllmServer {
    base_url: String,
    command_line: Vec<String>,
    pid: u32,
    child: Mutex<Option<Child>>,
    output: Arc<Mutex<VecDeque<String>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for VllmServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VllmServer")
            .field("base_url", &self.base_url)
            .field("command_line", &self.command_line)
            .field("pid", &self.pid)
            .finish()
    }
}

impl VllmServer {
    /// Starts `<command…> <model_path> --host H --port P
    /// [--served-model-name N] [--tokenizer T] <args…>` (the entry's
    /// `launch` settings) and waits until `GET /health` answers. Fails, with
    /// the tail of the server's output, when the program is missing, when
    /// the port is taken, when the server exits early, or when it is not
    /// ready within `startup_timeout_s` (it is stopped then).
    pub async fn launch(model: &VllmModel) -> Result<VllmServer, AgentError> {
        model.check(&format!("the vLLM model {}", model.model_path))?;
        let launch = model.launch_settings();
        let command_line = command_line(model);
        let program = command_line[0].clone();
        let what = shown_command(&command_line);
        let error = |message: String| AgentError::Launch {
            command: what.clone(),
            message,
        };
        port_is_free(&launch.host, launch.port).map_err(error)?;
        let base_url = format!("http://{}:{}", connect_host(&launch.host), launch.port);

        let mut command = Command::new(&program);
        command
            .args(&command_line[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        // Its own process group, so that stopping it also stops the engine
        // processes vLLM forks.
        #[cfg(unix)]
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = command
            .spawn()
            .map_err(|e| error(spawn_error(&program, &e)))?;
        let output = Arc::new(Mutex::new(VecDeque::new()));
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.extend(drain(stdout, Arc::clone(&output)));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.extend(drain(stderr, Arc::clone(&output)));
        }
        let server = VllmServer {
            base_url,
            command_line,
            pid: child.id(),
            child: Mutex::new(Some(child)),
            output,
            readers,
        };
        match server.wait_ready(launch.startup_timeout_s).await {
            Ok(()) => Ok(server),
            Err(message) => {
                server.stop();
                server.settle_output().await;
                Err(error(format!(
                    "{message}\n--- the server's last output ---\n{}",
                    server.output_tail()
                )))
            }
        }
    }

    /// The server's root URL (`http://127.0.0.1:8000`); the OpenAI-compatible
    /// API is under `/v1`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The command that was run, program first.
    pub fn command_line(&self) -> &[String] {
        &self.command_line
    }

    /// The process id (also the id of its process group on Unix).
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The last lines the server printed (stdout and stderr together).
    pub fn output_tail(&self) -> String {
        let lines = self.output.lock().unwrap_or_else(|e| e.into_inner());
        if lines.is_empty() {
            return "(no output)".to_string();
        }
        lines.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// Whether the process is still running.
    pub fn is_running(&self) -> bool {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        child
            .as_mut()
            .is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Stops the server: SIGTERM to its process group, SIGKILL after a
    /// grace period, and the process reaped. Calling it again does nothing.
    pub fn shutdown(&self) {
        self.stop();
    }

    async fn wait_ready(&self, timeout_s: u64) -> Result<(), String> {
        let client = HttpClient::new().map_err(|e| e.to_string())?;
        let probe = HttpSettings {
            request_timeout: Duration::from_secs(2),
            max_retries: 0,
            ..HttpSettings::default()
        };
        let endpoint = client.endpoint(&format!("vllm launch {}", self.base_url), None, &probe);
        let health = format!("{}/health", self.base_url);
        let timeout = Duration::from_secs(timeout_s);
        let start = Instant::now();
        loop {
            if let Some(status) = self.exit_status() {
                return Err(format!("the server exited ({status}) before it was ready"));
            }
            let last = match endpoint.send_json(&JsonRequest::get(health.as_str())).await {
                Ok(_) | Err(HttpError::InvalidJson { .. }) => return Ok(()),
                Err(e) => e.to_string(),
            };
            let elapsed = start.elapsed();
            if elapsed >= timeout {
                return Err(format!(
                    "the server did not answer {health} within {timeout_s} s (last probe: {last}); \
                     it was stopped. Raise launch.startup_timeout_s if the model needs longer to load"
                ));
            }
            tokio::time::sleep(POLL_INTERVAL.min(timeout - elapsed)).await;
        }
    }

    /// Waits (a second at most) for the output readers to reach the end of
    /// the pipes of a stopped server, so its last words are in the tail.
    async fn settle_output(&self) {
        for _ in 0..50 {
            if self.readers.iter().all(|r| r.is_finished()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// The exit status, once the process has exited.
    fn exit_status(&self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        child.as_mut().and_then(|c| c.try_wait().ok().flatten())
    }

    fn stop(&self) {
        let taken = self.child.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(mut child) = taken {
            stop_group(&mut child);
        }
    }
}

impl Drop for VllmServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// The full command line for a model.
pub(crate) fn command_line(model: &VllmModel) -> Vec<String> {
    let launch = model.launch_settings();
    let mut argv = launch.command.clone();
    argv.push(model.model_path.clone());
    argv.extend([
        "--host".to_string(),
        launch.host.clone(),
        "--port".to_string(),
        launch.port.to_string(),
    ]);
    if let Some(name) = model
        .served_model_name
        .as_ref()
        .filter(|n| !n.trim().is_empty())
    {
        argv.extend(["--served-model-name".to_string(), name.clone()]);
    }
    if let Some(tokenizer) = &model.tokenizer_path {
        argv.extend(["--tokenizer".to_string(), tokenizer.clone()]);
    }
    argv.extend(launch.args.iter().cloned());
    argv
}

/// `vllm serve Qwen/Qwen2.5-7B-Instruct`, for messages.
fn shown_command(argv: &[String]) -> String {
    let n = argv.len().min(3);
    let mut shown = argv[..n].join(" ");
    if argv.len() > n {
        shown.push_str(" …");
    }
    format!("`{shown}`")
}

fn spawn_error(program: &str, e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound if !program.contains('/') => format!(
            "`{program}` was not found on PATH; install vLLM (pip install vllm) or set \
             `launch.command` in agents/vllm_models.yaml"
        ),
        std::io::ErrorKind::NotFound => format!(
            "`{program}` does not exist; install vLLM (pip install vllm) or fix `launch.command` \
             in agents/vllm_models.yaml"
        ),
        std::io::ErrorKind::PermissionDenied => format!(
            "`{program}` cannot be run (permission denied); fix `launch.command` in \
             agents/vllm_models.yaml"
        ),
        _ => format!("cannot start `{program}`: {e}"),
    }
}

/// Fails when something already listens on the port: a server answering
/// `/health` there would be taken for the one just started.
fn port_is_free(host: &str, port: u16) -> Result<(), String> {
    match std::net::TcpListener::bind((host, port)) {
        Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => Err(format!(
            "port {port} on {host} is already in use; if a vLLM server is running there, set \
             `base_url: http://{}:{port}/v1` in its entry instead of launching one, or choose \
             another launch.port",
            connect_host(host)
        )),
        // Other failures (an address of another machine) are vLLM's to report.
        _ => Ok(()),
    }
}

/// Where to reach a server listening on `host`.
fn connect_host(host: &str) -> String {
    match host {
        "0.0.0.0" | "" => "127.0.0.1".to_string(),
        "::" | "[::]" => "[::1]".to_string(),
        h if h.contains(':') && !h.starts_with('[') => format!("[{h}]"),
        h => h.to_string(),
    }
}

/// Reads a pipe to its end on a thread of its own, keeping the last lines.
/// `None` when no thread could be started: the pipe is closed then, and the
/// server, writing to it, gets EPIPE but keeps serving.
fn drain(
    stream: impl Read + Send + 'static,
    tail: Arc<Mutex<VecDeque<String>>>,
) -> Option<std::thread::JoinHandle<()>> {
    std::thread::Builder::new()
        .name("vllm-output".to_string())
        .spawn(move || {
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let text = String::from_utf8_lossy(&line);
                        // Progress bars redraw with `\r`: keep the last state.
                        let text = text.trim_end().rsplit('\r').next().unwrap_or("").trim_end();
                        if text.is_empty() {
                            continue;
                        }
                        let text: String = text.chars().take(LINE_CHARS).collect();
                        let mut tail = tail.lock().unwrap_or_else(|e| e.into_inner());
                        if tail.len() == TAIL_LINES {
                            tail.pop_front();
                        }
                        tail.push_back(text);
                    }
                }
            }
        })
        .ok()
}

/// Stops a child and its process group and reaps it.
#[cfg(unix)]
fn stop_group(child: &mut Child) {
    use nix::sys::signal::{Signal, killpg};
    use nix::unistd::Pid;

    let Ok(raw) = i32::try_from(child.id()) else {
        let _ = child.kill();
        let _ = child.wait();
        return;
    };
    let group = Pid::from_raw(raw);
    // The leader is not reaped before this, so the group id is still ours.
    let _ = killpg(group, Signal::SIGTERM);
    let deadline = Instant::now() + STOP_GRACE;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                let _ = killpg(group, Signal::SIGKILL);
                let _ = child.wait();
                break;
            }
        }
    }
    // Engine processes still shutting down go now: nothing of the group may
    // outlive the run holding GPU memory.
    let _ = killpg(group, Signal::SIGKILL);
}

#[cfg(not(unix))]
fn stop_group(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vllm::catalog::VllmLaunch;

    #[test]
    fn the_command_line_puts_the_model_first_and_extra_args_last() {
        let model = VllmModel {
            served_model_name: Some("qwen".into()),
            tokenizer_path: Some("/tok".into()),
            launch: Some(VllmLaunch {
                args: vec!["--max-model-len".into(), "4096".into()],
                port: 8123,
                ..VllmLaunch::default()
            }),
            ..VllmModel::new("Qwen/Qwen2.5-7B-Instruct")
        };
        assert_eq!(
            command_line(&model),
            [
                "vllm",
                "serve",
                "Qwen/Qwen2.5-7B-Instruct",
                "--host",
                "127.0.0.1",
                "--port",
                "8123",
                "--served-model-name",
                "qwen",
                "--tokenizer",
                "/tok",
                "--max-model-len",
                "4096"
            ]
        );
        assert_eq!(
            command_line(&VllmModel::new("m")),
            [
                "vllm",
                "serve",
                "m",
                "--host",
                "127.0.0.1",
                "--port",
                "8000"
            ]
        );
        assert_eq!(
            shown_command(&command_line(&VllmModel::new("m"))),
            "`vllm serve m …`"
        );
    }

    #[test]
    fn hosts_to_connect_to() {
        assert_eq!(connect_host("0.0.0.0"), "127.0.0.1");
        assert_eq!(connect_host("::"), "[::1]");
        assert_eq!(connect_host("::1"), "[::1]");
        assert_eq!(connect_host("gpu-box"), "gpu-box");
    }

    #[test]
    fn a_taken_port_is_an_error_before_anything_starts() {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let text = port_is_free("127.0.0.1", port).unwrap_err();
        assert!(text.contains(&format!("port {port}")), "{text}");
        assert!(text.contains("base_url"), "{text}");
        drop(listener);
        assert!(port_is_free("127.0.0.1", port).is_ok());
    }
}
