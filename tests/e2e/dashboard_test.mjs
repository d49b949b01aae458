// The live dashboard end to end: a local stack of its own (tools/local-stack.sh, as `./dev run
// --detach` starts it) on free ports, a seeded load with a known mix (PUTs, then GETs of those ids
// and of ids that never existed), and headless Chromium (Debian's, driven by playwright-core)
// showing /_local. The page must show the load's request count and the hit ratio the load saw in
// its Cache-Status headers (at most the mix's 2/3), the stream's records, a cold start, and a
// traced miss (the stack's own X-Ray segments in traces.jsonl) as a waterfall. A screenshot is kept in the log directory.
//
//   node tests/e2e/dashboard_test.mjs --source DIR --build-dir DIR --log-dir DIR [--seed N]
// Exit codes: 0 passed, 1 failed, 77 skipped (no chromium or no playwright-core: ./dev setup).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    source: { type: 'string' }, 'build-dir': { type: 'string' }, 'log-dir': { type: 'string' },
    seed: { type: 'string', default: '17' }, chromium: { type: 'string', default: '/usr/bin/chromium' },
  },
});
for (const required of ['source', 'build-dir', 'log-dir']) {
  if (!args[required]) { console.error(`--${required} is required`); process.exit(2); }
}
const SKIP = 77;
const seed = Number(args.seed);
const logDir = path.resolve(args['log-dir']);
const stackScript = path.join(args.source, 'tools/local-stack.sh');

if (!existsSync(args.chromium)) {
  console.log(`SKIP: ${args.chromium} not found (./dev test installs Debian's chromium)`);
  process.exit(SKIP);
}
let chromium;
try {
  ({ chromium } = createRequire(path.join(args.source, 'tools/dashboard/package.json'))('playwright-core'));
} catch (e) {
  console.log(`SKIP: playwright-core is not installed in tools/dashboard (./dev setup runs npm ci): ${e.message}`);
  process.exit(SKIP);
}

// The load: PUTS new ids, each read twice (hits: the PUT wrote through), and MISSING ids that
// never existed, each read once (misses that store a negative entry). Known mix: 2/3 hits.
const PUTS = 12;
const MISSING = 12;
const EXPECTED_RATIO = (2 * PUTS) / (2 * PUTS + MISSING);
const PACE_MS = 40;  // spreads the load over a few seconds, so the page sees it while it runs

function mulberry32(a) {
  return () => {
    a |= 0; a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Polls `probe` until it returns a truthy value or the deadline passes.
async function until(what, probe, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    last = await probe();
    if (last && last.ok !== false) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last && last.detail ? `: ${last.detail}` : ''}`);
    await pause(200);
  }
}

const failures = [];
function check(condition, message) {
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${message}`);
  if (!condition) failures.push(message);
}

// An X-Ray trace as the local receiver writes it: a segment with nested subsegments, and one
// subsegment sent on its own (type "subsegment", parent_id).
// The segment documents the stack recorded for one trace: its function segment and subsegments.
function traceDocuments(file, traceId) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').flatMap((l) => {
    try { return [JSON.parse(l)]; } catch { return []; }  // a line being written
  }).filter((d) => d.trace_id === traceId);
}

// The trace of the invocation that called DynamoDB for `itemId`, once recorded.
function traceOfItem(file, itemId) {
  if (!existsSync(file)) return null;
  for (const line of readFileSync(file, 'utf8').split('\n').reverse()) {
    try {
      const d = JSON.parse(line);
      if (d.name === 'DynamoDB' && d.annotations && d.annotations.item_id === itemId) return d.trace_id;
    } catch { /* a line being written */ }
  }
  return null;
}

