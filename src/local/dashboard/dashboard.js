// streamcache-local's dashboard: polls /_local/stats every second and draws it with Chart.js.
'use strict';

const POLL_MS = 1000;
const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#d97706', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];
const MONITOR_METRICS = ['CacheEntriesChecked', 'CacheEntriesInconsistent'];
const charts = {};
let updates = 0;

const $ = (id) => document.getElementById(id);

function setValue(id, text, raw) {
  const el = $(id);
  el.textContent = text;
  el.dataset.value = raw === undefined || raw === null ? '' : String(raw);
}

function fmt(n, digits = 0) {
  return n === null || n === undefined ? '–' : Number(n).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function secondsLabels(n) {
  return Array.from({ length: n }, (_, i) => (i === n - 1 ? 'now' : `-${n - 1 - i}s`));
}

function fillTable(id, rows) {
  const body = $(id).tBodies[0];
  body.replaceChildren(...rows.map((cells) => {
    const tr = document.createElement('tr');
    for (const c of cells) {
      const td = document.createElement('td');
      td.textContent = c;
      tr.appendChild(td);
    }
    return tr;
  }));
}

function chart(id, config) {
  if (!charts[id]) {
    config.options = Object.assign({ animation: false, responsive: true, maintainAspectRatio: false }, config.options || {});
    charts[id] = new Chart($(id), config);
  }
  return charts[id];
}

function setDatasets(c, labels, datasets) {
  c.data.labels = labels;
  // Keep dataset objects by label, so Chart.js keeps their hidden state when the legend was used.
  c.data.datasets = datasets.map((d) => Object.assign(c.data.datasets.find((o) => o.label === d.label) || {}, d));
  c.update('none');
}

function drawRequests(s) {
  const routes = s.requests.routes;
  const labels = secondsLabels(s.windowSeconds);
  setDatasets(chart('chart-rps', { type: 'line', data: { datasets: [] }, options: { scales: { y: { beginAtZero: true } }, elements: { point: { radius: 0 } } } }),
    labels, routes.map((r, i) => ({ label: r.route, data: r.perSecond, borderColor: COLORS[i % COLORS.length], backgroundColor: COLORS[i % COLORS.length], tension: 0.2 })));
  const latency = [];
  routes.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    latency.push({ label: `${r.route} p50`, data: r.p50SeriesMs, borderColor: color, backgroundColor: color, spanGaps: true });
    latency.push({ label: `${r.route} p99`, data: r.p99SeriesMs, borderColor: color, backgroundColor: color, borderDash: [6, 4], spanGaps: true });
  });
  setDatasets(chart('chart-latency', { type: 'line', data: { datasets: [] }, options: { scales: { y: { beginAtZero: true } }, elements: { point: { radius: 0 } } } }), labels, latency);

  const last5 = routes.reduce((sum, r) => sum + r.perSecond.slice(-6, -1).reduce((a, b) => a + b, 0), 0) / 5;
  setValue('total-requests', fmt(s.requests.total), s.requests.total);
  setValue('rps', fmt(last5, 1), last5);
  $('routes-count').textContent = `${routes.length} route${routes.length === 1 ? '' : 's'}`;
  $('status-classes').textContent = Object.entries(s.requests.statusClasses).map(([k, v]) => `${k}: ${v}`).join('  ');
  fillTable('routes', routes.map((r) => [r.route, fmt(r.total), fmt(r.p50Ms, 2), fmt(r.p99Ms, 2)]));
}

function drawCache(s) {
  const c = s.cache;
  const parts = [['hit', c.hit], ['fwd=miss; stored', c.missStored], ['fwd=miss', c.miss], ['cache-unavailable', c.unavailable], ['no Cache-Status', c.noCacheStatus]];
  setDatasets(chart('chart-cache', { type: 'doughnut', data: { datasets: [] }, options: { plugins: { legend: { position: 'right' } } } }),
    parts.map((p) => p[0]), [{ label: 'answers', data: parts.map((p) => p[1]), backgroundColor: ['#16a34a', '#2563eb', '#93c5fd', '#dc2626', '#d1d5db'] }]);
  setValue('hit-ratio', c.hitRatio === null ? '–' : `${fmt(c.hitRatio * 100, 1)}%`, c.hitRatio);
  $('cache-lookups').textContent = `${fmt(c.hit)} hits of ${fmt(c.lookups)} cached reads`;
}

