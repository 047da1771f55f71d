//! Album jobs over loopback HTTP: several tracks in, per-track masters, the
//! album file and its CUE sheet out; and every error a client can cause.

mod common;

use std::io::Cursor;
use std::time::Duration;

use common::{Server, follow, job, wav};
use mixmaster_server::Config;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

const JOB_TIMEOUT: Duration = Duration::from_secs(180);

fn track(form: Form, bytes: Vec<u8>, name: &str) -> Form {
    form.part("track", Part::bytes(bytes).file_name(name.to_string()))
}

async fn post(client: &reqwest::Client, server: &Server, form: Form) -> (u16, Value) {
    let r = client
        .post(server.url("/api/albums"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.expect("JSON answer"))
}

async fn get(client: &reqwest::Client, server: &Server, url: &str) -> (u16, Vec<u8>) {
    let r = client.get(server.url(url)).send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.bytes().await.unwrap().to_vec())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_album_of_three_tracks_is_mastered_and_its_files_download() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::new(dir.path().to_path_buf())).await;
    let client = reqwest::Client::new();
    let mut form = Form::new()
        .text("album_title", "Night Drive")
        .text("album_artist", "The Examples")
        .text("gap", "1")
        .text("targets[]", "cd")
        .text("track_title", "Intro")
        .text("track_title", "");
    for (seconds, name) in [(1.5, "a.wav"), (1.0, "b.wav"), (2.0, "Third Song.wav")] {
        form = track(form, wav(seconds, 44_100), name);
    }
    let (status, body) = post(&client, &server, form).await;
    assert_eq!(status, 202, "{body}");
    let id = body["id"].as_str().unwrap().to_string();
    let events = follow(&client, &server, &id, JOB_TIMEOUT).await;
    let last = &events.last().unwrap().data;
    assert_eq!(last["state"], "done", "{last}");

    let j = job(&client, &server, &id).await;
    assert_eq!(j["kind"], "album");
    assert_eq!(j["mix_name"], "Night Drive");
    let titles: Vec<&str> = j["album"]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap())
        .collect();
    // Given, empty (the upload's name), absent (the upload's name).
    assert_eq!(titles, ["Intro", "b", "Third Song"]);
    let files = j["files"].as_array().unwrap();
    let by_role =
        |role: &str| -> Vec<&Value> { files.iter().filter(|f| f["role"] == role).collect() };
    assert_eq!(by_role("track").len(), 3, "{j}");
    assert_eq!(by_role("track-master").len(), 3, "{j}");
    assert_eq!(by_role("album").len(), 1, "{j}");
    assert_eq!(by_role("cue").len(), 1, "{j}");
    assert_eq!(by_role("report").len(), 1, "{j}");
    assert!(j["ab"].is_null(), "an album has no single A/B pair");

    // Every file downloads, at the size recorded.
    for f in files {
        let (status, bytes) = get(&client, &server, f["url"].as_str().unwrap()).await;
        assert_eq!(status, 200, "{f}");
        assert_eq!(bytes.len() as u64, f["size"].as_u64().unwrap(), "{f}");
    }

    // The album file: CD audio, the three tracks with two 1 s gaps between them.
    let album = by_role("album")[0];
    let (_, bytes) = get(&client, &server, album["url"].as_str().unwrap()).await;
    let reader = hound::WavReader::new(Cursor::new(bytes)).expect("the album file is a WAV");
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_rate, spec.channels, spec.bits_per_sample),
        (44_100, 2, 16)
    );
    let seconds = reader.duration() as f64 / 44_100.0;
    eprintln!("album file: {seconds:.3} s (4.5 s of tracks + 2 s of gaps)");
    // The tones start and end loud (nothing to trim); CD frames round each
    // start to 1/75 s, and the lead-in/out may move a frame or two.
    assert!((6.45..=6.55).contains(&seconds), "album length {seconds} s");

    // The CUE sheet names the album file and indexes three tracks.
    let cue = by_role("cue")[0];
    let (_, bytes) = get(&client, &server, cue["url"].as_str().unwrap()).await;
    let cue = String::from_utf8(bytes).unwrap();
    assert_eq!(cue.matches("TRACK ").count(), 3, "{cue}");
    assert!(cue.contains("Third Song"), "{cue}");

    // The report is the album's.
    let (status, html) = get(&client, &server, &format!("/api/jobs/{id}/report")).await;
    assert_eq!(status, 200);
    let html = String::from_utf8(html).unwrap();
    assert!(html.contains("Night Drive"), "the album's title");
    assert!(
        html.contains(album["name"].as_str().unwrap()),
        "the album file by its download name"
    );
    assert!(
        !html.contains(dir.path().to_str().unwrap()),
        "no server path in the report"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_album_requests_are_refused_and_leave_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::new(dir.path().to_path_buf())).await;
    let client = reqwest::Client::new();
    let short = wav(0.05, 44_100);

    let (status, body) = post(&client, &server, Form::new().text("album_title", "x")).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("no tracks"),
        "{body}"
    );

    let form = track(Form::new(), short.clone(), "one.wav");
    let form = track(form, b"just some notes, not audio".repeat(100), "notes.wav");
    let (status, body) = post(&client, &server, form).await;
    assert_eq!(status, 415, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("track 2 (notes.wav)"),
        "{body}"
    );

    let mut form = Form::new();
    for k in 0..=mixmaster_server::album::MAX_TRACKS {
        form = track(form, short.clone(), &format!("{k}.wav"));
    }
    let (status, body) = post(&client, &server, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("too many tracks"),
        "{body}"
    );

    let form = track(Form::new().text("gap", "500"), short.clone(), "one.wav");
    let (status, body) = post(&client, &server, form).await;
    assert_eq!(status, 400, "{body}");
    assert!(body["error"].as_str().unwrap().contains("gap"), "{body}");

    let form = track(Form::new().text("fade_in", "2"), short, "one.wav");
    let (status, _) = post(&client, &server, form).await;
    assert_eq!(status, 400);

    // Nothing was recorded and no upload stayed on disk.
    let (_, list) = get(&client, &server, "/api/jobs").await;
    assert_eq!(
        serde_json::from_slice::<Value>(&list).unwrap(),
        serde_json::json!([])
    );
    let left = std::fs::read_dir(dir.path().join("jobs")).map_or(0, |d| d.count());
    assert_eq!(left, 0);
    server.stop().await;
}