async function runLoad(base, random) {
  const ids = Array.from({ length: PUTS }, (_, i) => `dash-${seed}-${i}`);
  const seen = { requests: 0, hits: 0, lookups: 0, statuses: {} };
  const send = async (method, target, body) => {
    const response = await fetch(base + target, {
      method, body: body && JSON.stringify(body), headers: body ? { 'content-type': 'application/json' } : {},
    });
    await response.arrayBuffer();
    seen.requests += 1;
    seen.statuses[response.status] = (seen.statuses[response.status] || 0) + 1;
    const cache = response.headers.get('cache-status');
    if (cache) {
      seen.lookups += 1;
      if (/;\s*hit\b/.test(cache)) seen.hits += 1;
    }
    await pause(PACE_MS);
    return response.status;
  };
  for (const id of ids) {
    const status = await send('PUT', `/items/${id}`, { name: `dashboard item ${id}`, price: Math.round(random() * 10000) / 100 });
    if (status !== 201) throw new Error(`PUT /items/${id}: ${status}`);
  }
  const reads = [...ids, ...ids, ...Array.from({ length: MISSING }, (_, i) => `missing-${seed}-${i}`)];
  for (let i = reads.length - 1; i > 0; i -= 1) {  // seeded shuffle
    const j = Math.floor(random() * (i + 1));
    [reads[i], reads[j]] = [reads[j], reads[i]];
  }
  for (const id of reads) await send('GET', `/items/${id}`);
  return seen;
}

function stack(command, extra = []) {
  const result = spawnSync('bash', [stackScript, command, '--state-dir', logDir, ...extra], { encoding: 'utf8', timeout: 300000 });
  return { status: result.status, output: `${result.stdout || ''}${result.stderr || ''}` };
}

