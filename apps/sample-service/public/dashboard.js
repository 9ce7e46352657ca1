// The dashboard: no build step, no framework. It learns the nodes from GET /cluster (each node announces
// its HTTP address to the others over Baton's broadcast), polls every node's /status, listens to every
// node's /events (SSE) for the leadership timeline, and reads the shared database's writes from GET /writes
// of any node that is up. It talks to every node directly (CORS), so it keeps working when the node that
// served it dies. Served by the demo launcher (apps/demo), it also finds GET /demo/replicas at its origin and
// offers to start one more replica and to stop one for good.
import { drawTimeline, Timeline } from './timeline.js';

const POLL_MS = 500;
const TIMEOUT_MS = 700;
/** How much of the past the timeline shows. */
const SPAN_MS = 60_000;
/** id -> { id, name, url, status, up, events, demoState } */
const nodes = new Map();
const origin = window.location.origin;
const timeline = new Timeline();
/** The host's monotonic clock (ns) as the latest /status read it, and when (`performance.now()`, ms). */
let clock = null;
/** The demo launcher's controls at this origin: null when a replica served this page. */
let demo = null;

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
      if (known.state) node.demoState = known.state;
    } else {
      nodes.set(known.id, {
        id: known.id,
        name: known.name,
        url: known.url,
        status: null,
        up: false,
        events: null,
        demoState: known.state ?? null,
      });
      listen(nodes.get(known.id));
    }
  }
}

async function discover() {
  if (demo !== null) {
    try {
      demo = await getJson(`${origin}/demo/replicas`);
      merge(demo.replicas.map((replica) => ({ ...replica, url: replica.url.replace(/\/$/, '') })));
    } catch {
      // the launcher is gone; the replicas may still answer
    }
  }
  const sources = [...(demo === null ? [origin] : []), ...upNodes().map((node) => node.url)];
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
    clock = { mono: BigInt(node.status.mono), at: performance.now() };
  } catch {
    if (node.up && node.status) timeline.down(node.id, node.status.pid, monoNow());
    node.up = false;
  }
}

/** The host's monotonic clock now (ns), from the latest status answer and the time elapsed since. */
function monoNow() {
  if (clock === null) return 0n;
  return clock.mono + BigInt(Math.round((performance.now() - clock.at) * 1e6));
}

function listen(node) {
  if (typeof EventSource === 'undefined') return;
  const events = new EventSource(`${node.url}/events`);
  node.events = events;
  events.addEventListener('leader', () => void poll(node).then(render));
  events.addEventListener('leadership', (message) => {
    let record;
    try {
      record = JSON.parse(message.data);
    } catch {
      return; // ignore a malformed event
    }
    if (!learn(record)) return;
    if (record.event !== 'lease') void poll(node).then(render);
  });
}

const seen = new Set();
/**
 * Adds a record to the timeline once (a reconnecting stream sends the recent ones again). The timeline shows
 * the cluster's leader (the default election); a record of another election group (`group`) is left out.
 */
