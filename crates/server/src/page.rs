//! The page: plain HTML, CSS and JavaScript compiled into the binary, so the
//! app works offline and nothing is fetched from elsewhere.

use axum::http::header;
use axum::response::IntoResponse;

/// Only our own files; the report comes in an iframe from our origin, and
/// audio is decoded from fetched bytes.
const PAGE_CSP: &str = "default-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'";

/// `GET /`.
pub async fn index() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CONTENT_SECURITY_POLICY, PAGE_CSP),
        ],
        include_str!("../static/index.html"),
    )
}

/// `GET /app.js`.
pub async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        include_str!("../static/app.js"),
    )
}

/// `GET /style.css`.
pub async fn style() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        include_str!("../static/style.css"),
    )
}

/// `GET /favicon.ico`: no icon (answered so browsers log no error).
pub async fn favicon() -> axum::http::StatusCode {
    axum::http::StatusCode::NO_CONTENT
}
