//! mixmaster-io (work in progress)
