//! mixmaster-engine (work in progress)
