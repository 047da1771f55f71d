//! Pointing at the place in a TOML file that a problem comes from
//! ("line 12, column 5: …"), for the mix session and the album file: parse
//! errors carry a span; semantic problems carry a key path that is looked up
//! in the document's spans.

use std::path::Path;

use serde::de::DeserializeOwned;
use toml::de::{DeTable, DeValue};

use crate::{Error, Result};

/// One step of a key path into the document.
#[derive(Debug, Clone)]
pub(crate) enum Key {
    /// A table key.
    Name(String),
    /// An array element.
    Index(usize),
}

/// A table key step.
pub(crate) fn key(s: &str) -> Key {
    Key::Name(s.to_string())
}

/// A semantic problem, before it is located in the text.
pub(crate) struct Problem {
    /// Where it is (the deepest part that exists is pointed at).
    pub at: Vec<Key>,
    /// What is wrong.
    pub message: String,
}

/// A problem at `at`.
pub(crate) fn problem(at: Vec<Key>, message: impl Into<String>) -> Problem {
    Problem {
        at,
        message: message.into(),
    }
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// An input error naming `path` and, when known, the line and column of `offset`.
pub(crate) fn located(path: &Path, text: &str, offset: Option<usize>, message: &str) -> Error {
    match offset {
        Some(o) => {
            let (line, col) = line_col(text, o);
            Error::input(path, format!("line {line}, column {col}: {message}"))
        }
        None => Error::input(path, message.to_string()),
    }
}

/// The byte offset of the deepest part of `at` that exists in the document.
pub(crate) fn locate(text: &str, at: &[Key]) -> Option<usize> {
    let root = DeTable::parse(text).ok()?;
    let mut span = root.span();
    let mut table: Option<&DeTable> = Some(root.get_ref());
    let mut value: Option<&DeValue> = None;
    for key in at {
        let next = match (key, table, value) {
            (Key::Name(n), Some(t), _) => t.get(n.as_str()),
            (Key::Index(i), _, Some(DeValue::Array(a))) => a.get(*i),
            _ => None,
        };
        let Some(next) = next else { break };
        span = next.span();
        value = Some(next.get_ref());
        table = match next.get_ref() {
            DeValue::Table(t) => Some(t),
            _ => None,
        };
    }
    Some(span.start)
}

/// `problem` as an error located in `text`.
pub(crate) fn report(path: &Path, text: &str, problem: &Problem) -> Error {
    located(path, text, locate(text, &problem.at), &problem.message)
}

/// Deserialises `text`; a syntax or type error points at its line and column.
pub(crate) fn parse<T: DeserializeOwned>(text: &str, path: &Path) -> Result<T> {
    toml::from_str(text).map_err(|e| {
        let message = e.message().trim_end().replace('\n', " ");
        located(path, text, e.span().map(|s| s.start), &message)
    })
}
