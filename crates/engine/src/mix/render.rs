//! Rendering a session: a streaming graph, block by block, then one clean
//! headroom gain.
//!
//! Per block of [`BLOCK`] frames:
//! 1. every track (in parallel, `rayon`): decode → resample → polarity →
//!    inserts → pan/balance → fader (automation per sample);
//! 2. in a fixed order (so the sum is bit-identical for any thread count):
//!    each track's output and sends are delayed by their compensation and added
//!    into their buses;
//! 3. buses, deepest first: inserts → fader → compensation delay → their output;
//! 4. the master's input is the sum, in a fixed order, of its *stems*: one per
//!    bus routed to the master, plus `direct` for tracks routed straight to it;
//!    then the master inserts.
//!
//! **Plugin-delay compensation.** Every summing point is aligned: a bus's input
//! latency is the largest latency among the paths feeding it, and each path is
//! delayed by the difference; a bus adds its own insert latency on top. The
//! master's total latency is trimmed from the start of the output, so the mix
//! lines up with the stems as they were recorded.
//!
//! **Two cores.** The track stage (step 1) runs on the `rayon` pool; the
//! mix stage (steps 2–4), the caching and the metering run on a second
//! thread one block behind, fed through a bounded channel whose buffers are
//! swapped, not copied, and recycled (memory stays flat).
//!
//! **Headroom.** The session is rendered once, into temporary raw `f32`
//! caches beside the destinations ([`super::cache`]), while the mix is
//! measured (BS.1770 integrated loudness; 8× true peak). The caches are then
//! copied out, all side by side, with one gain so the mix's true peak lands
//! on `session.headroom_dbtp`. No limiter is involved unless the session
//! inserts one. The gain is the last step, after the master inserts, so
//! scaling the cached render equals rendering again with the gain.
//!
//! **Stems** (`stems_dir`) are the master's stems above, taken post-bus-fader,
//! each then run through its own copy of the master inserts and given the same
//! headroom gain. They sum to the mix to float rounding whenever the master
//! inserts are linear (none, EQ, gain, width): a linear chain commutes with the
//! sum. Dynamics or saturation on the master break the sum (each stem is
//! compressed on its own), by design. Return buses (reverb, delay) routed to
//! the master are stems of their own, so nothing is lost.
//!
//! The mix ends with the longest stem (offset included); effect tails beyond
//! it are cut.

use std::path::{Path, PathBuf};

use mixmaster_analysis::IntegratedLoudness;
use mixmaster_dsp::{Chain, ProcessSpec, Processor};
use mixmaster_io::{AudioWriter, EncodeSpec, FileFormat, SampleFormat, WriteOptions, check_output};
use rayon::prelude::*;
use serde::Serialize;

use super::automation::Fader;
use super::pdc::PathDelay;
use super::sample_loops::{accumulate, scale};
use super::session::{MASTER, Polarity, Session};
use super::source::TrackSource;
use super::validate;
use crate::float_cache::{CacheReader, FloatCache};
use crate::handoff::pipelined_with;
use crate::{Error, Progress, Result};
use mixmaster_analysis::true_peak::{TruePeakMeter, to_dbtp};

/// Frames per render block: 4096 frames keep per-block overhead (thread
/// hand-off, processor calls) small while a 32-track session holds ~2 MB of buffers.
pub const BLOCK: usize = 4096;

/// The name of the stem holding tracks routed straight to the master.
pub const DIRECT_STEM: &str = "direct";

/// How to render.
#[derive(Debug, Clone)]
pub struct RenderOptions {
    /// The mix file (WAV, AIFF or FLAC by extension).
    pub output: PathBuf,
    /// Folder for one stem per master input (bus), same format as the mix.
    pub stems_dir: Option<PathBuf>,
    /// Worker threads for the track stage (`None` = all cores).
    pub threads: Option<usize>,
    /// Sample encoding of the outputs.
    pub sample_format: SampleFormat,
    /// Overwrite existing outputs.
    pub force: bool,
}

