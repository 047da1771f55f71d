//! Two cores on one stream: this thread produces blocks while a second one
//! consumes them (writes, meters, caches, mixes), so a render costs the
//! slower of the two halves instead of their sum.
//!
//! Blocks cross a bounded channel (`depth` in flight) and their buffers come
//! back on a second channel to be reused, so memory stays flat and nothing is
//! allocated per block once the pipeline is full. Order is preserved, so
//! results are identical to running both halves in turn.
//!
//! [`pipelined`] carries stereo audio blocks (the mastering renders);
//! [`pipelined_with`] any block type (the mix render's per-track packets).

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::{Error, Result};

/// Stereo blocks in flight between the two threads of [`pipelined`].
const DEPTH: usize = 4;

type Stereo = [Vec<f32>; 2];

/// The producing end, handed to the producer: [`send_with`](Self::send_with)
/// (or, for stereo audio, [`send`](Self::send)) each block.
pub(crate) struct Handoff<T> {
    full: SyncSender<T>,
    empty: Receiver<T>,
}

impl<T> Handoff<T> {
    /// Fills a recycled block (or `fresh()`, while none has come back) with
    /// `fill` and hands it to the consumer; waits while the pipeline is full.
    /// Fails only when the consumer has stopped (its error is reported instead).
    pub(crate) fn send_with(
        &mut self,
        fresh: impl FnOnce() -> T,
        fill: impl FnOnce(&mut T),
    ) -> Result<()> {
        let mut block = self.empty.try_recv().unwrap_or_else(|_| fresh());
        fill(&mut block);
        self.full.send(block).map_err(|_| Error::ConsumerStopped)
    }
}

impl Handoff<Stereo> {
    /// Copies `block` (two channels) into a recycled buffer and hands it over.
    pub(crate) fn send(&mut self, block: &[&[f32]]) -> Result<()> {
        self.send_with(Stereo::default, |buf| {
            for (dst, src) in buf.iter_mut().zip(block) {
                dst.clear();
                dst.extend_from_slice(src);
            }
        })
    }
}

/// Runs `consume(&mut sink, block)` on a second thread for every stereo block
/// that `produce` sends through its [`Handoff`], and returns what `produce`
/// returned with the sink (see [`pipelined_with`]).
pub(crate) fn pipelined<S: Send, A>(
    sink: S,
    mut consume: impl FnMut(&mut S, &[&[f32]]) -> Result<()> + Send,
    produce: impl FnOnce(&mut Handoff<Stereo>) -> Result<A>,
) -> Result<(A, S)> {
    pipelined_with(
        DEPTH,
        sink,
        move |sink, buf: &Stereo| consume(sink, &[&buf[0], &buf[1]]),
        produce,
    )
}

/// Runs `consume(&mut sink, block)` on a second thread for every block that
/// `produce` sends through its [`Handoff`], at most `depth` blocks in flight,
/// and returns what `produce` returned with the sink. The consumer's error
/// wins over the producer's: a producer fails late, when it finds the
/// consumer gone.
pub(crate) fn pipelined_with<T: Send, S: Send, A>(
    depth: usize,
    sink: S,
    mut consume: impl FnMut(&mut S, &T) -> Result<()> + Send,
    produce: impl FnOnce(&mut Handoff<T>) -> Result<A>,
) -> Result<(A, S)> {
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = sync_channel::<T>(depth);
        // Never more than depth + 2 blocks exist: depth queued, one being
        // consumed and one being filled.
        let (empty_tx, empty_rx) = sync_channel::<T>(depth + 2);
        let worker = scope.spawn(move || -> Result<S> {
            let mut sink = sink;
            for block in full_rx {
                consume(&mut sink, &block)?;
                // The producer may be finished and gone: then nothing recycles.
                let _ = empty_tx.try_send(block);
            }
            Ok(sink)
        });
        let mut handoff = Handoff {
            full: full_tx,
            empty: empty_rx,
        };
        let produced = produce(&mut handoff);
        drop(handoff);
        let sink = worker.join().expect("consumer thread panicked")?;
        Ok((produced?, sink))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_block_arrives_in_order() {
        let (n, seen) = pipelined(
            Vec::new(),
            |seen: &mut Vec<f32>, block| {
                assert_eq!(block[0].len(), block[1].len());
                seen.extend_from_slice(block[0]);
                Ok(())
            },
            |h| {
                for i in 0..100 {
                    let l: Vec<f32> = (0..i % 7 + 1).map(|k| (i * 10 + k) as f32).collect();
                    h.send(&[&l, &l])?;
                }
                Ok(100)
            },
        )
        .unwrap();
        assert_eq!(n, 100);
        let expected: Vec<f32> = (0..100)
            .flat_map(|i| (0..i % 7 + 1).map(move |k| (i * 10 + k) as f32))
            .collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn the_consumers_error_stops_the_producer_and_is_reported() {
        let path = std::path::Path::new("out.wav");
        let result = pipelined(
            0usize,
            |count: &mut usize, _| {
                *count += 1;
                if *count == 3 {
                    Err(Error::input(path, "disk full"))
                } else {
                    Ok(())
                }
            },
            |h| {
                let z = [0.0f32; 4];
                let mut sent = 0;
                while h.send(&[&z, &z]).is_ok() {
                    sent += 1;
                    assert!(sent < 1000, "the producer was never stopped");
                }
                Ok(sent)
            },
        );
        let e = result.expect_err("the consumer failed");
        assert!(e.to_string().contains("disk full"), "{e}");
    }
}
