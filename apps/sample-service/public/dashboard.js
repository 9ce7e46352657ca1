// The dashboard: no build step, no framework. It learns the nodes from GET /cluster (each node announces
// its HTTP address to the others over Baton's broadcast), polls every node's /status, listens to every
// node's /events (SSE), and reads the shared database's writes from GET /writes of any node that is up.
// It talks to every node directly (CORS), so it keeps working when the node that served it dies.

const POLL_MS = 500;
const TIMEOUT_MS = 700;
/** id -> { id, name, url, status, up, events } */
const nodes = new Map();
const origin = window.location.origin;

const $ = (selector) => document.querySelector(selector);

function element(tag, text, attributes = {}) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  return node;
}

async function getJson(url, init = {}) {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  return response.json();
}

function upNodes() {
  return [...nodes.values()].filter((node) => node.up);
}

function merge(list) {
  for (const known of list) {
    if (!known.id || !known.url) continue;
    const node = nodes.get(known.id);
    if (node) {
      node.name = known.name;
      node.url = known.url;
    } else {
      nodes.set(known.id, {
        id: known.id,
        name: known.name,
        url: known.url,
        status: null,
        up: false,
        events: null,
      });
      listen(nodes.get(known.id));
    }
  }
}

async function discover() {
  const sources = [origin, ...upNodes().map((node) => node.url)];
  for (const source of new Set(sources)) {
    try {
      merge((await getJson(`${source}/cluster`)).nodes);
    } catch {
      // that node is down; another one will answer
    }
  }
}

async function poll(node) {
  try {
    node.status = await getJson(`${node.url}/status`);
    node.up = true;
  } catch {
    node.up = false;
  }
}

function listen(node) {
  if (typeof EventSource === 'undefined') return;
  const events = new EventSource(`${node.url}/events`);
  node.events = events;
  events.addEventListener('leader', () => void poll(node).then(render));
  events.addEventListener('leadership', (message) => {
    try {
      feed(JSON.parse(message.data));
    } catch {
      // ignore a malformed event
    }
    void poll(node).then(render);
  });
}

function describe(record) {
  const name = record.nodeName;
  switch (record.event) {
    case 'became-leader':
      return `${name} became leader of term ${record.term}`;
    case 'lost-leadership':
      return `${name} lost leadership of term ${record.term} (${record.reason})`;
    case 'leader-changed':
      return `${name} sees leader ${record.leader ? nameOf(record.leader) : 'none'} in term ${record.term}`;
    case 'term-changed':
      return `${name}: term ${record.from} → ${record.term}`;
    case 'node-started':
      return `${name} started`;
    case 'node-stopping':
      return `${name} stopping (${record.signal})`;
    default:
      return null;
  }
}

const seen = new Set();
/** Records of every node, newest first, ordered by `mono` (one monotonic clock for the whole host). */
const feedItems = [];
function feed(record) {
  const text = describe(record);
  if (text === null) return;
  const key = `${record.pid}|${record.event}|${record.mono}`;
  if (seen.has(key)) return;
  seen.add(key);
  const mono = BigInt(record.mono);
  const at = feedItems.findIndex((item) => item.mono < mono);
  feedItems.splice(at === -1 ? feedItems.length : at, 0, { mono, record, text });
  feedItems.length = Math.min(feedItems.length, 60);
  $('#feed').replaceChildren(
    ...feedItems.map(({ record: r, text: t }) =>
      element('li', `${new Date(r.ts).toLocaleTimeString()}  ${t}`, { 'data-event': r.event }),
    ),
  );
}

function short(id) {
  return id ? `…${id.slice(-6)}` : null;
}

function nameOf(id) {
  if (!id) return '—';
  return nodes.get(id)?.name ?? short(id);
}

async function post(url) {
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(2000) });
  return response.json().catch(() => ({}));
}

function render() {
  const body = $('#nodes tbody');
  const rows = [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name));
  body.replaceChildren(
    ...rows.map((node) => {
      const status = node.status;
      const role = node.up && status ? (status.isLeader ? 'leader' : status.role) : 'down';
      const row = element('tr', undefined, {
        'data-node': node.name,
        'data-role': role,
        'data-term': node.up && status ? String(status.term) : '',
        'data-up': String(node.up),
      });
      if (!node.up) row.className = 'down';
      row.append(element('td', node.name), element('td', short(node.id), { class: 'mono', title: node.id }));
      const roleCell = element('td');
      roleCell.append(element('span', role, { class: `role role-${role}` }));
      row.append(roleCell);
      row.append(
        element('td', node.up && status ? status.term : '—'),
        element('td', node.up && status ? nameOf(status.leader) : '—'),
        element('td', node.up && status?.isLeader ? `${Math.round(status.leaseRemaining)} ms` : '—'),
        element('td', node.up && status ? status.peersConnected.length : '—'),
        element('td', node.up && status ? status.pid : '—', { class: 'mono' }),
      );
      const actions = element('td');
      const kill = element('button', 'Kill', {
        class: 'danger',
        'data-action': 'kill',
        'data-node': node.name,
      });
      const stop = element('button', 'Stop', { 'data-action': 'stop', 'data-node': node.name });
      kill.disabled = stop.disabled = !node.up;
      kill.addEventListener(
        'click',
        () =>
          void post(`${node.url}/admin/kill`)
            .then(() => poll(node))
            .then(render),
      );
      stop.addEventListener(
        'click',
        () =>
          void post(`${node.url}/admin/stop`)
            .then(() => poll(node))
            .then(render),
      );
      actions.append(kill, ' ', stop);
      row.append(actions);
      return row;
    }),
  );
  const self = [...nodes.values()].find((node) => node.url === origin);
  $('#origin').textContent = self ? `${self.name} (${origin})` : origin;
}

async function refreshWrites() {
  for (const source of [origin, ...upNodes().map((node) => node.url)]) {
    try {
      const data = await getJson(`${source}/writes`);
      $('#write-summary').textContent =
        `— ${data.accepted} accepted, ${data.rejected} refused, highest token ${data.highestToken}`;
      $('#writes tbody').replaceChildren(
        ...data.writes.map((write) => {
          const row = element('tr', undefined, { 'data-token': String(write.token) });
          row.append(
            element('td', write.seq),
            element('td', write.token),
            element('td', write.nodeName),
            element('td', new Date(write.writtenAt).toLocaleTimeString()),
            element('td', write.note),
          );
          return row;
        }),
      );
      $('#rejected tbody').replaceChildren(
        ...data.refusals.map((refused) => {
          const row = element('tr', undefined, { class: 'rejected' });
          row.append(
            element('td', refused.token),
            element('td', refused.highestToken),
            element('td', refused.nodeName),
            element('td', new Date(refused.rejectedAt).toLocaleTimeString()),
          );
          return row;
        }),
      );
      return;
    } catch {
      // try the next node
    }
  }
}

$('#stale-write').addEventListener('click', async () => {
  const target = upNodes()[0]?.url ?? origin;
  const result = await post(`${target}/admin/stale-write`).catch((error) => ({ reason: String(error) }));
  $('#stale-result').textContent = result.accepted
    ? `accepted?! token ${result.token}`
    : `refused: ${result.reason ?? 'no answer'}`;
  void refreshWrites();
});

async function tick() {
  await Promise.all([...nodes.values()].map(poll));
  render();
}

async function start() {
  await discover();
  await tick();
  await refreshWrites();
  setInterval(() => void tick(), POLL_MS);
  setInterval(() => void refreshWrites(), 1000);
  setInterval(() => void discover(), 2000);
}

void start();
