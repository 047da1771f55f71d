//! mixmaster-analysis (work in progress)
