// End-to-end test of the web app in headless Chromium (Debian's /usr/bin/chromium).
// Usage: node run.mjs URL MIX.wav [SCREENSHOT.png]
// Uploads MIX, waits for the job, checks the report loads in its frame and that
// the A/B player decoded both files and switches between them, then masters an
// album of three tracks and checks its per-track files are listed; prints one JSON
// line of measurements and exits 0, or prints why and exits 1.
import { chromium } from "playwright-core";

const [url, mixPath, screenshot] = process.argv.slice(2);
if (!url || !mixPath) {
  console.error("usage: node run.mjs URL MIX.wav [SCREENSHOT.png]");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const problems = [];

const browser = await chromium.launch({
  executablePath,
  // Root in CI has no user namespaces for the sandbox; the page is our own.
  args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("response", (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()} for ${r.url()}`); });
  page.setDefaultTimeout(120_000);

  await page.goto(url);
  await page.waitForSelector('#targets input[value="spotify"]');
  await page.setInputFiles("#mix", mixPath);
  const started = Date.now();
  await page.click("#submit");
  await page.waitForSelector('#job-state[data-state="done"]');
  const jobSeconds = (Date.now() - started) / 1000;

  // The report, in its frame: a document naming the upload, with tables and plots.
  const frame = page.frameLocator("#report-frame");
  await frame.locator("table").first().waitFor();
  const report = await frame.locator("body").evaluate((b) => ({
    text: b.innerText,
    tables: b.querySelectorAll("table").length,
    svgs: b.querySelectorAll("svg").length,
  }));
  const mixName = mixPath.split("/").pop();
  if (!report.text.includes(mixName)) problems.push(`the report does not name ${mixName}`);

  // The A/B player: both files decoded.
  await page.waitForSelector('#player-status[data-ready="true"]');
  const decoded = await page.evaluate(() => window.mixmasterPlayer.decoded);
  for (const name of ["original", "master"]) {
    if (!(decoded[name] > 0.5)) problems.push(`${name} not decoded: ${decoded[name]}`);
  }

  // Play, switch to the original, check the gains crossfaded on the shared clock.
  await page.click("#play");
  await page.waitForTimeout(150);
  await page.click("#pick-original");
  await page.waitForTimeout(150);
  const ab = await page.evaluate(() => {
    const p = window.mixmasterPlayer;
    return {
      playing: p.playing,
      original: p.nodes && p.nodes.original.gain.gain.value,
      master: p.nodes && p.nodes.master.gain.gain.value,
      clock: p.ctx.currentTime,
      state: p.ctx.state,
    };
  });
  if (!ab.playing) problems.push("the player is not playing");
  if (!(Math.abs(ab.original - 1) < 1e-3 && Math.abs(ab.master) < 1e-3)) {
    problems.push(`after switching, gains are original ${ab.original}, master ${ab.master}`);
  }
  await page.click("#pick-master");
  await page.click("#play"); // stop

  // A download link serves the file.
  const href = await page.getAttribute('#file-list a[href$="master-spotify.wav"]', "href");
  const status = await page.evaluate(async (h) => (await fetch(h)).status, href);
  if (status !== 200) problems.push(`download ${href}: HTTP ${status}`);

  // An album: choose "album", add the mix three times as three tracks,
  // rename the first, start, and check the job lists a master per track.
  await page.check("#kind-album");
  await page.setInputFiles("#tracks", [mixPath, mixPath, mixPath]);
  await page.fill("#track-list li:first-child input", "Opening");
  await page.fill('input[name="album_title"]', "Browser Album");
  await page.fill('input[name="gap"]', "0.5");
  await page.click("#submit");
  await page.waitForSelector('#job-title:has-text("Browser Album")');
  await page.waitForSelector('#job-state[data-state="done"]');
  const albumFiles = await page.$$eval("#file-list a", (as) => as.map((a) => a.textContent));
  const perTrack = albumFiles.filter((n) => /^spotify-0[123]_-_/.test(n));
  if (perTrack.length !== 3) problems.push(`album job lists ${perTrack.length} per-track files: ${albumFiles.join(", ")}`);
  if (!albumFiles.some((n) => n.startsWith("spotify-01_-_opening"))) problems.push(`the first track is not titled Opening: ${albumFiles.join(", ")}`);
  if (!albumFiles.some((n) => n.endsWith(".cue"))) problems.push("no CUE sheet listed");
  const album = { files: albumFiles.length, perTrack: perTrack.length };

  if (screenshot) {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: screenshot, fullPage: true });
  }
  console.log(JSON.stringify({ jobSeconds, report: { tables: report.tables, svgs: report.svgs }, decoded, ab, download: status, album, problems }));
} catch (e) {
  problems.push(String(e && e.stack || e));
  console.log(JSON.stringify({ problems }));
} finally {
  await browser.close();
}
process.exit(problems.length ? 1 : 0);