/// What a render did and measured.
#[derive(Debug, Clone, Serialize)]
pub struct RenderReport {
    /// Mix length in frames.
    pub frames: u64,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Latency compensated (and trimmed from the start), frames.
    pub latency_frames: usize,
    /// The one gain applied to the master for headroom, dB.
    pub headroom_gain_db: f64,
    /// Integrated loudness of the delivered mix, LUFS.
    pub integrated_lufs: Option<f64>,
    /// True peak of the delivered mix, dBTP (8× oversampled).
    pub true_peak_dbtp: Option<f64>,
    /// Stem files written.
    pub stems: Vec<PathBuf>,
    /// Things the user should know (resampled stems…).
    pub warnings: Vec<String>,
}

/// Where a signal path ends.
#[derive(Debug, Clone, Copy)]
enum Dest {
    Bus(usize),
    Stem(usize),
}

/// One signal path into a summing point: compensation delay, then `gain`.
struct Edge {
    dest: Dest,
    gain: f32,
    pre_fader: bool,
    delay: PathDelay,
    scratch: [Vec<f32>; 2],
}

impl Edge {
    fn new(dest: Dest, gain: f32, pre_fader: bool) -> Self {
        Self {
            dest,
            gain,
            pre_fader,
            delay: PathDelay::new(0),
            scratch: [vec![0.0; BLOCK], vec![0.0; BLOCK]],
        }
    }

    /// Adds `src` (delayed, scaled) into the destination buffer.
    fn feed(
        &mut self,
        src: &[Vec<f32>; 2],
        buses: &mut [[Vec<f32>; 2]],
        stems: &mut [[Vec<f32>; 2]],
        n: usize,
    ) {
        self.load_delayed(src, n);
        self.add(src, buses, stems, 0..n);
    }

    /// For a delayed path: copies `src` into the scratch and delays it there
    /// (the whole block, before [`add`](Self::add) takes it in pieces).
    fn load_delayed(&mut self, src: &[Vec<f32>; 2], n: usize) {
        if self.delay.delay() > 0 {
            for (s, x) in self.scratch.iter_mut().zip(src) {
                s[..n].copy_from_slice(&x[..n]);
            }
            self.delay.process(&mut self.scratch, n);
        }
    }

    /// Adds frames `range` of `src` (or of its delayed copy, see
    /// [`load_delayed`](Self::load_delayed)), scaled, into the destination.
    fn add(
        &self,
        src: &[Vec<f32>; 2],
        buses: &mut [[Vec<f32>; 2]],
        stems: &mut [[Vec<f32>; 2]],
        range: std::ops::Range<usize>,
    ) {
        let dst = match self.dest {
            Dest::Bus(i) => &mut buses[i],
            Dest::Stem(i) => &mut stems[i],
        };
        let input = if self.delay.delay() > 0 {
            &self.scratch
        } else {
            src
        };
        for (d, x) in dst.iter_mut().zip(input) {
            accumulate(&mut d[range.clone()], &x[range.clone()], self.gain);
        }
    }
}

/// Frames per pass when the tracks' paths are summed into the buses: the
/// summing points' pieces (every bus and stem, 2 × 1 KiB each) stay in L1
/// while each track's output, written by the other core, is fetched once for
/// all of its paths instead of once per path. Each sample still receives
/// its terms in the same order, so the sums are unchanged.
const SUM_CHUNK: usize = 256;

fn stereo() -> [Vec<f32>; 2] {
    [vec![0.0; BLOCK], vec![0.0; BLOCK]]
}

struct TrackNode {
    source: TrackSource,
    invert: bool,
    inserts: Chain,
    fader: Fader,
    input: Vec<Vec<f32>>,
    /// Post-pan, pre-fader (feeds pre-fader sends).
    panned: [Vec<f32>; 2],
    /// Post-fader.
    out: [Vec<f32>; 2],
    /// Some send is pre-fader, so `panned` must be kept.
    keep_panned: bool,
    /// Frame at which the stem ended, once known.
    end: Option<u64>,
}

