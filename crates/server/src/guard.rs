//! Request guards: the optional access token, and the checks that keep a
//! loopback server from being driven by other web sites (cross-origin writes)
//! or reached through DNS rebinding (a foreign `Host`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::error::ApiError;

/// Cookie that carries the token for the page's own requests.
pub const TOKEN_COOKIE: &str = "mixmaster_token";

/// Runs before every route.
pub async fn guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    if state.loopback_only && !host_is_loopback(headers) {
        return ApiError::new(
            StatusCode::FORBIDDEN,
            "this server answers only to localhost (Host header)",
        )
        .into_response();
    }
    if request.method() != Method::GET && request.method() != Method::HEAD && !same_origin(headers)
    {
        return ApiError::new(StatusCode::FORBIDDEN, "cross-origin request refused")
            .into_response();
    }
    if let Some(token) = &state.token {
        let query_token = request
            .uri()
            .query()
            .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("token=")));
        let from_query = request.uri().path() == "/" && query_token.is_some_and(|t| eq(t, token));
        if !from_query && !authorised(headers, token) {
            return ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing or wrong access token (open the page as /?token=…, or send Authorization: Bearer …)",
            )
            .into_response();
        }
        let mut response = next.run(request).await;
        if from_query {
            // The page's fetches and EventSource then carry the cookie by themselves.
            let cookie = format!("{TOKEN_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict");
            if let Ok(value) = cookie.parse() {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
        }
        return response;
    }
    next.run(request).await
}

fn eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Bearer header or cookie carries the right token.
fn authorised(headers: &HeaderMap, token: &str) -> bool {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|t| eq(t.trim(), token));
    let cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().strip_prefix(TOKEN_COOKIE)?.strip_prefix('='))
        .any(|t| eq(t, token));
    bearer || cookie
}

/// The host part of a `Host` header or an origin, without the port.
fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

fn host_is_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        // HTTP/1.0 without Host cannot be a browser being rebound.
        return true;
    };
    let host = host_of(host);
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A browser sends `Origin` on cross-site writes; it must name this server.
fn same_origin(headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return true; // not a browser's cross-site request (curl, tests)
    };
    let Some(host) = headers.get(header::HOST).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    origin
        .split_once("://")
        .is_some_and(|(_, authority)| authority.eq_ignore_ascii_case(host))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(header::HeaderName, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(k.clone(), v.parse().unwrap());
        }
        h
    }

    #[test]
    fn loopback_hosts_only() {
        for ok in ["127.0.0.1:8080", "localhost:1", "[::1]:80", "LOCALHOST"] {
            assert!(host_is_loopback(&headers(&[(header::HOST, ok)])), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "192.168.1.2:80",
            "localhost.evil.example",
        ] {
            assert!(!host_is_loopback(&headers(&[(header::HOST, bad)])), "{bad}");
        }
    }

    #[test]
    fn cross_origin_writes_are_refused() {
        let h = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "http://127.0.0.1:8080"),
        ]);
        assert!(same_origin(&h));
        let h = headers(&[
            (header::HOST, "127.0.0.1:8080"),
            (header::ORIGIN, "https://evil.example"),
        ]);
        assert!(!same_origin(&h));
    }

    #[test]
    fn token_from_bearer_or_cookie() {
        let t = "s3cret";
        assert!(authorised(
            &headers(&[(header::AUTHORIZATION, "Bearer s3cret")]),
            t
        ));
        assert!(authorised(
            &headers(&[(header::COOKIE, "a=b; mixmaster_token=s3cret")]),
            t
        ));
        assert!(!authorised(
            &headers(&[(header::AUTHORIZATION, "Bearer s3cre")]),
            t
        ));
        assert!(!authorised(
            &headers(&[(header::COOKIE, "mixmaster_token=x")]),
            t
        ));
        assert!(!authorised(&HeaderMap::new(), t));
    }
}
