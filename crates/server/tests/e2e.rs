//! End-to-end in a real browser: headless Chromium driven by playwright-core
//! (`e2e/run.mjs`) uploads a mix, waits for the job, checks the report and the
//! A/B player, then masters an album of three tracks from the page. Without node, chromium or `e2e/node_modules` the test fails
//! when `CI` is set and is skipped (with a message) otherwise.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::{Server, wav};
use mixmaster_server::Config;

const CHROMIUM: &str = "/usr/bin/chromium";

/// What is missing to run the browser test, if anything.
fn missing(e2e: &Path) -> Option<String> {
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is not installed (apt-get install chromium)"
        ));
    }
    if !e2e.join("node_modules/playwright-core").exists() {
        return Some(format!("run `npm ci` in {}", e2e.display()));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_masters_a_mix_shows_the_report_and_plays_a_b() {
    let e2e = Path::new(env!("CARGO_MANIFEST_DIR")).join("e2e");
    if let Some(why) = missing(&e2e) {
        assert!(
            std::env::var_os("CI").is_none(),
            "browser test cannot run in CI: {why}"
        );
        println!("skipping the browser test: {why}");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::new(dir.path().join("data"))).await;
    let mix = dir.path().join("Browser Mix.wav");
    std::fs::write(&mix, wav(2.0, 44_100)).unwrap();

    let mut cmd = tokio::process::Command::new("node");
    cmd.current_dir(&e2e)
        .arg("run.mjs")
        .arg(format!("{}/", server.base))
        .arg(&mix)
        .kill_on_drop(true);
    if let Ok(shot) = std::env::var("MIXMASTER_SCREENSHOT") {
        cmd.arg(shot);
    }
    let out = tokio::time::timeout(Duration::from_secs(300), cmd.output())
        .await
        .expect("the browser test finished in time")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser test failed:\n{stdout}\n{stderr}"
    );
    let result: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("{}")).unwrap();
    // Both files decoded to about the upload's length (the master may be
    // trimmed by its lead-in and tail, never lengthened beyond pre/post-roll).
    for name in ["original", "master"] {
        let s = result["decoded"][name].as_f64().unwrap();
        assert!((1.0..=2.6).contains(&s), "{name} decoded to {s} s");
    }
    assert!(result["report"]["tables"].as_u64().unwrap() >= 2);
    assert_eq!(result["download"], 200);
    // The album: three per-track masters, the album file, its CUE and the report.
    assert_eq!(result["album"]["perTrack"], 3, "{stdout}");
    assert_eq!(result["album"]["files"], 6, "{stdout}");
    server.stop().await;
}