impl TrackNode {
    fn process(&mut self, start: u64, n: usize) -> Result<()> {
        let real = self.source.next_block(&mut self.input, n)?;
        if self.end.is_none() && self.source.is_done() {
            self.end = Some(start + real as u64);
        }
        if self.invert {
            for ch in &mut self.input {
                for x in &mut ch[..n] {
                    *x = -*x;
                }
            }
        }
        let mut slices: Vec<&mut [f32]> = self.input.iter_mut().map(|c| &mut c[..n]).collect();
        self.inserts.process(&mut slices);
        self.fader.apply(
            &self.input,
            &mut self.panned,
            self.keep_panned,
            &mut self.out,
            start,
            n,
        );
        Ok(())
    }
}

/// The track stage: every track from its file to its fader, in parallel.
struct Tracks {
    nodes: Vec<TrackNode>,
}

impl Tracks {
    /// Renders render-frames `start..start + n` of every track (in parallel on
    /// the current `rayon` pool; each track is independent, so the thread
    /// count cannot change a sample).
    fn process(&mut self, start: u64, n: usize) -> Result<()> {
        self.nodes
            .par_iter_mut()
            .map(|t| t.process(start, n))
            .collect::<Result<Vec<()>>>()?;
        Ok(())
    }

    /// Moves every track's last block into `packet`, taking the packet's
    /// spent buffers in exchange (no copy: the vectors are swapped).
    fn hand_over(&mut self, packet: &mut Packet) {
        for (t, p) in self.nodes.iter_mut().zip(&mut packet.tracks) {
            std::mem::swap(&mut t.panned, &mut p.panned);
            std::mem::swap(&mut t.out, &mut p.out);
        }
    }

    /// Expected content length in frames, when every stem states its length.
    fn expected_frames(&self) -> Option<u64> {
        self.nodes
            .iter()
            .map(|t| t.source.expected_frames())
            .try_fold(0u64, |acc, f| f.map(|f| acc.max(f)))
    }

    /// The content length, once every track has ended.
    fn content_end(&self) -> Option<u64> {
        self.nodes
            .iter()
            .try_fold(0u64, |acc, t| t.end.map(|e| acc.max(e)))
    }
}

/// One block of every track's output, on its way from the track stage to the
/// mix stage (which runs on its own thread, one block behind).
struct Packet {
    /// Render frame of the block's first sample.
    start: u64,
    /// The content end, once every track had ended by the end of this block.
    end: Option<u64>,
    tracks: Vec<TrackOut>,
}

/// A track's block: post-pan (for pre-fader sends) and post-fader.
struct TrackOut {
    panned: [Vec<f32>; 2],
    out: [Vec<f32>; 2],
}

impl TrackOut {
    /// What `edge` takes: the post-pan signal for a pre-fader send, else the
    /// post-fader one.
    fn source(&self, edge: &Edge) -> &[Vec<f32>; 2] {
        if edge.pre_fader {
            &self.panned
        } else {
            &self.out
        }
    }
}

impl Packet {
    fn new(tracks: usize) -> Self {
        Self {
            start: 0,
            end: None,
            tracks: (0..tracks)
                .map(|_| TrackOut {
                    panned: stereo(),
                    out: stereo(),
                })
                .collect(),
        }
    }
}

struct BusNode {
    inserts: Chain,
    fader: Fader,
    work: [Vec<f32>; 2],
    panned: [Vec<f32>; 2],
    out: [Vec<f32>; 2],
    edge: Edge,
}

