// The dashboard's page, style and script, shipped as strings in the compiled package: no file to
// copy at build time, nothing to fetch at run time (no CDN, no web font). The script builds every
// element with createElement/textContent and never parses data as markup.

/**
 * The page. `base` is the last segment of the page's own URL plus a slash (`''` at the root), so
 * that its links are relative and work below any global prefix, router module or proxy.
 */
export function dashboardHtml(base: string): string {
  const href = escapeAttribute(base);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<link rel="icon" href="data:,">
<title>Supervision tree</title>
<link rel="stylesheet" href="${href}assets/dashboard.css">
<script src="${href}assets/dashboard.js" defer></script>
</head>
<body>
<header>
  <h1>Supervision tree</h1>
  <span id="summary" class="summary"></span>
  <span id="actions-mode" class="pill"></span>
  <span id="status" class="pill status-connecting">connecting</span>
</header>
<main>
  <section aria-labelledby="tree-title">
    <h2 id="tree-title">Nodes</h2>
    <table id="tree">
      <thead><tr><th>node</th><th>state</th><th>pid</th><th class="num">restarts</th><th class="num">uptime</th><th>last error</th><th id="actions-head" hidden>actions</th></tr></thead>
      <tbody></tbody>
    </table>
    <p id="action-result" role="status" class="action-result"></p>
  </section>
  <section aria-labelledby="log-title">
    <h2 id="log-title">Events <span id="log-count" class="count"></span></h2>
    <form id="filters" class="filters">
      <label>type <select id="filter-type"><option value="">all types</option><option value="!problems">problems only</option></select></label>
      <label>path <input id="filter-path" type="search" placeholder="root/..." autocomplete="off" spellcheck="false"></label>
      <label class="check"><input id="filter-subtree" type="checkbox" checked> with subtree</label>
      <button id="filter-clear" type="button">clear filters</button>
    </form>
    <table id="log">
      <thead><tr><th class="num">seq</th><th>time</th><th>type</th><th>path</th><th>details</th></tr></thead>
      <tbody></tbody>
    </table>
  </section>
</main>
</body>
</html>
`;
}

function escapeAttribute(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const DASHBOARD_CSS: string = `:root {
  --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #667085; --line: #e3e6eb;
  --ok: #107a40; --ok-bg: #e3f5ea; --warn: #a15c00; --warn-bg: #fff1db; --bad: #b42318; --bad-bg: #fde7e5;
  --idle: #475467; --idle-bg: #eef0f3; --info: #1d4ed8; --info-bg: #e5edff;
  color-scheme: light;
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
header { display: flex; align-items: center; gap: 12px; padding: 12px 20px; background: var(--panel); border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 1; }
h1 { font-size: 17px; margin: 0 auto 0 0; }
h2 { font-size: 14px; margin: 0 0 8px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
main { padding: 16px 20px; display: grid; gap: 20px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; overflow-x: auto; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 10px 5px 0; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:last-child td { border-bottom: none; }
.mono, td.pid, td.seq, td.time, td.path { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
.summary, .count { color: var(--muted); font-size: 13px; font-weight: normal; text-transform: none; letter-spacing: 0; }
.pill { border-radius: 999px; padding: 2px 10px; font-size: 12px; background: var(--idle-bg); color: var(--idle); }
.pill:empty { display: none; }
.status-live { background: var(--ok-bg); color: var(--ok); }
.status-reconnecting { background: var(--warn-bg); color: var(--warn); }
.status-disconnected, .status-stopped { background: var(--bad-bg); color: var(--bad); }
.node { white-space: nowrap; }
.node button.name { all: unset; cursor: pointer; font-weight: 600; }
.node button.name:hover, .node button.name:focus-visible { text-decoration: underline; }
.kind { color: var(--muted); font-size: 12px; margin-left: 6px; }
.tree-line { color: #c0c6cf; font-family: ui-monospace, monospace; }
.badge { display: inline-block; white-space: nowrap; border-radius: 4px; padding: 0 7px; font-size: 12px; font-weight: 600; background: var(--idle-bg); color: var(--idle); }
.state-running, .type-started, .type-restarted { background: var(--ok-bg); color: var(--ok); }
.state-starting, .state-stopping, .type-starting, .type-stopping, .type-restart-scheduled { background: var(--info-bg); color: var(--info); }
.state-backoff, .state-terminated, .type-gave-up, .type-events-dropped, .type-exited { background: var(--warn-bg); color: var(--warn); }
.state-failed, .type-failed, .type-escalated, .type-tree-failed, .type-protocol-error { background: var(--bad-bg); color: var(--bad); }
td.error { color: var(--bad); max-width: 48ch; overflow-wrap: anywhere; }
tr.recovered td.error { color: var(--muted); }
td.details { color: var(--muted); overflow-wrap: anywhere; }
td.details .error-text { color: var(--bad); }
.filters { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; margin: 0 0 10px; color: var(--muted); }
.filters input[type=search] { width: 26ch; }
.filters select, .filters input, .filters button, td.actions button { font: inherit; padding: 3px 8px; border: 1px solid var(--line); border-radius: 5px; background: var(--panel); color: var(--ink); }
td.actions { white-space: nowrap; }
td.actions button { margin-right: 6px; cursor: pointer; }
td.actions button:hover { border-color: var(--muted); }
td.actions button.terminate { color: var(--bad); }
button:disabled { opacity: .5; cursor: progress; }
.action-result { margin: 8px 0 0; min-height: 1.4em; color: var(--muted); }
.action-result.failed { color: var(--bad); }
#log tbody tr[hidden] { display: none; }
`;

export const DASHBOARD_JS: string = String.raw`(function () {
  'use strict';
  var ACTION_HEADER = 'x-supertrees-dashboard';
  var PROBLEMS = ['failed', 'gave-up', 'escalated', 'tree-failed', 'events-dropped', 'protocol-error'];
  var BASE_FIELDS = ['type', 'seq', 'processSeq', 'timestamp', 'path', 'kind', 'pid', 'error'];
  var MAX_LOG_ROWS = 1000;
  // The dashboard's root, from this script's own URL (<root>/assets/dashboard.js), so the page can
  // be mounted anywhere.
  var ROOT = new URL('../', document.currentScript.src);

  var view = { tree: null, receivedAt: 0, bootId: null, actions: 'disabled', lastSeq: 0, rows: new Map(), order: '', typesFilled: false };

  function byId(id) { return document.getElementById(id); }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function setStatus(name) {
    var status = byId('status');
    status.textContent = name;
    status.className = 'pill status-' + name;
  }

  // ---- the tree --------------------------------------------------------------------------------
  function flatten(node, depth, out) {
    out.push({ node: node, depth: depth });
    (node.children || []).forEach(function (child) { flatten(child, depth + 1, out); });
    return out;
  }
  function formatUptime(ms) {
    if (ms === undefined || ms === null) return '';
    var s = Math.floor(ms / 1000);
    if (s < 60) return (ms / 1000).toFixed(1) + ' s';
    var m = Math.floor(s / 60);
    if (m < 60) return m + ' m ' + String(s % 60).padStart(2, '0') + ' s';
    var h = Math.floor(m / 60);
    if (h < 48) return h + ' h ' + String(m % 60).padStart(2, '0') + ' m';
    return Math.floor(h / 24) + ' d ' + (h % 24) + ' h';
  }
  function errorText(error) {
    return error ? (error.name ? error.name + ': ' : '') + error.message : '';
  }
  function makeRow(path) {
    var row = el('tr');
    row.dataset.path = path;
    var cells = {};
    ['node', 'state', 'pid', 'restarts num', 'uptime num', 'error'].forEach(function (name) {
      var cell = el('td', name);
      cells[name.split(' ')[0]] = cell;
      row.appendChild(cell);
    });
    var name = el('button', 'name');
    name.type = 'button';
    name.title = 'show the events of this node and its subtree';
    name.addEventListener('click', function () {
      byId('filter-path').value = path;
      byId('filter-subtree').checked = true;
      applyFilters();
    });
    cells.line = el('span', 'tree-line');
    cells.kind = el('span', 'kind');
    cells.node.appendChild(cells.line);
    cells.node.appendChild(name);
    cells.node.appendChild(cells.kind);
    cells.name = name;
    cells.badge = el('span', 'badge');
    cells.state.appendChild(cells.badge);
    if (view.actions === 'enabled') {
      cells.actions = el('td', 'actions');
      row.appendChild(cells.actions);
      if (path.indexOf('/') !== -1) {
        ['restart', 'terminate'].forEach(function (action) {
          var button = el('button', action, action);
          button.type = 'button';
          button.dataset.action = action;
          button.addEventListener('click', function () { act(action, path, button); });
          cells.actions.appendChild(button);
        });
      }
    }
    return { row: row, cells: cells, node: null };
  }
  function renderTree() {
    if (!view.tree) return;
    var body = byId('tree').tBodies[0];
    var flat = flatten(view.tree, 0, []);
    var order = flat.map(function (entry) { return entry.node.path; }).join('\n');
    var seen = new Set();
    var counts = {};
    flat.forEach(function (entry) {
      var node = entry.node;
      seen.add(node.path);
      counts[node.state] = (counts[node.state] || 0) + 1;
      var r = view.rows.get(node.path);
      if (!r) { r = makeRow(node.path); view.rows.set(node.path, r); }
      r.node = node;
      r.cells.line.textContent = entry.depth ? '\u2514\u2500 ' : '';
      r.cells.node.style.paddingLeft = Math.max(0, entry.depth - 1) * 22 + 'px';
      r.cells.name.textContent = node.name;
      r.cells.kind.textContent = node.kind === 'supervisor'
        ? (node.strategy || '') + (node.isolation === 'process' ? ', own process' : '')
        : 'worker';
      r.cells.badge.textContent = node.state;
      r.cells.badge.className = 'badge state-' + node.state;
      r.cells.pid.textContent = node.pid === undefined ? '' : String(node.pid);
      r.cells.restarts.textContent = String(node.restarts);
      r.cells.error.textContent = errorText(node.lastError);
      if (node.lastError && node.lastError.stack) r.cells.error.title = node.lastError.stack; else r.cells.error.removeAttribute('title');
      r.row.classList.toggle('recovered', node.state === 'running');
    });
    if (order !== view.order) {
      view.rows.forEach(function (r, path) { if (!seen.has(path)) { r.row.remove(); view.rows.delete(path); } });
      flat.forEach(function (entry) { body.appendChild(view.rows.get(entry.node.path).row); });
      view.order = order;
    }
    tickUptime();
    byId('summary').textContent = flat.length + ' nodes \u00b7 ' + Object.keys(counts).sort().map(function (state) {
      return counts[state] + ' ' + state;
    }).join(', ');
  }
  function tickUptime() {
    var elapsed = Date.now() - view.receivedAt;
    view.rows.forEach(function (r) {
      var node = r.node;
      r.cells.uptime.textContent = node && node.uptimeMs !== undefined ? formatUptime(node.uptimeMs + elapsed) : '';
    });
  }

  // ---- actions ---------------------------------------------------------------------------------
  function act(action, path, button) {
    var result = byId('action-result');
    button.disabled = true;
    result.className = 'action-result';
    result.textContent = action + ' ' + path + ' ...';
    var headers = {};
    headers[ACTION_HEADER] = '1';
    fetch(new URL('actions/' + action + '?path=' + encodeURIComponent(path), ROOT), { method: 'POST', headers: headers, credentials: 'same-origin' })
      .then(function (response) {
        return response.text().then(function (text) {
          if (response.ok) { result.textContent = action + ' ' + path + ': done'; return; }
          var message = text;
          try { message = JSON.parse(text).message || text; } catch (e) { /* not JSON: show it as it is */ }
          result.className = 'action-result failed';
          result.textContent = action + ' ' + path + ': ' + response.status + ' ' + message;
        });
      })
      .catch(function (error) {
        result.className = 'action-result failed';
        result.textContent = action + ' ' + path + ': ' + error.message;
      })
      .then(function () { button.disabled = false; });
  }
  function showActionsMode() {
    var labels = { enabled: 'actions on', disabled: 'actions off', unsupported: 'actions not supported by this version' };
    byId('actions-mode').textContent = labels[view.actions] || '';
    byId('actions-head').hidden = view.actions !== 'enabled';
  }

  // ---- the event log ---------------------------------------------------------------------------
  function details(event) {
    var parts = [];
    Object.keys(event).forEach(function (key) {
      if (BASE_FIELDS.indexOf(key) !== -1) return;
      var value = event[key];
      parts.push(key + '=' + (typeof value === 'object' ? JSON.stringify(value) : String(value)));
    });
    parts.push('pid=' + event.pid);
    return parts.join(' ');
  }
  function matches(row) {
    var type = byId('filter-type').value;
    var path = byId('filter-path').value.trim();
    var subtree = byId('filter-subtree').checked;
    var t = row.dataset.type;
    var p = row.dataset.path;
    if (type === '!problems' ? PROBLEMS.indexOf(t) === -1 : type && type !== t) return false;
    if (path && p !== path && !(subtree && p.indexOf(path + '/') === 0)) return false;
    return true;
  }
  function applyFilters() {
    var rows = byId('log').tBodies[0].rows;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var ok = matches(rows[i]);
      rows[i].hidden = !ok;
      if (ok) shown++;
    }
    byId('log-count').textContent = shown === rows.length ? rows.length + ' events' : shown + ' of ' + rows.length + ' events';
  }
  function addEvent(event, batch) {
    if (event.seq <= view.lastSeq) return;
    view.lastSeq = event.seq;
    var row = el('tr', 'event');
    row.dataset.type = event.type;
    row.dataset.path = event.path;
    row.dataset.seq = String(event.seq);
    row.appendChild(el('td', 'seq num', event.seq));
    row.appendChild(el('td', 'time', new Date(event.timestamp).toISOString().slice(11, 23)));
    var typeCell = el('td');
    typeCell.appendChild(el('span', 'badge type-' + event.type, event.type));
    row.appendChild(typeCell);
    row.appendChild(el('td', 'path', event.path));
    var detailCell = el('td', 'details');
    if (event.error) { detailCell.appendChild(el('span', 'error-text', errorText(event.error))); detailCell.appendChild(document.createTextNode(' ')); }
    detailCell.appendChild(document.createTextNode(details(event)));
    if (event.error && event.error.stack) detailCell.title = event.error.stack;
    row.appendChild(detailCell);
    row.hidden = !matches(row);
    var body = byId('log').tBodies[0];
    body.insertBefore(row, body.firstChild);
    while (body.rows.length > MAX_LOG_ROWS) body.deleteRow(body.rows.length - 1);
    if (!batch) applyFilters();
  }
  function fillTypes(types) {
    if (view.typesFilled) return;
    var select = byId('filter-type');
    types.forEach(function (type) { var option = el('option', '', type); option.value = type; select.appendChild(option); });
    view.typesFilled = true;
  }

  // ---- the live stream -------------------------------------------------------------------------
  function connect() {
    var source = new EventSource(new URL('stream', ROOT));
    source.addEventListener('open', function () { setStatus('live'); });
    source.addEventListener('error', function () { setStatus(source.readyState === 2 ? 'disconnected' : 'reconnecting'); });
    source.addEventListener('hello', function (message) {
      var hello = JSON.parse(message.data);
      if (view.bootId !== hello.bootId) {
        // A new server: its seq starts again from 1, and its tree may differ.
        byId('log').tBodies[0].replaceChildren();
        byId('tree').tBodies[0].replaceChildren();
        view.rows = new Map();
        view.order = '';
        view.lastSeq = 0;
        view.bootId = hello.bootId;
      }
      if (view.actions !== hello.actions) {
        view.actions = hello.actions;
        byId('tree').tBodies[0].replaceChildren();
        view.rows = new Map();
        view.order = '';
      }
      fillTypes(hello.eventTypes || []);
      showActionsMode();
    });
    source.addEventListener('history', function (message) {
      JSON.parse(message.data).forEach(function (event) { addEvent(event, true); });
      applyFilters();
    });
    source.addEventListener('snapshot', function (message) {
      var data = JSON.parse(message.data);
      view.tree = data.tree;
      view.receivedAt = Date.now();
      renderTree();
      document.body.dataset.ready = 'true';
    });
    source.addEventListener('event', function (message) { addEvent(JSON.parse(message.data), false); });
    source.addEventListener('closed', function () {
      // The application is closing: a reconnect would only find it gone.
      source.close();
      setStatus('stopped');
    });
  }

  byId('filter-type').addEventListener('change', applyFilters);
  byId('filter-path').addEventListener('input', applyFilters);
  byId('filter-subtree').addEventListener('change', applyFilters);
  byId('filters').addEventListener('submit', function (e) { e.preventDefault(); });
  byId('filter-clear').addEventListener('click', function () {
    byId('filter-type').value = '';
    byId('filter-path').value = '';
    byId('filter-subtree').checked = true;
    applyFilters();
  });
  setInterval(tickUptime, 1000);
  connect();
})();
`;
