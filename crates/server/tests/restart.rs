//! Restart persistence: close the server and its database, open them again.

mod common;

use std::time::Duration;

use common::{Server, follow, form, job, submit, wav};
use mixmaster_server::Config;

const JOB_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_survive_a_restart_and_interrupted_ones_can_be_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let client = reqwest::Client::new();

    // First life: three jobs finish.
    let server = Server::start(Config::new(dir.path().to_path_buf())).await;
    let mut ids = Vec::new();
    for name in ["kept.wav", "was-running.wav", "was-queued.wav"] {
        let id = submit(&client, &server, form(wav(1.0, 44_100), name, &[])).await;
        let events = follow(&client, &server, &id, JOB_TIMEOUT).await;
        assert_eq!(events.last().unwrap().data["state"], "done");
        ids.push(id);
    }
    let master_url = format!("/api/jobs/{}/files/master-spotify.wav", ids[0]);
    let before = client
        .get(server.url(&master_url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    server.stop().await;

    // Meanwhile the process "died" with one job running and one waiting.
    {
        let db = rusqlite::Connection::open(dir.path().join("mixmaster.sqlite3")).unwrap();
        let version: i64 = db
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, mixmaster_server::db::SCHEMA_VERSION);
        db.execute("UPDATE jobs SET state = 'running' WHERE id = ?1", [&ids[1]])
            .unwrap();
        db.execute("UPDATE jobs SET state = 'queued' WHERE id = ?1", [&ids[2]])
            .unwrap();
    }

    // Second life.
    let server = Server::start(Config::new(dir.path().to_path_buf())).await;
    let kept = job(&client, &server, &ids[0]).await;
    assert_eq!(kept["state"], "done");
    assert_eq!(kept["mix_name"], "kept.wav");
    let after = client
        .get(server.url(&master_url))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        before, after,
        "the delivered master is still served, byte for byte"
    );
    let report = client
        .get(server.url(&format!("/api/jobs/{}/report", ids[0])))
        .send()
        .await
        .unwrap();
    assert_eq!(report.status(), 200);

    let interrupted = job(&client, &server, &ids[1]).await;
    assert_eq!(interrupted["state"], "interrupted", "{interrupted}");
    assert!(
        interrupted["error"]
            .as_str()
            .unwrap()
            .contains("server stopped")
    );
    // The waiting job is queued again by itself and finishes.
    let events = follow(&client, &server, &ids[2], JOB_TIMEOUT).await;
    assert_eq!(events.last().unwrap().data["state"], "done");

    // The interrupted job re-runs through the API.
    let r = client
        .post(server.url(&format!("/api/jobs/{}/rerun", ids[1])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 202);
    let events = follow(&client, &server, &ids[1], JOB_TIMEOUT).await;
    assert_eq!(events.last().unwrap().data["state"], "done");
    let list: serde_json::Value = client
        .get(server.url("/api/jobs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 3);
    server.stop().await;
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixmaster.sqlite3");
    rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", 99)
        .unwrap();
    let err = mixmaster_server::db::Db::open(&path)
        .err()
        .expect("refused");
    assert!(err.to_string().contains("99"), "{err}");
}

#[test]
fn a_version_1_database_is_migrated_and_its_jobs_become_master_jobs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("mixmaster.sqlite3");
    {
        // The version 1 schema as the first release wrote it, with one done job.
        let db = rusqlite::Connection::open(&path).unwrap();
        db.execute_batch(
            "CREATE TABLE jobs (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, \
             state TEXT NOT NULL, created_at INTEGER NOT NULL, started_at INTEGER, \
             finished_at INTEGER, mix_name TEXT NOT NULL, reference_name TEXT, \
             settings TEXT NOT NULL, error TEXT, report TEXT);
             CREATE TABLE files (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, \
             name TEXT NOT NULL, role TEXT NOT NULL, rel_path TEXT NOT NULL, \
             size INTEGER NOT NULL, PRIMARY KEY (job_id, name));
             INSERT INTO jobs (id, state, created_at, mix_name, settings) \
             VALUES ('old', 'done', 1, 'old.wav', '{\"targets\":[]}');
             PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let db = mixmaster_server::db::Db::open(&path).unwrap();
    let old = db.job("old").unwrap().expect("the old job is kept");
    assert_eq!((old.kind.as_str(), old.album), ("master", None));
    assert_eq!(old.mix_name, "old.wav");
    drop(db);
    let version: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, mixmaster_server::db::SCHEMA_VERSION);
    // Opening again does not migrate twice (ALTER TABLE would fail).
    assert!(mixmaster_server::db::Db::open(&path).is_ok());
}