/// The mix stage: sends and outputs into buses, buses, stems and master,
/// always in the same order (so the sums are bit-identical whatever ran the
/// tracks).
struct Mixer {
    /// Each track's paths (main output first, then its sends).
    track_edges: Vec<Vec<Edge>>,
    buses: Vec<BusNode>,
    /// Bus indices, deepest (furthest from the master) first.
    bus_order: Vec<usize>,
    bus_in: Vec<[Vec<f32>; 2]>,
    stem_buf: Vec<[Vec<f32>; 2]>,
    /// One copy of the master inserts per stem (only when stems are written).
    stem_chains: Vec<Chain>,
    master: Chain,
    master_buf: [Vec<f32>; 2],
}

/// The session as a running graph: the track stage and the mix stage.
struct Graph {
    rate: u32,
    tracks: Tracks,
    mixer: Mixer,
    stem_names: Vec<String>,
    latency: usize,
    warnings: Vec<String>,
}

fn chain(inserts: &[super::inserts::Insert], tempo: f64, spec: &ProcessSpec) -> Chain {
    let mut c = Chain::new();
    for i in inserts {
        c.push(i.build(tempo));
    }
    c.prepare(spec);
    c
}

fn offset_frames(t: &super::session::Track, rate: u32) -> i64 {
    match (t.offset_samples, t.offset_ms) {
        (Some(n), _) => n,
        (None, Some(ms)) => (ms * f64::from(rate) / 1000.0).round() as i64,
        (None, None) => 0,
    }
}

impl Graph {
    fn build(s: &Session, base: &Path, stems: bool) -> Result<Self> {
        let rate = s.session.sample_rate;
        let fs = f64::from(rate);
        let tempo = s.session.tempo_bpm;
        let bus_index = |name: &str| s.buses.iter().position(|b| b.name == name);
        // Stems: buses routed to the master, then `direct` if any track goes there.
        let mut stem_names: Vec<String> = Vec::new();
        let mut bus_stem = vec![None; s.buses.len()];
        for (i, b) in s.buses.iter().enumerate() {
            if b.output == MASTER {
                bus_stem[i] = Some(stem_names.len());
                stem_names.push(b.name.clone());
            }
        }
        let any_solo = s.tracks.iter().any(|t| t.solo);
        let mut direct = None;
        let mut warnings = Vec::new();
        let mut nodes = Vec::new();
        let mut track_edges = Vec::new();
        for t in &s.tracks {
            if t.mute || (any_solo && !t.solo) {
                continue;
            }
            let (source, warning) =
                TrackSource::open(&base.join(&t.file), rate, offset_frames(t, rate))?;
            warnings.extend(warning);
            let ch = source.channels();
            let spec = ProcessSpec::new(fs, ch, BLOCK);
            let main = match bus_index(&t.output) {
                Some(j) => Dest::Bus(j),
                None => Dest::Stem(*direct.get_or_insert_with(|| {
                    stem_names.push(DIRECT_STEM.to_string());
                    stem_names.len() - 1
                })),
            };
            let mut edges = vec![Edge::new(main, 1.0, false)];
            for send in &t.sends {
                let j = bus_index(&send.bus).ok_or_else(|| {
                    Error::input(&t.file, format!("send to unknown bus {:?}", send.bus))
                })?;
                let g = mixmaster_dsp::units::db_to_gain(send.level_db) as f32;
                edges.push(Edge::new(Dest::Bus(j), g, send.pre_fader));
            }
            let keep_panned = edges.iter().any(|e| e.pre_fader);
            track_edges.push(edges);
            nodes.push(TrackNode {
                source,
                invert: t.polarity == Polarity::Inverted,
                inserts: chain(&t.inserts, tempo, &spec),
                fader: Fader::new(t.gain_db, t.pan, t.pan_law.into(), &t.automation, fs, BLOCK),
                input: vec![vec![0.0; BLOCK]; ch],
                panned: stereo(),
                out: stereo(),
                keep_panned,
                end: None,
            });
        }
        let spec2 = ProcessSpec::new(fs, 2, BLOCK);
        let mut buses = Vec::new();
        for (i, b) in s.buses.iter().enumerate() {
            let dest = match bus_index(&b.output) {
                Some(j) => Dest::Bus(j),
                None => Dest::Stem(bus_stem[i].unwrap_or(0)),
            };
            buses.push(BusNode {
                inserts: chain(&b.inserts, tempo, &spec2),
                fader: Fader::new(b.gain_db, b.pan, b.pan_law.into(), &b.automation, fs, BLOCK),
                work: stereo(),
                panned: stereo(),
                out: stereo(),
                edge: Edge::new(dest, 1.0, false),
            });
        }
        // Depth = hops to the master (validation has ruled out cycles).
        let depth = |mut i: usize| {
            let mut d = 1;
            while let Some(j) = bus_index(&s.buses[i].output) {
                i = j;
                d += 1;
                if d > s.buses.len() {
                    break;
                }
            }
            d
        };
        let mut bus_order: Vec<usize> = (0..s.buses.len()).collect();
        bus_order.sort_by_key(|&i| std::cmp::Reverse(depth(i)));
        let master = chain(&s.master.inserts, tempo, &spec2);
        let mixer = Mixer {
            track_edges,
            bus_in: (0..buses.len()).map(|_| stereo()).collect(),
            buses,
            bus_order,
            stem_buf: (0..stem_names.len()).map(|_| stereo()).collect(),
            stem_chains: if stems {
                (0..stem_names.len())
                    .map(|_| chain(&s.master.inserts, tempo, &spec2))
                    .collect()
            } else {
                Vec::new()
            },
            master,
            master_buf: stereo(),
        };
        let mut g = Self {
            rate,
            tracks: Tracks { nodes },
            mixer,
            stem_names,
            latency: 0,
            warnings,
        };
        g.compensate();
        Ok(g)
    }