async function main() {
  rmSync(logDir, { recursive: true, force: true });
  mkdirSync(logDir, { recursive: true });
  const [apiPort, dynamodbPort, redisPort] = [await freePort(), await freePort(), await freePort()];
  const base = `http://127.0.0.1:${apiPort}`;
  let browser;
  try {
    const started = stack('run', ['--detach', '--api-port', `${apiPort}`, '--dynamodb-port', `${dynamodbPort}`,
      '--redis-port', `${redisPort}`, '--build-dir', args['build-dir']]);
    if (started.status !== 0) throw new Error(`the local stack did not start:\n${started.output}`);

    browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage({ viewport: { width: 1600, height: 1250 } });
    page.on('console', (m) => { if (m.type() === 'error') console.log(`browser console: ${m.text()}`); });
    page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
    await page.goto(`${base}/_local`);
    await until('the page to show its first poll', () => page.evaluate(() => Number(document.body.dataset.updates || 0) > 0));
    check(await page.evaluate(() => typeof Chart === 'function'), 'Chart.js is loaded (the pinned library compiled into streamcache-local)');

    // The load runs while the page polls; the page is read while it runs and after it ends.
    const load = runLoad(base, mulberry32(seed));
    const during = await until('the page to show requests while the load runs',
      () => page.evaluate(() => Number(document.getElementById('total-requests').dataset.value || 0)));
    const seen = await load;
    console.log(`load: ${seen.requests} requests, statuses ${JSON.stringify(seen.statuses)}, ${seen.hits} hits of ${seen.lookups} cached reads; the page showed ${during} while it ran`);
    check(seen.lookups === 2 * PUTS + MISSING, `every GET had a Cache-Status (${seen.lookups})`);
    check(seen.hits <= 2 * PUTS, `hits within the known mix (${seen.hits} <= ${2 * PUTS})`);

    const shown = await until('the page to show the whole load', () => page.evaluate((n) => {
      const value = (id) => document.getElementById(id).dataset.value;
      const total = Number(value('total-requests'));
      return { ok: total === n, detail: `total ${total}`, total, ratio: Number(value('hit-ratio')), ratioText: document.getElementById('hit-ratio').textContent,
        cold: Number(value('cold-starts')), routes: [...document.querySelectorAll('#routes tbody tr td:first-child')].map((td) => td.textContent) };
    }, seen.requests));
    const observed = seen.hits / seen.lookups;
    check(shown.total === 2 * PUTS + MISSING + PUTS, `request count ${shown.total} is the load's ${seen.requests}`);
    check(Math.abs(shown.ratio - observed) < 0.001, `hit ratio ${shown.ratioText} is the load's ${(observed * 100).toFixed(1)}%`);
    check(shown.ratio <= EXPECTED_RATIO + 0.001 && shown.ratio > 0, `hit ratio within the load's mix (0, ${(EXPECTED_RATIO * 100).toFixed(1)}%]`);
    check(shown.ratioText === `${(observed * 100).toFixed(1)}%`, `hit ratio text "${shown.ratioText}"`);
    check(shown.cold >= 1, `cold starts shown (${shown.cold})`);
    check(shown.routes.includes('PUT /items/{id}') && shown.routes.includes('GET /items/{id}'), `routes ${JSON.stringify(shown.routes)}`);

    // The stream delivers one record per PUT; the API's EMF CacheHits is what the load saw.
    const stats = await until('the stream to deliver the PUTs', async () => {
      const s = await (await fetch(`${base}/_local/stats`)).json();
      return { ok: s.stream.recordsDelivered >= PUTS, detail: `${s.stream.recordsDelivered} records`, s };
    });
    check(stats.s.stream.recordsDelivered === PUTS, `stream records delivered ${stats.s.stream.recordsDelivered} = ${PUTS} PUTs`);
    const apiEmf = Object.values(stats.s.functions).find((f) => 'CacheHits' in f.emf);
    check(apiEmf && Math.round(apiEmf.emf.CacheHits) === seen.hits, `the API's EMF CacheHits ${apiEmf && apiEmf.emf.CacheHits} = the load's hits ${seen.hits}`);
    const streamText = await until('the page to show the stream', () => page.evaluate((n) => {
      const t = document.getElementById('stream-batches').textContent;
      return t.includes(`${n} records`) && t;
    }, PUTS));
    check(true, `stream tile "${streamText}"`);

    // A miss after the load, traced end to end by the stack (Redis, DynamoDB, the negative fill):
    // the page draws the stack's own segments for it, function segment first.
    const missId = `dash-${seed}-traced-miss`;
    check((await fetch(`${base}/items/${missId}`)).status === 404, `GET of ${missId} is 404`);
    const tracesFile = path.join(logDir, 'traces.jsonl');
    const traceId = (await until('the traced miss in traces.jsonl', () => {
      const id = traceOfItem(tracesFile, missId);
      return { ok: id !== null, id };
    })).id;
    const docs = await until('every segment of the miss', () => {
      const d = traceDocuments(tracesFile, traceId);
      return { ok: d.some((x) => !x.parent_id || x.type !== 'subsegment') && d.length >= 3, detail: `${d.length} documents`, d };
    });
    const trace = await until('the traced miss as a waterfall', () => page.evaluate((id) => {
      const div = document.querySelector(`#traces .trace[data-trace-id="${id}"]`);
      if (!div) return false;
      const canvas = div.querySelector('canvas');
      const chart = canvas && Chart.getChart(canvas);
      return chart && { labels: chart.data.labels.map((l) => l.trim()), bars: chart.data.datasets[0].data };
    }, traceId));
    const root = docs.d.find((x) => x.type !== 'subsegment');
    check(trace.labels.length === docs.d.length && trace.labels[0] === root.name,
      `trace waterfall rows ${JSON.stringify(trace.labels)} are the ${docs.d.length} recorded segments, ${root.name} first`);
    check(trace.labels.includes('DynamoDB') && trace.labels.includes('Redis'),
      'the miss shows its Redis and DynamoDB calls');
    check(trace.bars[0][0] === 0, `trace bars from the trace start (${JSON.stringify(trace.bars)})`);

    // One more poll after the checks, so the screenshot shows every panel drawn.
    const polls = await page.evaluate(() => Number(document.body.dataset.updates));
    await until('one more poll', () => page.evaluate((n) => Number(document.body.dataset.updates) > n, polls));
    await page.screenshot({ path: path.join(logDir, 'dashboard.png'), fullPage: true });
    console.log(`screenshot: ${path.join(logDir, 'dashboard.png')}`);
  } catch (e) {
    failures.push(e.message);
    console.log(`FAIL ${e.message}`);
    const log = path.join(logDir, 'logs', 'local.log');
    if (existsSync(log)) console.log(`--- streamcache-local log (tail) ---\n${readFileSync(log, 'utf8').slice(-4000)}`);
  } finally {
    if (browser) await browser.close();
    const stopped = stack('stop');
    if (stopped.status !== 0) failures.push(`stopping the stack: ${stopped.output}`);
  }
  console.log(failures.length ? `${failures.length} check(s) failed` : 'dashboard e2e: all checks passed');
  process.exit(failures.length ? 1 : 0);
}

main();