function learn(entry) {
  if (entry.group !== undefined) return false;
  const key = `${entry.pid}|${entry.event}|${entry.mono}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return timeline.add(entry);
}

function short(id) {
  return id ? `…${id.slice(-6)}` : null;
}

function nameOf(id) {
  if (!id) return '—';
  return nodes.get(id)?.name ?? short(id);
}

/** POSTs and returns the JSON answer; an HTTP error becomes an Error with the server's `error` message. */
async function post(url) {
  const response = await fetch(url, { method: 'POST', signal: AbortSignal.timeout(5000) });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error ?? body.message ?? `${url}: HTTP ${response.status}`);
  return body;
}

/** Runs a control action, showing what it did or why it failed. */
function act(what, url, node) {
  const result = $('#control-result');
  result.className = 'note';
  result.textContent = `${what}…`;
  void post(url)
    .then(
      () => {
        result.textContent = `${what}: done`;
      },
      (error) => {
        result.className = 'note error';
        result.textContent = `${what}: ${error.message}`;
      },
    )
    .then(() => Promise.all([demo === null ? null : discover(), node ? poll(node) : null]))
    .then(render);
}

/** The configuration shown last: kept while no node answers (a busy machine can make every poll time out). */
let lastMembership = null;

/** The configuration as the leader sees it (or, with no leader, the newest any node reports). */
function membership() {
  const statuses = upNodes()
    .map((node) => node.status)
    .filter(Boolean);
  const leader = statuses.find((status) => status.isLeader);
  const newest = leader ?? statuses.sort((a, b) => b.membership.version - a.membership.version)[0];
  if (newest) lastMembership = { ...newest.membership, from: newest.nodeName };
  return lastMembership;
}

function renderMembership(config) {
  const box = $('#membership');
  if (!config) {
    box.replaceChildren(element('span', 'no node answers', { class: 'note' }));
    return;
  }
  box.dataset.version = String(config.version);
  box.dataset.voters = String(config.voters.length);
  box.dataset.observers = String(config.observers.length);
  const names = (ids) => ids.map(nameOf).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const chips = (ids, kind) =>
    names(ids).map((name) => element('span', name, { class: `chip chip-${kind}` }));
  const change = config.change
    ? element('span', `changing: ${JSON.stringify(config.change)}`, { class: 'note' })
    : element('span', '');
  box.replaceChildren(
    element('span', `configuration v${config.version}`, {
      class: 'version',
      title: `installed in term ${config.term}`,
    }),
    element('span', `${config.voters.length} voter${config.voters.length === 1 ? '' : 's'}`, {
      class: 'count',
    }),
    ...chips(config.voters, 'voter'),
    element('span', `${config.observers.length} observer${config.observers.length === 1 ? '' : 's'}`, {
      class: 'count',
    }),
    ...chips(config.observers, 'observer'),
    element('span', `(as ${config.from} sees it)`, { class: 'note' }),
    change,
  );
}

/**
 * Which replica leads which election group: the default election (the cluster's leader, the `default` job)
 * and every group the replicas report in `inspect().groups` (`reports`). A group no replica leads right now
 * (an election, a handover) shows who the replicas last saw lead it.
 */
function renderGroups() {
  const statuses = upNodes()
    .map((node) => node.status)
    .filter(Boolean);
  const names = new Set(['default']);
  for (const status of statuses) for (const name of Object.keys(status.groups ?? {})) names.add(name);
  const view = (status, name) => (name === 'default' ? status : status.groups?.[name]);
  $('#groups tbody').replaceChildren(
    ...[...names].sort().map((name) => {
      const holder = statuses.find((status) => view(status, name)?.isLeader);
      const seen = statuses.map((status) => view(status, name)).find((group) => group?.leader);
      const term = Math.max(0, ...statuses.map((status) => view(status, name)?.term ?? 0));
      const row = element('tr', undefined, {
        'data-group': name,
        'data-leader': holder?.nodeName ?? '',
        class: holder ? 'leader' : '',
      });
      row.append(
        element('td', name === 'default' ? 'default (the cluster’s leader)' : name),
        element('td', holder ? holder.nodeName : seen ? `${nameOf(seen.leader)}?` : 'none'),
        element('td', term),
        element('td', holder ? `${Math.round(view(holder, name).leaseRemaining)} ms` : '—'),
      );
      return row;
    }),
  );
}

function render() {
  const config = membership();
  renderMembership(config);
  renderGroups();
  const body = $('#nodes tbody');
  const rows = [...nodes.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true }));
  body.replaceChildren(
    ...rows.map((node) => {
      const status = node.status;
      const stopped = node.demoState === 'stopped';
      const role =
        node.up && status ? (status.isLeader ? 'leader' : status.role) : stopped ? 'stopped' : 'down';
      const member = !config
        ? '—'
        : config.voters.includes(node.id)
          ? 'voter'
          : config.observers.includes(node.id)
            ? 'observer'
            : '—';
      const row = element('tr', undefined, {
        'data-node': node.name,
        'data-role': role,
        'data-member': member,
        'data-term': node.up && status ? String(status.term) : '',
        'data-up': String(node.up),
      });
      if (!node.up) row.className = 'down';
      row.append(element('td', node.name), element('td', short(node.id), { class: 'mono', title: node.id }));
      const roleCell = element('td');
      roleCell.append(element('span', role, { class: `role role-${role}` }));
      const memberCell = element('td');
      memberCell.append(element('span', member, { class: `member member-${member}` }));
      row.append(roleCell, memberCell);
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
        title: 'SIGKILL: no handover, the lease must lapse',
      });
      const stop = element('button', 'Stop', {
        'data-action': 'stop',
        'data-node': node.name,
        title:
          demo === null
            ? 'graceful shutdown (SIGTERM): a leader hands over'
            : 'graceful shutdown (SIGTERM) for good: a leader hands over, the leader removes it from the voters',
      });
      kill.disabled = stop.disabled = !node.up;
      kill.addEventListener('click', () => act(`kill ${node.name}`, `${node.url}/admin/kill`, node));
      stop.addEventListener('click', () =>
        act(
          `stop ${node.name}`,
          demo === null
            ? `${node.url}/admin/stop`
            : `${origin}/demo/replicas/${encodeURIComponent(node.name)}/stop`,
          node,
        ),
      );
      actions.append(kill, ' ', stop);
      row.append(actions);
      return row;
    }),
  );
  const self = [...nodes.values()].find((node) => node.url === origin);
  $('#origin').textContent = self
    ? `${self.name} (${origin})`
    : demo
      ? `the demo launcher (${origin})`
      : origin;
}

function renderTimeline() {
  if (clock === null) return;
  drawTimeline(timeline, {
    container: $('#lanes'),
    axis: $('#axis'),
    table: $('#gaps tbody'),
    now: monoNow(),
    spanMs: SPAN_MS,
    nameOf: (id) => nodes.get(id)?.name,
  });
}

async function refreshWrites() {
  for (const source of [...(demo === null ? [origin] : []), ...upNodes().map((node) => node.url)]) {
    try {
      const data = await getJson(`${source}/writes`);
      const fences = Object.entries(data.fences ?? {})
        .map(([job, token]) => `${job} ${token}`)
        .join(', ');
      $('#write-summary').textContent =
        `— ${data.accepted} accepted, ${data.rejected} refused, highest token per job: ${fences || 'none yet'}`;
      $('#writes tbody').replaceChildren(
        ...data.writes.map((write) => {
          const row = element('tr', undefined, { 'data-token': String(write.token), 'data-job': write.job });
          row.append(
            element('td', write.seq),
            element('td', write.job),
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
            element('td', refused.job),
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
  try {
    demo = await getJson(`${origin}/demo/replicas`);
  } catch {
    demo = null; // served by a replica: no launcher to start or stop processes
  }
  document.body.classList.toggle('with-demo', demo !== null);
  $('#start-replica').addEventListener('click', () => act('start a replica', `${origin}/demo/replicas`));
  await discover();
  await tick();
  await refreshWrites();
  setInterval(() => void tick(), POLL_MS);
  setInterval(() => void refreshWrites(), 1000);
  setInterval(() => void discover(), 2000);
  setInterval(renderTimeline, 200);
}

void start();