    /// Sets every edge's delay so all paths meet aligned at each summing point.
    fn compensate(&mut self) {
        let m = &mut self.mixer;
        let mut bus_in_lat = vec![0usize; m.buses.len()];
        let mut stem_lat = vec![0usize; self.stem_names.len()];
        let raise = |d: Dest, lat: usize, b: &mut [usize], s: &mut [usize]| match d {
            Dest::Bus(j) => b[j] = b[j].max(lat),
            Dest::Stem(j) => s[j] = s[j].max(lat),
        };
        for (t, edges) in self.tracks.nodes.iter().zip(&m.track_edges) {
            for e in edges {
                raise(e.dest, t.inserts.latency(), &mut bus_in_lat, &mut stem_lat);
            }
        }
        let mut bus_out_lat = vec![0usize; m.buses.len()];
        for &i in &m.bus_order {
            bus_out_lat[i] = bus_in_lat[i] + m.buses[i].inserts.latency();
            raise(
                m.buses[i].edge.dest,
                bus_out_lat[i],
                &mut bus_in_lat,
                &mut stem_lat,
            );
        }
        // All stems meet at the master input.
        let master_in = stem_lat.iter().copied().max().unwrap_or(0);
        let target = |d: Dest| match d {
            Dest::Bus(j) => bus_in_lat[j],
            Dest::Stem(_) => master_in,
        };
        for (t, edges) in self.tracks.nodes.iter().zip(&mut m.track_edges) {
            let own = t.inserts.latency();
            for e in edges {
                e.delay = PathDelay::new(target(e.dest) - own);
            }
        }
        for (i, b) in m.buses.iter_mut().enumerate() {
            b.edge.delay = PathDelay::new(target(b.edge.dest) - bus_out_lat[i]);
        }
        self.latency = master_in + m.master.latency();
    }
}

