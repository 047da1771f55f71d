//! Shared helpers: a server on a free loopback port, synthesised WAVs, and a
//! client that follows a job's server-sent events.
#![allow(dead_code)] // each test binary uses a different subset

use std::f32::consts::TAU;
use std::io::Cursor;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use mixmaster_server::{App, Config};
use serde_json::Value;

/// A running server and its data folder.
pub struct Server {
    pub addr: SocketAddr,
    pub base: String,
    pub data: PathBuf,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl Server {
    /// Starts a server with `config` on 127.0.0.1 and a free port.
    pub async fn start(config: Config) -> Server {
        let data = config.data_dir.clone();
        let app = App::open(config).expect("server opens");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(mixmaster_server::serve(app, listener, async move {
            let _ = rx.await;
        }));
        Server {
            addr,
            base: format!("http://{addr}"),
            data,
            shutdown: Some(tx),
            task: Some(task),
        }
    }

    /// A handle that only knows the address (for tasks that outlive a borrow).
    pub fn handle(base: &str) -> Server {
        Server {
            addr: base.trim_start_matches("http://").parse().unwrap(),
            base: base.to_string(),
            data: PathBuf::new(),
            shutdown: None,
            task: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Stops accepting and waits for open connections to finish.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

/// A stereo 16-bit WAV: two detuned tones with a slow tremolo and a little
/// noise, at about -20 dBFS RMS — music-like enough for the mastering chain.
pub fn wav(seconds: f32, rate: u32) -> Vec<u8> {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::new());
    let mut w = hound::WavWriter::new(&mut out, spec).unwrap();
    let n = (seconds * rate as f32) as usize;
    let mut seed = 0x1234_5678u32;
    for i in 0..n {
        let t = i as f32 / rate as f32;
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        let noise = (seed >> 8) as f32 / (1u32 << 24) as f32 - 0.5;
        let trem = 0.75 + 0.25 * (TAU * 2.0 * t).sin();
        let l = trem * (0.12 * (TAU * 220.0 * t).sin() + 0.06 * (TAU * 1_760.0 * t).sin())
            + 0.01 * noise;
        let r = trem * (0.12 * (TAU * 221.0 * t).sin() + 0.05 * (TAU * 3_520.0 * t).sin())
            + 0.01 * noise;
        w.write_sample((l * 32_767.0) as i16).unwrap();
        w.write_sample((r * 32_767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
    out.into_inner()
}

/// A multipart form with `mix` and extra text fields.
pub fn form(mix: Vec<u8>, mix_name: &str, fields: &[(&str, &str)]) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new().part(
        "mix",
        reqwest::multipart::Part::bytes(mix).file_name(mix_name.to_string()),
    );
    for (k, v) in fields {
        form = form.text(k.to_string(), v.to_string());
    }
    form
}

/// A form whose mix shares `mix`'s buffer (no copy per upload).
pub fn shared_form(mix: &bytes::Bytes, mix_name: &str) -> reqwest::multipart::Form {
    let len = mix.len() as u64;
    reqwest::multipart::Form::new().part(
        "mix",
        reqwest::multipart::Part::stream_with_length(reqwest::Body::from(mix.clone()), len)
            .file_name(mix_name.to_string()),
    )
}

/// Submits a job; returns its id (panics unless 202).
pub async fn submit(
    client: &reqwest::Client,
    server: &Server,
    form: reqwest::multipart::Form,
) -> String {
    let r = client
        .post(server.url("/api/jobs"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    assert_eq!(status, 202, "{body}");
    body["id"].as_str().unwrap().to_string()
}

/// One server-sent event.
#[derive(Debug, Clone)]
pub struct Sse {
    pub event: String,
    pub data: Value,
}

/// Follows `/events` until the stream ends (the job reached a final state);
/// returns every event received.
pub async fn follow(
    client: &reqwest::Client,
    server: &Server,
    id: &str,
    timeout: Duration,
) -> Vec<Sse> {
    let fut = async {
        let mut r = client
            .get(server.url(&format!("/api/jobs/{id}/events")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let mut buf = String::new();
        let mut events = Vec::new();
        while let Some(chunk) = r.chunk().await.unwrap() {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let block: String = buf.drain(..end + 2).collect();
                let mut event = String::from("message");
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if !data.is_empty() {
                    events.push(Sse {
                        event,
                        data: serde_json::from_str(&data).unwrap(),
                    });
                }
            }
        }
        events
    };
    tokio::time::timeout(timeout, fut)
        .await
        .expect("job finished in time")
}

/// The job as JSON.
pub async fn job(client: &reqwest::Client, server: &Server, id: &str) -> Value {
    client
        .get(server.url(&format!("/api/jobs/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