function drawFunctions(s) {
  const names = Object.keys(s.functions);
  const longest = Math.max(0, ...names.map((n) => s.functions[n].initDurationsMs.length));
  setDatasets(chart('chart-cold', { type: 'bar', data: { datasets: [] }, options: { scales: { y: { beginAtZero: true } } } }),
    Array.from({ length: longest }, (_, i) => `#${i + 1}`),
    names.map((n, i) => ({ label: n, data: s.functions[n].initDurationsMs, backgroundColor: COLORS[i % COLORS.length] })));
  const cold = names.reduce((sum, n) => sum + s.functions[n].coldStarts, 0);
  const inits = names.flatMap((n) => s.functions[n].initDurationsMs);
  setValue('cold-starts', fmt(cold), cold);
  $('init-duration').textContent = inits.length ? `Init Duration last ${fmt(inits[inits.length - 1], 1)} ms, max ${fmt(Math.max(...inits), 1)} ms` : '';

  const rows = [];
  let checked = null;
  let inconsistent = null;
  for (const n of names) {
    for (const [metric, sum] of Object.entries(s.functions[n].emf)) {
      rows.push([n, metric, fmt(sum, 2)]);
      if (metric === MONITOR_METRICS[0]) checked = (checked || 0) + sum;
      if (metric === MONITOR_METRICS[1]) inconsistent = (inconsistent || 0) + sum;
    }
  }
  fillTable('emf', rows);
  setValue('monitor-inconsistent', checked === null ? 'no runs' : fmt(inconsistent || 0), inconsistent);
  $('monitor-inconsistent').classList.toggle('warning', (inconsistent || 0) > 0);
  $('monitor-checked').textContent = checked === null ? 'no CacheEntriesChecked metric yet' : `of ${fmt(checked)} entries checked`;
  // The monitor's two metrics per function, else every function's EMF counters of the last runs.
  const monitorFns = names.filter((n) => MONITOR_METRICS.some((m) => m in s.functions[n].emf));
  const shown = monitorFns.length ? monitorFns : names;
  const metrics = monitorFns.length ? MONITOR_METRICS : [...new Set(shown.flatMap((n) => Object.keys(s.functions[n].emf)))].slice(0, 8);
  setDatasets(chart('chart-monitor', { type: 'bar', data: { datasets: [] }, options: { indexAxis: 'y' } }),
    metrics, shown.map((n, i) => ({ label: n, data: metrics.map((m) => s.functions[n].emf[m] || 0), backgroundColor: COLORS[i % COLORS.length] })));
}

function drawStream(s) {
  const st = s.stream;
  setDatasets(chart('chart-stream', {
    type: 'bar', data: { datasets: [] },
    options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, title: { display: true, text: 'batches' } }, lag: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false }, title: { display: true, text: 'lag ms' } } } },
  }), secondsLabels(s.windowSeconds), [
    { label: 'delivered', data: st.deliveredPerSecond, backgroundColor: '#16a34a', stack: 'b' },
    { label: 'retried', data: st.retriedPerSecond, backgroundColor: '#d97706', stack: 'b' },
    { label: 'failed', data: st.failedPerSecond, backgroundColor: '#dc2626', stack: 'b' },
    { label: 'lag (ms)', data: st.lagSeriesMs, type: 'line', yAxisID: 'lag', borderColor: '#7c3aed', backgroundColor: '#7c3aed', spanGaps: true, pointRadius: 0 },
  ]);
  setValue('stream-lag', st.lagMs === null ? '–' : `${fmt(st.lagMs)} ms`, st.lagMs);
  $('stream-batches').textContent = `${fmt(st.batches)} batches, ${fmt(st.recordsDelivered)} records`;
  fillTable('stream', [['batches', fmt(st.batches)], ['records delivered', fmt(st.recordsDelivered)], ['retried (batches)', fmt(st.retried)],
    ['failed: to the on-failure file (batches)', fmt(st.failed)], ['records discarded', fmt(st.recordsDiscarded)], ['redriven (batches, ./dev redrive)', fmt(st.redriven)]]);
}

function drawTraces(s) {
  const box = $('traces');
  const ids = s.traces.map((t) => t.traceId);
  if (!ids.length) return;
  if (box.dataset.ids === ids.join(',')) return;  // nothing new
  box.dataset.ids = ids.join(',');
  for (const key of Object.keys(charts)) {
    if (key.startsWith('trace-')) { charts[key].destroy(); delete charts[key]; }
  }
  box.replaceChildren();
  s.traces.forEach((t, n) => {
    const div = document.createElement('div');
    div.className = 'trace';
    div.dataset.traceId = t.traceId;
    const h = document.createElement('h3');
    h.textContent = `${t.traceId} — ${fmt(t.durationMs, 1)} ms, ${t.spans.length} segments`;
    const holder = document.createElement('div');
    holder.className = 'chart';
    holder.style.height = `${Math.max(80, 26 * t.spans.length + 40)}px`;
    const canvas = document.createElement('canvas');
    canvas.id = `trace-${n}`;
    holder.appendChild(canvas);
    div.append(h, holder);
    box.appendChild(div);
    const labels = t.spans.map((sp) => `${'  '.repeat(sp.depth)}${sp.name}`);
    chart(canvas.id, {
      type: 'bar',
      data: { labels, datasets: [{ label: 'ms from the trace start', data: t.spans.map((sp) => [sp.startMs, Math.max(sp.endMs, sp.startMs + 0.01)]), backgroundColor: t.spans.map((sp) => COLORS[sp.depth % COLORS.length]) }] },
      options: {
        indexAxis: 'y', plugins: { legend: { display: false }, tooltip: { callbacks: { label: (ctx) => { const sp = t.spans[ctx.dataIndex]; return `${fmt(sp.startMs, 2)}–${fmt(sp.endMs, 2)} ms ${sp.annotations ? JSON.stringify(sp.annotations) : ''}`; } } } },
        scales: { x: { beginAtZero: true, title: { display: true, text: 'ms' } } },
      },
    });
  });
}

async function poll() {
  try {
    const response = await fetch('/_local/stats', { cache: 'no-store' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const s = await response.json();
    drawRequests(s);
    drawCache(s);
    drawFunctions(s);
    drawStream(s);
    drawTraces(s);
    updates += 1;
    document.body.dataset.updates = String(updates);
    $('status').textContent = `live · updated ${new Date(s.timeEpochMs).toLocaleTimeString()}`;
    $('status').classList.remove('down');
  } catch (e) {
    $('status').textContent = `stack not answering (${e.message}); retrying`;
    $('status').classList.add('down');
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

if (typeof Chart === 'undefined') {
  $('missing').textContent = window.STREAMCACHE_MISSING_ASSET || 'Chart.js did not load';
} else {
  poll();
}