impl Mixer {
    /// Mixes one block of track outputs: leaves the master output in
    /// `master_buf` and, when stems are wanted, the stems through their copies
    /// of the master inserts in `stem_buf`.
    fn process(&mut self, packet: &Packet, n: usize) {
        let start = packet.start;
        for buf in self.bus_in.iter_mut().chain(self.stem_buf.iter_mut()) {
            for ch in buf.iter_mut() {
                ch[..n].fill(0.0);
            }
        }
        for (t, edges) in packet.tracks.iter().zip(&mut self.track_edges) {
            for e in edges {
                e.load_delayed(t.source(e), n);
            }
        }
        for from in (0..n).step_by(SUM_CHUNK) {
            let range = from..(from + SUM_CHUNK).min(n);
            for (t, edges) in packet.tracks.iter().zip(&self.track_edges) {
                for e in edges {
                    e.add(
                        t.source(e),
                        &mut self.bus_in,
                        &mut self.stem_buf,
                        range.clone(),
                    );
                }
            }
        }
        for &i in &self.bus_order {
            let b = &mut self.buses[i];
            std::mem::swap(&mut b.work, &mut self.bus_in[i]);
            let mut slices: Vec<&mut [f32]> = b.work.iter_mut().map(|c| &mut c[..n]).collect();
            b.inserts.process(&mut slices);
            b.fader
                .apply(&b.work, &mut b.panned, false, &mut b.out, start, n);
            b.edge.feed(&b.out, &mut self.bus_in, &mut self.stem_buf, n);
        }
        for ch in &mut self.master_buf {
            ch[..n].fill(0.0);
        }
        for stem in &self.stem_buf {
            for (m, s) in self.master_buf.iter_mut().zip(stem) {
                accumulate(&mut m[..n], &s[..n], 1.0);
            }
        }
        let mut slices: Vec<&mut [f32]> = self.master_buf.iter_mut().map(|c| &mut c[..n]).collect();
        self.master.process(&mut slices);
        for (buf, c) in self.stem_buf.iter_mut().zip(&mut self.stem_chains) {
            let mut slices: Vec<&mut [f32]> = buf.iter_mut().map(|c| &mut c[..n]).collect();
            c.process(&mut slices);
        }
    }
}

/// What pass 1 keeps of the mix stage's output: the latency-trimmed mix and
/// stems, unscaled, in float caches, and the mix's loudness and true peak.
struct Pass1 {
    /// The mix's destination (named in errors).
    dest: PathBuf,
    latency: u64,
    /// Output frames cached so far.
    written: u64,
    mix: FloatCache,
    stems: Vec<FloatCache>,
    loudness: IntegratedLoudness,
    peak: TruePeakMeter,
}

impl Pass1 {
    /// Takes the mixer's block that started at render frame `start`, cutting
    /// the compensated latency from the front and the tail after `end`.
    fn take(&mut self, mixer: &Mixer, start: u64, end: Option<u64>) -> Result<()> {
        let first = self.latency.saturating_sub(start).min(BLOCK as u64) as usize;
        let limit = end.map_or(u64::MAX, |e| e.saturating_sub(self.written));
        let count = ((BLOCK - first) as u64).min(limit) as usize;
        if count == 0 {
            return Ok(());
        }
        let r = first..first + count;
        let block = [
            &mixer.master_buf[0][r.clone()],
            &mixer.master_buf[1][r.clone()],
        ];
        self.mix.push(block[0], block[1])?;
        self.loudness
            .push(&block)
            .map_err(|e| Error::input(&self.dest, e.to_string()))?;
        self.peak.push(&block);
        for (c, s) in self.stems.iter_mut().zip(&mixer.stem_buf) {
            c.push(&s[0][r.clone()], &s[1][r.clone()])?;
        }
        self.written += count as u64;
        Ok(())
    }
}

/// Blocks in flight between the track stage and the mix stage. Each holds
/// every track's two stereo buffers (32 tracks: 2 MiB), so a few are enough
/// to absorb the stages' jitter without growing the memory.
const DEPTH: usize = 3;

