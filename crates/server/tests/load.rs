//! Load on loopback: 50 concurrent uploads with two workers. Every job must
//! finish, and memory must not grow with the number of jobs: uploads stream
//! to disk and only two jobs are ever mastered at once.

mod common;

use std::time::{Duration, Instant};

use common::{Server, follow, shared_form, submit, wav};
use mixmaster_server::Config;

const UPLOADS: usize = 50;
/// Jobs run before measuring.
const WARM_UP: usize = 20;

/// Peak resident memory of this process so far, KiB (`VmHWM`).
fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_uploads_all_finish_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().to_path_buf());
    config.jobs = 2;
    let server = Server::start(config).await;
    let client = reqwest::Client::new();
    let audio = bytes::Bytes::from(wav(1.0, 44_100));

    // Warm-up: a first wave of concurrent jobs, so code, the allocator's
    // per-thread arenas, the blocking thread pool and caches are in place.
    let warm: Vec<_> = (0..WARM_UP)
        .map(|i| {
            let (client, audio, base) = (client.clone(), audio.clone(), server.base.clone());
            tokio::spawn(async move {
                let s = Server::handle(&base);
                let id = submit(&client, &s, shared_form(&audio, &format!("warm{i}.wav"))).await;
                follow(&client, &s, &id, Duration::from_secs(300)).await
            })
        })
        .collect();
    for w in warm {
        w.await.unwrap();
    }
    let before = vm_hwm_kib();

    let started = Instant::now();
    let tasks: Vec<_> = (0..UPLOADS)
        .map(|i| {
            let (client, audio) = (client.clone(), audio.clone());
            let base = server.base.clone();
            tokio::spawn(async move {
                let r = client
                    .post(format!("{base}/api/jobs"))
                    .multipart(shared_form(&audio, &format!("song{i}.wav")))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 202);
                let body: serde_json::Value = r.json().await.unwrap();
                body["id"].as_str().unwrap().to_string()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    let uploaded = started.elapsed();
    let after_upload = vm_hwm_kib();
    let followers: Vec<_> = ids
        .iter()
        .map(|id| {
            let (client, id) = (client.clone(), id.clone());
            let server_base = server.base.clone();
            tokio::spawn(async move {
                let s = Server::handle(&server_base);
                let events = follow(&client, &s, &id, Duration::from_secs(600)).await;
                events.last().unwrap().data["state"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
        })
        .collect();
    let mut done = 0;
    for f in followers {
        if f.await.unwrap() == "done" {
            done += 1;
        }
    }
    let finished = started.elapsed();
    let after = vm_hwm_kib();
    let growth_mib = (after.saturating_sub(before)) as f64 / 1024.0;
    println!(
        "{UPLOADS} uploads of {} KiB: accepted in {:.2} s, all finished in {:.2} s; \
         VmHWM {:.1} MiB -> {:.1} MiB after uploads -> {:.1} MiB (+{growth_mib:.1} MiB)",
        audio.len() / 1024,
        uploaded.as_secs_f64(),
        finished.as_secs_f64(),
        before as f64 / 1024.0,
        after_upload as f64 / 1024.0,
        after as f64 / 1024.0,
    );
    assert_eq!(done, UPLOADS, "every job completes");
    // Bounds. The warm-up wave already touched the allocator's per-thread
    // arenas (glibc keeps up to 8 per core, each retaining a job's peak) and
    // the connection buffers of a burst of uploads; measured here: +26 MiB
    // for the 50 jobs after it. Buffering the uploads in memory or keeping
    // per-job state would add with the job count on top of that.
    assert!(growth_mib < 48.0, "peak memory grew by {growth_mib:.1} MiB");
    assert!(after < 256 * 1024, "peak memory {after} KiB");
    server.stop().await;
}
