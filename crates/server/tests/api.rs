//! API tests over loopback HTTP: every endpoint, and every error a client can cause.

mod common;

use std::time::Duration;

use common::{Server, follow, form, job, submit, wav};
use mixmaster_server::Config;
use serde_json::Value;

const JOB_TIMEOUT: Duration = Duration::from_secs(120);

/// Sends a request that must reach the server.
async fn send(request: reqwest::RequestBuilder) -> reqwest::Response {
    request.send().await.expect("the server answers")
}

async fn error_of(r: reqwest::Response) -> (u16, String) {
    let status = r.status().as_u16();
    let body: Value = r.json().await.expect("errors are JSON");
    (
        status,
        body["error"].as_str().expect("an error field").to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_queue_behind_the_worker_and_queued_jobs_can_be_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::new(dir.path().to_path_buf())).await;
    let client = reqwest::Client::new();
    // One worker: a 12 s mix keeps it busy while two short ones wait.
    let blocker = submit(&client, &server, form(wav(12.0, 44_100), "long.wav", &[])).await;
    let first = submit(&client, &server, form(wav(0.5, 44_100), "a.wav", &[])).await;
    let second = submit(&client, &server, form(wav(0.5, 44_100), "b.wav", &[])).await;
    let (a, b) = (
        job(&client, &server, &first).await,
        job(&client, &server, &second).await,
    );
    let report = send(client.get(server.url(&format!("/api/jobs/{second}/report")))).await;
    let rerun = send(client.post(server.url(&format!("/api/jobs/{second}/rerun")))).await;
    let still = job(&client, &server, &first).await;
    // Only meaningful while the blocker still runs (it takes seconds; these take milliseconds).
    if still["state"] == "queued" {
        assert_eq!(
            (a["state"].as_str(), a["position"].as_u64()),
            (Some("queued"), Some(1)),
            "{a}"
        );
        assert_eq!(
            (b["state"].as_str(), b["position"].as_u64()),
            (Some("queued"), Some(2)),
            "{b}"
        );
        let (status, msg) = error_of(report).await;
        assert_eq!(
            (status, msg.contains("exists once it is done")),
            (409, true),
            "{msg}"
        );
        let (status, msg) = error_of(rerun).await;
        assert_eq!(status, 409, "{msg}");
        // A queued job can be deleted; its event stream says so and ends.
        let watcher = {
            let (client, url) = (
                client.clone(),
                server.url(&format!("/api/jobs/{second}/events")),
            );
            tokio::spawn(async move { client.get(url).send().await.unwrap().text().await.unwrap() })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        let r = send(client.delete(server.url(&format!("/api/jobs/{second}")))).await;
        assert_eq!(r.status(), 204);
        let stream = tokio::time::timeout(Duration::from_secs(10), watcher)
            .await
            .unwrap()
            .unwrap();
        assert!(stream.contains("event: deleted"), "{stream}");
    } else {
        println!("the blocker finished too soon to observe the queue: {still}");
    }
    // A running job cannot be deleted.
    if job(&client, &server, &blocker).await["state"] == "running" {
        let r = send(client.delete(server.url(&format!("/api/jobs/{blocker}")))).await;
        assert_eq!(error_of(r).await.0, 409);
    }
    for id in [&blocker, &first] {
        let events = follow(&client, &server, id, JOB_TIMEOUT).await;
        assert_eq!(
            events.last().unwrap().data["state"],
            "done",
            "{:?}",
            events.last()
        );
    }
    server.stop().await;
}

/// A GET with exactly this `Host` header (HTTP clients set their own).
async fn raw_get(server: &Server, path: &str, host: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
    s.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).await.unwrap();
    answer
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_end_to_end_and_every_endpoint_answers() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::new(dir.path().to_path_buf())).await;
    let client = reqwest::Client::new();

    // The page and its assets.
    let page = client.get(server.url("/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("<script src=\"/app.js\">")
    );
    for asset in ["/app.js", "/style.css"] {
        assert_eq!(
            client.get(server.url(asset)).send().await.unwrap().status(),
            200
        );
    }
    let targets: Value = send(client.get(server.url("/api/targets")))
        .await
        .json()
        .await
        .unwrap();
    let spotify = targets
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "spotify")
        .unwrap();
    assert_eq!(spotify["integrated_lufs"], -14.0);

    // Submit: 202, an id, a Location.
    let r = client
        .post(server.url("/api/jobs"))
        .multipart(form(
            wav(1.5, 44_100),
            "My Song.wav",
            &[
                ("targets[]", "spotify"),
                ("targets[]", "cd"),
                ("fade_out", "0.5"),
            ],
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let location = r.headers()["location"].to_str().unwrap().to_string();
    let body: Value = r.json().await.unwrap();
    let id = body["id"].as_str().unwrap().to_string();
    assert_eq!(location, format!("/api/jobs/{id}"));

    // Events: a job snapshot first, progress while running, the final state last.
    let events = follow(&client, &server, &id, JOB_TIMEOUT).await;
    assert_eq!(events[0].event, "job");
    let progress: Vec<_> = events.iter().filter(|e| e.event == "progress").collect();
    assert!(!progress.is_empty(), "no progress events: {events:?}");
    for p in &progress {
        let f = p.data["fraction"].as_f64().unwrap_or(0.0);
        assert!((0.0..=1.0).contains(&f), "{f}");
    }
    let last = events.last().unwrap();
    assert_eq!(last.event, "job");
    assert_eq!(last.data["state"], "done", "{:?}", last.data);
    println!("events: {} ({} progress)", events.len(), progress.len());

    // The job: files by name, report, A/B pair.
    let j = job(&client, &server, &id).await;
    assert_eq!(j["state"], "done");
    assert_eq!(j["mix_name"], "My Song.wav");
    let names: Vec<&str> = j["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    for want in [
        "mix",
        "master-spotify.wav",
        "master-cd.wav",
        "original-level-matched.wav",
        "report.html",
    ] {
        assert!(names.contains(&want), "{want} missing from {names:?}");
    }
    assert_eq!(
        j["ab"]["master_url"],
        format!("/api/jobs/{id}/files/master-spotify.wav")
    );
    assert!(j["ab"]["gain_db"].as_f64().unwrap().abs() < 30.0);

    // A delivery: a WAV of about the upload's length, named after the upload.
    let r = send(client.get(server.url(&format!("/api/jobs/{id}/files/master-cd.wav")))).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "audio/wav");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("my_song.master-cd.wav")
    );
    let bytes = r.bytes().await.unwrap();
    let reader = hound::WavReader::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_rate, spec.bits_per_sample, spec.channels),
        (44_100, 16, 2)
    );
    let seconds = reader.duration() as f64 / 44_100.0;
    assert!((1.0..=2.1).contains(&seconds), "{seconds} s");

    // The report: HTML naming the upload, locked down by CSP.
    let r = send(client.get(server.url(&format!("/api/jobs/{id}/report")))).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = r.text().await.unwrap();
    assert!(html.contains("My Song.wav"));
    assert!(
        !html.contains(dir.path().to_str().unwrap()),
        "server paths leak into the report"
    );

    // List: newest first.
    let list: Value = send(client.get(server.url("/api/jobs")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list[0]["id"], id.as_str());

    // Re-run: queued again, done again, files back.
    let r = send(client.post(server.url(&format!("/api/jobs/{id}/rerun")))).await;
    assert_eq!(r.status(), 202);
    let events = follow(&client, &server, &id, JOB_TIMEOUT).await;
    assert_eq!(events.last().unwrap().data["state"], "done");
    assert_eq!(
        job(&client, &server, &id).await["files"]
            .as_array()
            .unwrap()
            .len(),
        names.len()
    );

    // Delete: 204, then gone with its folder.
    let r = send(client.delete(server.url(&format!("/api/jobs/{id}")))).await;
    assert_eq!(r.status(), 204);
    assert_eq!(
        send(client.get(server.url(&format!("/api/jobs/{id}"))))
            .await
            .status(),
        404
    );
    assert!(!dir.path().join("jobs").join(&id).exists());
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_get_clear_json_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().to_path_buf());
    config.max_upload = 64 * 1024;
    let server = Server::start(config).await;
    let client = reqwest::Client::new();
    let post =
        |f: reqwest::multipart::Form| client.post(server.url("/api/jobs")).multipart(f).send();

    // Not audio, whatever the name says: 415.
    let (status, msg) = error_of(
        post(form(
            b"hello, I am text, not a song".repeat(20),
            "song.wav",
            &[],
        ))
        .await
        .unwrap(),
    )
    .await;
    assert_eq!(status, 415, "{msg}");
    assert!(msg.contains("not a readable audio file"), "{msg}");
    // Audio without an audio name is fine: checked by content (and then queued).
    let id = submit(&client, &server, form(wav(1.0, 8_000), "notes.txt", &[])).await;
    // Audio too short to measure: accepted, then failed with the engine's reason.
    let short = submit(&client, &server, form(wav(0.2, 8_000), "blip.wav", &[])).await;

    // Larger than the 64 KiB limit: 413, and nothing left on disk.
    let (status, msg) = error_of(post(form(wav(1.0, 44_100), "big.wav", &[])).await.unwrap()).await;
    assert_eq!(status, 413, "{msg}");
    let left: Vec<_> = std::fs::read_dir(dir.path().join("jobs"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left.len(),
        2,
        "only the two accepted jobs' folders remain: {left:?}"
    );

    // Missing mix, unknown target, bad numbers, unknown field, not multipart: 400.
    let no_mix = reqwest::multipart::Form::new().text("targets[]", "spotify");
    let (status, msg) = error_of(post(no_mix).await.unwrap()).await;
    assert_eq!(
        (status, msg.contains("missing field 'mix'")),
        (400, true),
        "{msg}"
    );
    for (fields, says) in [
        (
            &[("targets[]", "spotifyy")][..],
            "unknown target 'spotifyy'",
        ),
        (&[("lufs", "-9")][..], "together"),
        (&[("lufs", "loud"), ("ceiling", "-1")][..], "not a number"),
        (&[("colour", "red")][..], "unknown field 'colour'"),
    ] {
        let r = post(form(wav(0.2, 8_000), "a.wav", fields)).await.unwrap();
        let (status, msg) = error_of(r).await;
        assert_eq!(
            (status, msg.contains(says)),
            (400, true),
            "{fields:?}: {msg}"
        );
    }
    let r = client
        .post(server.url("/api/jobs"))
        .body("{}")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    let (status, msg) = error_of(r).await;
    assert_eq!((status, msg.contains("multipart")), (400, true), "{msg}");

    // Unknown ids and names: 404 on every job endpoint.
    let ghost = "00000000-0000-0000-0000-000000000000";
    for (method, path) in [
        ("GET", format!("/api/jobs/{ghost}")),
        ("GET", format!("/api/jobs/{ghost}/events")),
        ("GET", format!("/api/jobs/{ghost}/report")),
        ("GET", format!("/api/jobs/{ghost}/files/report.html")),
        ("POST", format!("/api/jobs/{ghost}/rerun")),
        ("DELETE", format!("/api/jobs/{ghost}")),
        (
            "GET",
            format!("/api/jobs/{id}/files/..%2F..%2Fmixmaster.sqlite3"),
        ),
        ("GET", format!("/api/jobs/{id}/files/input-mix")),
        ("GET", "/api/nothing".to_string()),
    ] {
        let r = client
            .request(method.parse().unwrap(), server.url(&path))
            .send()
            .await
            .unwrap();
        let (status, msg) = error_of(r).await;
        assert_eq!(status, 404, "{method} {path}: {msg}");
    }

    let events = follow(&client, &server, &id, JOB_TIMEOUT).await;
    assert_eq!(
        events.last().unwrap().data["state"],
        "done",
        "{:?}",
        events.last()
    );
    let events = follow(&client, &server, &short, JOB_TIMEOUT).await;
    let last = &events.last().unwrap().data;
    assert_eq!(last["state"], "failed", "{last}");
    let error = last["error"].as_str().unwrap();
    println!("short job failed with: {error}");
    assert!(
        !error.contains(dir.path().to_str().unwrap()),
        "server paths leak: {error}"
    );
    // A failed job can be re-run (and fails again the same way).
    let r = send(client.post(server.url(&format!("/api/jobs/{short}/rerun")))).await;
    assert_eq!(r.status(), 202);
    let events = follow(&client, &server, &short, JOB_TIMEOUT).await;
    assert_eq!(events.last().unwrap().data["error"].as_str(), Some(error));

    // Cross-site writes and foreign Host headers (DNS rebinding): 403.
    let r = client
        .post(server.url("/api/jobs"))
        .header("origin", "https://evil.example")
        .multipart(form(wav(0.2, 8_000), "a.wav", &[]))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(r).await.0, 403);
    let answer = raw_get(&server, "/api/jobs", "evil.example:80").await;
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("answers only to localhost"), "{answer}");
    let answer = raw_get(
        &server,
        "/api/jobs",
        &format!("localhost:{}", server.addr.port()),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_guards_every_route() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path().to_path_buf());
    config.token = Some("s3cret-token".into());
    let server = Server::start(config).await;
    let client = reqwest::Client::new();

    for path in ["/", "/api/jobs", "/api/targets"] {
        let (status, _) = error_of(client.get(server.url(path)).send().await.unwrap()).await;
        assert_eq!(status, 401, "{path} without a token");
        let r = client
            .get(server.url(path))
            .bearer_auth("wrong")
            .send()
            .await
            .unwrap();
        assert_eq!(error_of(r).await.0, 401, "{path} with a wrong token");
        let r = client
            .get(server.url(path))
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{path} with the token");
    }
    let r = send(client.get(server.url("/?token=wrong"))).await;
    assert_eq!(r.status(), 401);
    // The page link sets a cookie that then opens the API.
    let r = send(client.get(server.url("/?token=s3cret-token"))).await;
    assert_eq!(r.status(), 200);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let pair = cookie.split(';').next().unwrap();
    let r = client
        .get(server.url("/api/jobs"))
        .header("cookie", pair)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The query token opens only the page, not the API.
    let r = send(client.get(server.url("/api/jobs?token=s3cret-token"))).await;
    assert_eq!(r.status(), 401);
    server.stop().await;
}
