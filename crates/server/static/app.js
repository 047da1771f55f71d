// mixmaster web app: upload, follow a job live, A/B listen, download.
// Plain JavaScript, no libraries, nothing fetched from elsewhere.
"use strict";

const $ = (id) => document.getElementById(id);
let current = null;   // id of the job shown
let source = null;    // EventSource of that job
let player = null;    // ABPlayer of that job

// ---------- A/B player ----------
// Both files are decoded into memory and started together on the audio
// context's clock; each runs through its own gain, and switching ramps one
// down and the other up over CROSSFADE seconds: no gap, no click, and no
// level jump because the original file is the engine's level-matched copy.
const CROSSFADE = 0.02;

class ABPlayer {
  constructor() {
    this.ctx = new AudioContext();
    this.buffers = {};
    this.decoded = {};    // seconds per decoded file (read by the e2e test)
    this.offsets = { original: 0, master: 0 };
    this.choice = "master";
    this.nodes = null;
    this.startedAt = 0;   // context time at which position 0 would have played
    this.position = 0;    // seconds, while stopped
  }

  async load(urls, originalOffset) {
    this.offsets.original = originalOffset || 0;
    await Promise.all(Object.entries(urls).map(async ([name, url]) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${name}: HTTP ${response.status}`);
      const buffer = await this.ctx.decodeAudioData(await response.arrayBuffer());
      this.buffers[name] = buffer;
      this.decoded[name] = buffer.duration;
    }));
  }

  get duration() { return this.buffers.master ? this.buffers.master.duration : 0; }
  get playing() { return this.nodes !== null; }

  now() {
    return this.playing ? this.ctx.currentTime - this.startedAt : this.position;
  }

  async play() {
    if (this.playing) return;
    await this.ctx.resume();
    const at = this.ctx.currentTime + 0.05;   // both start on the same tick
    const from = Math.min(this.position, this.duration);
    this.nodes = {};
    for (const name of ["original", "master"]) {
      const src = this.ctx.createBufferSource();
      src.buffer = this.buffers[name];
      const gain = this.ctx.createGain();
      gain.gain.value = name === this.choice ? 1 : 0;
      src.connect(gain).connect(this.ctx.destination);
      src.start(at, Math.min(from + this.offsets[name], src.buffer.duration));
      this.nodes[name] = { src, gain };
    }
    this.nodes.master.src.onended = () => { if (this.nodes) this.stop(true); };
    this.startedAt = at - from;
  }

  stop(ended) {
    if (!this.playing) return;
    this.position = ended ? 0 : this.now();
    for (const { src } of Object.values(this.nodes)) {
      src.onended = null;
      try { src.stop(); } catch (_) { /* already stopped */ }
    }
    this.nodes = null;
    updatePlayer();
  }

  select(choice) {
    this.choice = choice;
    if (!this.playing) return;
    const t = this.ctx.currentTime;
    for (const [name, { gain }] of Object.entries(this.nodes)) {
      gain.gain.cancelScheduledValues(t);
      gain.gain.setValueAtTime(gain.gain.value, t);
      gain.gain.linearRampToValueAtTime(name === choice ? 1 : 0, t + CROSSFADE);
    }
  }

  async seek(seconds) {
    const wasPlaying = this.playing;
    if (wasPlaying) this.stop();
    this.position = Math.max(0, Math.min(seconds, this.duration));
    if (wasPlaying) await this.play();
  }

  close() {
    this.stop();
    this.ctx.close();
  }
}

const clock = (s) => `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;

function updatePlayer() {
  if (!player) return;
  $("play").textContent = player.playing ? "Stop" : "Play";
  $("pick-original").classList.toggle("on", player.choice === "original");
  $("pick-master").classList.toggle("on", player.choice === "master");
  $("pick-original").setAttribute("aria-checked", player.choice === "original");
  $("pick-master").setAttribute("aria-checked", player.choice === "master");
  const t = player.now();
  $("time").textContent = `${clock(t)} / ${clock(player.duration)}`;
  if (document.activeElement !== $("seek")) $("seek").value = player.duration ? t / player.duration : 0;
}
setInterval(updatePlayer, 200);

$("play").addEventListener("click", () => (player && (player.playing ? player.stop() : player.play().then(updatePlayer))));
$("pick-original").addEventListener("click", () => { if (player) { player.select("original"); updatePlayer(); } });
$("pick-master").addEventListener("click", () => { if (player) { player.select("master"); updatePlayer(); } });
$("seek").addEventListener("change", (e) => player && player.seek(e.target.value * player.duration));

// ---------- API ----------
async function api(path, options) {
  const response = await fetch(path, options);
  if (!response.ok) {
    let message = `HTTP ${response.status}`;
    try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
    throw new Error(message);
  }
  return response.status === 204 ? null : response.json();
}

async function loadTargets() {
  const targets = await api("/api/targets");
  $("targets").replaceChildren(...targets.map((t) => {
    const label = document.createElement("label");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "targets[]";
    box.value = t.name;
    box.checked = t.name === "spotify";
    const small = document.createElement("small");
    small.textContent = ` ${t.integrated_lufs} LUFS, ${t.ceiling_dbtp} dBTP`;
    label.append(box, ` ${t.name}`, small);
    return label;
  }));
}

async function refreshJobs() {
  const jobs = await api("/api/jobs");
  $("jobs").replaceChildren(...jobs.map((job) => {
    const li = document.createElement("li");
    li.dataset.id = job.id;
    const name = document.createElement("span");
    const what = job.kind === "album" ? `album: ${job.mix_name} (${job.album ? job.album.tracks.length : "?"} tracks)` : job.mix_name;
    name.textContent = `${what} → ${job.files.filter((f) => f.role === "master").map((f) => f.name.replace(/^master-|\.wav$/g, "")).join(", ") || job.settings.targets.join(", ") || "spotify"}`;
    const badge = document.createElement("span");
    badge.className = `badge ${job.state}`;
    badge.textContent = job.state === "queued" ? `queued #${job.position}` : job.state;
    li.append(name, badge);
    li.addEventListener("click", () => show(job.id));
    return li;
  }));
}

// ---------- album form ----------
// The tracks in running order, each with its editable title (default: the
// file's name without its extension, which the server also uses).
let albumTracks = [];
const albumMode = () => $("kind-album").checked;

function renderTracks() {
  $("track-list").replaceChildren(...albumTracks.map((t, k) => {
    const li = document.createElement("li");
    const title = document.createElement("input");
    title.type = "text";
    title.maxLength = 200;
    title.value = t.title;
    title.setAttribute("aria-label", `Title of track ${k + 1}`);
    title.addEventListener("input", () => { t.title = title.value; });
    const name = document.createElement("small");
    name.textContent = t.file.name;
    const remove = document.createElement("button");
    remove.type = "button";
    remove.textContent = "Remove";
    remove.addEventListener("click", () => { albumTracks.splice(k, 1); renderTracks(); });
    li.append(title, name, remove);
    return li;
  }));
}

$("tracks").addEventListener("change", (e) => {
  for (const file of e.target.files) albumTracks.push({ file, title: file.name.replace(/\.[^.]*$/, "") });
  e.target.value = "";
  renderTracks();
});

function setKind() {
  const album = albumMode();
  $("single-fields").hidden = album;
  $("mix").required = !album;
  $("album-fields").hidden = !album;
  $("album-fields").disabled = !album;
  for (const el of document.querySelectorAll(".single-only")) el.hidden = album;
  $("submit").textContent = album ? "Start mastering the album" : "Start mastering";
}
for (const radio of document.querySelectorAll("input[name=kind]")) radio.addEventListener("change", setKind);

// The album request: tracks and titles in running order, then the options
// that apply to albums (fades are per track in an album file, not offered here).
function albumForm(form) {
  const body = new FormData();
  for (const t of albumTracks) body.append("track", t.file, t.file.name);
  for (const t of albumTracks) body.append("track_title", t.title);
  for (const [key, v] of form.entries()) {
    if (["kind", "mix", "reference", "fade_in", "fade_out"].includes(key) || v === "") continue;
    body.append(key, v);
  }
  return body;
}

$("job-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("form-error").textContent = "";
  const form = new FormData(e.target);
  const album = albumMode();
  if (album && albumTracks.length === 0) {
    $("form-error").textContent = "Add the album's tracks first.";
    return;
  }
  form.delete("kind");
  for (const key of [...form.keys()]) {
    const v = form.get(key);
    if (v === "" || (v instanceof File && v.size === 0 && key === "reference")) form.delete(key);
  }
  $("submit").disabled = true;
  try {
    const { id } = album
      ? await api("/api/albums", { method: "POST", body: albumForm(form) })
      : await api("/api/jobs", { method: "POST", body: form });
    await refreshJobs();
    show(id);
  } catch (err) {
    $("form-error").textContent = err.message;
  } finally {
    $("submit").disabled = false;
  }
});

// ---------- one job ----------
function show(id) {
  if (source) source.close();
  if (player) { player.close(); player = null; }
  current = id;
  $("job").hidden = false;
  for (const part of ["player", "downloads", "report"]) $(part).hidden = true;
  $("job-progress").value = 0;
  source = new EventSource(`/api/jobs/${id}/events`);
  source.addEventListener("job", (e) => render(JSON.parse(e.data)));
  source.addEventListener("progress", (e) => {
    const p = JSON.parse(e.data);
    $("job-state").textContent = `running: ${p.stage}`;
    if (p.fraction !== null) $("job-progress").value = p.fraction; else $("job-progress").removeAttribute("value");
  });
  source.addEventListener("deleted", () => { source.close(); $("job").hidden = true; refreshJobs(); });
  source.onerror = () => { /* the browser reconnects by itself; a final state closes it */ };
  $("job").scrollIntoView({ behavior: "smooth" });
}

function render(job) {
  if (job.id !== current) return;
  $("job-title").textContent = job.kind === "album"
    ? `Album: ${job.album ? `${job.album.artist} — ${job.album.title}, ${job.album.tracks.length} tracks` : job.mix_name}`
    : job.mix_name + (job.reference_name ? ` (reference: ${job.reference_name})` : "");
  let state = job.state === "queued" ? `queued, position ${job.position}` : job.state;
  if (job.state === "done" && job.started_at && job.finished_at) {
    state += ` — mastered in ${Math.max(1, job.finished_at - job.started_at)} s`;
  }
  $("job-state").textContent = job.progress && job.state === "running" ? `running: ${job.progress.stage}` : state;
  $("job-state").dataset.state = job.state;
  $("job-error").textContent = job.error || "";
  $("job-progress").hidden = job.state !== "running" && job.state !== "queued";
  $("rerun").hidden = !["done", "failed", "interrupted"].includes(job.state);
  $("delete").hidden = job.state === "running";
  if (["done", "failed", "interrupted"].includes(job.state)) {
    source.close();
    refreshJobs();
  }
  if (job.state !== "done") return;

  // Outputs only (not the uploads); an album's per-track masters, album
  // files and CUE sheets come in the engine's order, target by target.
  const list = job.files.filter((f) => !["mix", "reference", "track"].includes(f.role));
  $("file-list").replaceChildren(...list.map((f) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = f.url;
    a.textContent = f.name;
    a.setAttribute("download", "");
    li.append(a, ` (${(f.size / 1048576).toFixed(1)} MiB)`);
    return li;
  }));
  $("downloads").hidden = false;
  $("report-frame").src = job.report_url;
  $("report-link").href = job.report_url;
  $("report").hidden = false;

  if (job.ab && !player) {
    $("player").hidden = false;
    $("play").disabled = true;
    $("player-status").textContent = "Loading audio…";
    const p = new ABPlayer();
    player = p;
    window.mixmasterPlayer = p;
    p.load({ original: job.ab.original_url, master: job.ab.master_url }, job.ab.original_offset_s)
      .then(() => {
        if (player !== p) return;
        $("play").disabled = false;
        $("player-status").textContent =
          `Decoded both: original ${p.decoded.original.toFixed(2)} s, master ${p.decoded.master.toFixed(2)} s; original ${job.ab.gain_db >= 0 ? "+" : ""}${job.ab.gain_db.toFixed(1)} dB to match the master's loudness.`;
        $("player-status").dataset.ready = "true";
        updatePlayer();
      })
      .catch((err) => { $("player-status").textContent = `Cannot play: ${err.message}`; });
  }
}

$("rerun").addEventListener("click", async () => {
  try { await api(`/api/jobs/${current}/rerun`, { method: "POST" }); show(current); refreshJobs(); }
  catch (err) { $("job-error").textContent = err.message; }
});
$("delete").addEventListener("click", async () => {
  try {
    await api(`/api/jobs/${current}`, { method: "DELETE" });
    if (source) source.close();
    if (player) { player.close(); player = null; }
    $("job").hidden = true;
    refreshJobs();
  } catch (err) { $("job-error").textContent = err.message; }
});

setKind();
loadTargets().catch((err) => { $("form-error").textContent = err.message; });
refreshJobs().catch((err) => { $("form-error").textContent = err.message; });