/// Pass 1: the track stage on the `rayon` pool (this thread waits on it),
/// the mix stage and the caching and metering on a second thread, one block
/// behind, so both cores stay busy; returns the mix stage's cached outputs.
fn pass1(
    graph: &mut Graph,
    out: Pass1,
    pool: &rayon::ThreadPool,
    progress: &mut dyn Progress,
) -> Result<Pass1> {
    let tracks = &mut graph.tracks;
    let mixer = &mut graph.mixer;
    let lat = graph.latency as u64;
    let count = tracks.nodes.len();
    let ((), out) = pipelined_with(
        DEPTH,
        out,
        |out, packet: &Packet| {
            mixer.process(packet, BLOCK);
            out.take(mixer, packet.start, packet.end)
        },
        |handoff| {
            let mut pos = 0u64;
            loop {
                if let Some(e) = tracks.content_end()
                    && pos >= e + lat
                {
                    return Ok(());
                }
                pool.install(|| tracks.process(pos, BLOCK))?;
                handoff.send_with(
                    || Packet::new(count),
                    |packet| {
                        tracks.hand_over(packet);
                        packet.start = pos;
                        packet.end = tracks.content_end();
                    },
                )?;
                pos += BLOCK as u64;
                progress.advance(BLOCK as u64);
            }
        },
    )?;
    Ok(out)
}

/// Frames each output copies per turn in pass 2 (between progress updates).
const COPY_FRAMES: usize = 16 * BLOCK;

/// Pass 2 for one output: its cache, scaled, into its destination.
struct CopyJob {
    reader: CacheReader,
    writer: AudioWriter,
    buf: [Vec<f32>; 2],
}

impl CopyJob {
    /// Copies up to [`COPY_FRAMES`] frames scaled by `gain`; returns how many.
    fn step(&mut self, gain: f64) -> Result<usize> {
        let mut done = 0;
        while done < COPY_FRAMES {
            let n = self.reader.read(&mut self.buf, BLOCK)?;
            if n == 0 {
                break;
            }
            for ch in &mut self.buf {
                scale(ch, gain);
            }
            self.writer.write_block(&[&self.buf[0], &self.buf[1]])?;
            done += n;
        }
        Ok(done)
    }
}

/// The `--stems-out` folder when this render created it: a render that fails
/// removes it again, so a refused session leaves nothing behind. `remove_dir`
/// only removes an empty folder, so nothing else can be lost.
struct CreatedDir(Option<PathBuf>);

impl Drop for CreatedDir {
    fn drop(&mut self) {
        if let Some(dir) = &self.0 {
            // Best effort: the render's own error is the one to report.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Loads the session at `session_path` and renders it.
pub fn render_file(
    session_path: &Path,
    opts: &RenderOptions,
    progress: &mut dyn Progress,
) -> Result<RenderReport> {
    let session = validate::load(session_path)?;
    render(&session, &validate::base_dir(session_path), opts, progress)
}

/// Renders a validated `session` whose relative paths start at `base`.
pub fn render(
    session: &Session,
    base: &Path,
    opts: &RenderOptions,
    progress: &mut dyn Progress,
) -> Result<RenderReport> {
    let format = FileFormat::from_path(&opts.output)
        .ok_or_else(|| mixmaster_io::Error::UnknownOutputFormat(opts.output.as_path().into()))?;
    let spec = EncodeSpec {
        format,
        sample_format: opts.sample_format,
    };
    let write_opts = WriteOptions {
        force: opts.force,
        inputs: session.tracks.iter().map(|t| base.join(&t.file)).collect(),
    };
    check_output(&opts.output, &write_opts)?;
    let ext = opts
        .output
        .extension()
        .map_or_else(|| "wav".into(), |e| e.to_string_lossy().into_owned());

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads.unwrap_or(0))
        .build()
        .map_err(|e| Error::input(&opts.output, format!("cannot start worker threads: {e}")))?;
    let mut graph = Graph::build(session, base, opts.stems_dir.is_some())?;
    let mut created = CreatedDir(None);
    let stem_paths: Vec<PathBuf> = match &opts.stems_dir {
        Some(dir) => {
            if !dir.exists() {
                created.0 = Some(dir.clone());
            }
            std::fs::create_dir_all(dir)
                .map_err(|e| mixmaster_io::Error::Io(dir.as_path().into(), e))?;
            graph
                .stem_names
                .iter()
                .map(|n| dir.join(format!("{n}.{ext}")))
                .collect()
        }
        None => Vec::new(),
    };
    for p in &stem_paths {
        check_output(p, &write_opts)?;
    }

    // Pass 1: render once into float caches, measuring the mix.
    let rate = graph.rate;
    let mut stems = Vec::new();
    for p in &stem_paths {
        stems.push(FloatCache::beside(p)?);
    }
    let meter_error = |e: mixmaster_analysis::Error| Error::input(&opts.output, e.to_string());
    let out = Pass1 {
        dest: opts.output.clone(),
        latency: graph.latency as u64,
        written: 0,
        mix: FloatCache::beside(&opts.output)?,
        stems,
        loudness: IntegratedLoudness::new(rate, 2).map_err(meter_error)?,
        peak: TruePeakMeter::new(2, 8),
    };
    let lat = graph.latency as u64;
    progress.start("mixing", graph.tracks.expected_frames().map(|f| f + lat));
    let Pass1 {
        mut mix,
        mut stems,
        loudness,
        peak,
        written,
        ..
    } = pass1(&mut graph, out, &pool, progress)?;
    progress.finish();
    if written == 0 {
        // Every stem is 0 samples long: a header-only file (a FLAC that not
        // even our own decoder reads back) is no mix.
        return Err(Error::input(
            &opts.output,
            "the session's tracks hold no audio (every stem is 0 samples long): nothing to write",
        ));
    }
    mix.close()?;
    for c in &mut stems {
        c.close()?;
    }
    let loudness = loudness.lufs().map_err(meter_error)?;
    let peak =
        Some(to_dbtp(peak.finish().into_iter().fold(0.0, f64::max))).filter(|p| p.is_finite());
    let gain_db = peak.map_or(0.0, |p| session.session.headroom_dbtp - p);
    let gain = mixmaster_dsp::units::db_to_gain(gain_db);

    // Pass 2: one clean gain while copying every cache to its destination,
    // the outputs side by side on the pool.
    progress.start("writing", Some(written * (1 + stem_paths.len() as u64)));
    let mut jobs = Vec::new();
    for (cache, dest) in std::iter::once(&mix)
        .chain(&stems)
        .zip(std::iter::once(&opts.output).chain(&stem_paths))
    {
        jobs.push(CopyJob {
            reader: cache.reader()?,
            writer: AudioWriter::create(dest, spec, rate, 2, &write_opts)?,
            buf: [Vec::with_capacity(BLOCK), Vec::with_capacity(BLOCK)],
        });
    }
    loop {
        let done: usize = pool
            .install(|| {
                jobs.par_iter_mut()
                    .map(|j| j.step(gain))
                    .collect::<Result<Vec<usize>>>()
            })?
            .into_iter()
            .sum();
        if done == 0 {
            break;
        }
        progress.advance(done as u64);
    }
    // Finishing fsyncs each file: side by side too.
    pool.install(|| {
        jobs.into_par_iter()
            .map(|j| j.writer.finish().map_err(Error::from))
            .collect::<Result<Vec<()>>>()
    })?;
    progress.finish();
    drop((mix, stems));
    created.0 = None;
    // Every stem has been read to its end: say which were cut short.
    let mut warnings = graph.warnings;
    let nodes = &graph.tracks.nodes;
    warnings.extend(nodes.iter().filter_map(|t| t.source.truncation_warning()));

    Ok(RenderReport {
        frames: written,
        sample_rate: rate,
        latency_frames: graph.latency,
        headroom_gain_db: gain_db,
        integrated_lufs: loudness.map(|l| l + gain_db),
        true_peak_dbtp: peak.map(|p| p + gain_db),
        stems: stem_paths,
        warnings,
    })
}
