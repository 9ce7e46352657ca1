// The demo as a user runs it: the launcher starts 3 replica processes; headless Chromium (Debian's
// `chromium`, driven by playwright-core) loads the dashboard, sees exactly one leader, clicks "Kill" on it and
// sees a new leader with a higher term. Then Ctrl-C (SIGINT) to the launcher must leave no process behind.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const LAUNCHER = fileURLToPath(new URL('../demo.mjs', import.meta.url));
const CHROMIUM_CANDIDATES = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'];
const chromiumPath = CHROMIUM_CANDIDATES.find((path) => path && existsSync(path));

if (!chromiumPath) {
  const message =
    '!!! Chromium not found (tried $CHROMIUM_PATH, /usr/bin/chromium, /usr/bin/chromium-browser): the browser ' +
    'test of the dashboard is SKIPPED. Install it with `apt-get install -y chromium` (.ci/run does).';
  if (process.env.CI) throw new Error(`${message} In CI this is an error.`);
  console.warn(`\n${'!'.repeat(100)}\n${message}\n${'!'.repeat(100)}\n`);
}

function portFree(port) {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A base port whose base..base+count are all free now. */
async function freeBase(count, avoid = []) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count + 1 }, (_, i) => base + i);
    if (ports.some((port) => avoid.includes(port))) continue;
    if ((await Promise.all(ports.map(portFree))).every(Boolean)) return base;
  }
  throw new Error('no free port range found');
}

async function waitFor(what, probe, timeoutMs = 30_000, everyMs = 100) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Processes whose environment names `marker` (the replicas get the data directory in DATA_DIR). */
function processesWith(marker) {
  const found = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) found.push(Number(entry));
    } catch {
      // gone, or not ours to read
    }
  }
  return found;
}

const dataDir = mkdtempSync(join(tmpdir(), 'baton-demo-test-'));
let launcher;
let output = '';
let exit;
let httpBase;

const pids = () => [...output.matchAll(/started: pid (\d+)/g)].map((match) => Number(match[1]));

beforeAll(async () => {
  // 3 replicas, 2 started from the dashboard, and the dashboard itself on the base port.
  httpBase = await freeBase(5);
  const used = [0, 1, 2, 3, 4, 5].map((i) => httpBase + i);
  const p2pBase = await freeBase(5, used);
  launcher = spawn(
    process.execPath,
    [
      LAUNCHER,
      '--replicas',
      '3',
      '--http-port',
      String(httpBase),
      '--p2p-port',
      String(p2pBase),
      '--data-dir',
      dataDir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  launcher.stdout.on('data', (chunk) => {
    output += chunk;
  });
  launcher.stderr.on('data', (chunk) => {
    output += chunk;
  });
  exit = new Promise((resolve) => launcher.once('exit', (code, signal) => resolve({ code, signal })));
  await waitFor(
    'three replicas up and a leader',
    () => {
      const up = output.match(/ is up: /g)?.length ?? 0;
      return up >= 3 && /is the leader, term \d+/.test(output);
    },
    50_000,
  );
});

let browser;
let page;
let profile;

afterAll(async () => {
  await browser?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
  if (launcher && launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
  for (const pid of pids()) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs `body`; when it throws, the error also shows the launcher's last lines. */
async function withLauncherOutput(body) {
  try {
    await body();
  } catch (error) {
    error.message += `\n--- the launcher's last output:\n${output.slice(-4000)}`;
    const logs = join(dataDir, 'logs');
    for (const file of existsSync(logs) ? readdirSync(logs) : []) {
      const lines = readFileSync(join(logs, file), 'utf8')
        .split('\n')
        .filter((line) => line !== '' && !line.includes('"event":"lease"'));
      error.message += `\n--- ${file}, last lines:\n${lines.slice(-8).join('\n')}`;
    }
    throw error;
  }
}

/** The membership box as the page shows it now. */
const membership = () =>
  page.evaluate(() => {
    const box = document.querySelector('#membership');
    return { version: Number(box.dataset.version), voters: Number(box.dataset.voters) };
  });

describe('the demo', () => {
  it.skipIf(!chromiumPath)(
    'dashboard (served by the launcher): 3 voters formed with no voter list',
    async () => {
      const { chromium } = await import('playwright-core');
      profile = mkdtempSync(join(tmpdir(), 'baton-chromium-'));
      // A fresh profile per run (playwright's own --user-data-dir: a persistent context).
      browser = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
        timeout: 30_000,
      });
      page = await browser.newPage();
      page.setDefaultTimeout(30_000);
      await page.goto(`http://127.0.0.1:${httpBase}/`);

      // Every node shown, all up, exactly one of them leading, all three voters (read in the same frame: the
      // table is re-rendered every poll).
      const shown = await page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('#nodes tbody tr')];
        const leaders = rows.filter((row) => row.dataset.role === 'leader');
        if (rows.length !== 3 || !rows.every((row) => row.dataset.up === 'true') || leaders.length !== 1) {
          return null;
        }
        if (!rows.every((row) => row.dataset.member === 'voter')) return null;
        return { name: leaders[0].dataset.node, term: Number(leaders[0].dataset.term) };
      });
      const first = await shown.jsonValue();
      expect((await membership()).voters).toBe(3);
      expect((await membership()).version).toBeGreaterThanOrEqual(1);
      // The job writes with the leader's token, and the page shows it.
      await page.waitForFunction(
        (term) =>
          [...document.querySelectorAll('#writes tbody tr')].some(
            (row) => row.dataset.job === 'default' && Number(row.dataset.token) >= term,
          ),
        first.term,
      );
      // Its lease is on the timeline, in its lane, labelled with its term.
      await page.waitForSelector(`#lanes .lane[data-node="${first.name}"] .bar[data-term="${first.term}"]`);
      // The second job's election group has a leader, shown in the groups table, and its job writes.
      await page.waitForFunction(() =>
        ['default', 'reports'].every(
          (group) => document.querySelector(`#groups tbody tr[data-group="${group}"]`)?.dataset.leader,
        ),
      );
      await page.waitForSelector('#writes tbody tr[data-job="reports"]');
    },
  );

  it.skipIf(!chromiumPath)(
    '"Start a replica" twice: each joins as an observer, then becomes a voter',
    async () => {
      expect(page, 'the dashboard of the first test').toBeDefined();
      const before = await membership();
      // Note every member state each row shows, at a rate well above the dashboard's 500 ms polling.
      await page.evaluate(() => {
        window.seenMember = {};
        setInterval(() => {
          for (const row of document.querySelectorAll('#nodes tbody tr')) {
            const name = row.dataset.node;
            window.seenMember[name] = window.seenMember[name] ?? [];
            const seen = window.seenMember[name];
            if (seen.at(-1) !== row.dataset.member) seen.push(row.dataset.member);
          }
        }, 50);
      });
      for (const name of ['node-4', 'node-5']) {
        await page.click('#start-replica');
        await page.waitForFunction(
          (node) => document.querySelector(`#nodes tbody tr[data-node="${node}"][data-member="voter"]`),
          name,
        );
        await waitFor(`the launcher to start ${name}`, () =>
          output.includes(`${name} added from the dashboard`),
        );
      }
      await page.waitForFunction(() => document.querySelector('#membership').dataset.voters === '5');
      // The sampler runs every 50 ms: wait for it to have noted what the page shows now.
      await page.waitForFunction(() =>
        ['node-4', 'node-5'].every((name) => window.seenMember[name]?.at(-1) === 'voter'),
      );
      const seen = await page.evaluate(() => window.seenMember);
      console.log(`member states shown: ${JSON.stringify(seen)}`);
      for (const name of ['node-4', 'node-5']) {
        // In order, whatever a slow poll showed in between: never a member, then an observer, then a voter.
        const states = seen[name].filter((state, i, all) => state !== '—' && state !== all[i - 1]);
        expect(states.slice(0, 2)).toEqual(['observer', 'voter']);
      }
      const after = await membership();
      expect(after.version).toBeGreaterThanOrEqual(before.version + 2);
      // The control endpoint names what it cannot do.
      const refused = await fetch(`http://127.0.0.1:${httpBase}/demo/replicas/node-42/stop`, {
        method: 'POST',
      });
      expect(refused.status).toBe(404);
      expect((await refused.json()).error).toMatch(/node-42.*no such replica/);
    },
  );

  it.skipIf(!chromiumPath)(
    '"Kill" on the leader: a new leader, its lease on the timeline, the gap in ms; still 5 voters',
    async () => {
      expect(page, 'the dashboard of the first test').toBeDefined();
      // Click "Kill" on the row that leads now, reading its name and term in the same frame.
      const before = await page.evaluate(() => {
        const row = document.querySelector('#nodes tbody tr[data-role="leader"]');
        if (!row) return null;
        row.querySelector('button[data-action="kill"]').click();
        return { name: row.dataset.node, term: Number(row.dataset.term) };
      });
      expect(before, 'a leader row to click').not.toBeNull();

      const after = await page.waitForFunction(
        (term) => {
          const leaders = [...document.querySelectorAll('#nodes tbody tr[data-role="leader"]')];
          if (leaders.length !== 1) return null;
          const row = leaders[0];
          return Number(row.dataset.term) > term
            ? { name: row.dataset.node, term: Number(row.dataset.term) }
            : null;
        },
        before.term,
        { timeout: 30_000, polling: 100 },
      );
      const next = await after.jsonValue();
      expect(next.term).toBeGreaterThan(before.term);
      await page.waitForFunction(
        (term) =>
          [...document.querySelectorAll('#writes tbody tr')].some(
            (row) => row.dataset.job === 'default' && Number(row.dataset.token) >= term,
          ),
        next.term,
      );

      // The timeline: the killed leader's bar has ended; a bar for the new leader in its own lane; the gap
      // between the two leases, in ms, drawn before the new bar and listed in the table.
      const timeline = await page.waitForFunction(
        ({ killed, leader }) => {
          const old = document.querySelector(
            `#lanes .lane[data-node="${killed.name}"] .bar[data-term="${killed.term}"]`,
          );
          const bar = document.querySelector(
            `#lanes .lane[data-node="${leader.name}"] .bar[data-term="${leader.term}"]`,
          );
          const gap = document.querySelector(
            `#lanes .lane[data-node="${leader.name}"] .gap[data-to-term="${leader.term}"]`,
          );
          const row = document.querySelector(`#gaps tbody tr[data-to-term="${leader.term}"]`);
          if (!old?.dataset.endMs || !bar || !gap || !row) return null;
          return {
            oldEnd: Number(old.dataset.endMs),
            start: Number(bar.dataset.startMs),
            gap: Number(gap.dataset.gapMs),
            label: gap.textContent,
            listed: row.textContent,
          };
        },
        { killed: before, leader: next },
      );
      const drawn = await timeline.jsonValue();
      console.log(
        `dashboard: ${before.name} led term ${before.term}; killed; ${next.name} leads term ${next.term} ` +
          `after a gap of ${drawn.gap} ms (shown: "${drawn.label}")`,
      );
      expect(drawn.gap).toBeGreaterThan(0);
      expect(drawn.gap).toBeLessThan(5000);
      expect(drawn.gap).toBeCloseTo(drawn.start - drawn.oldEnd, 0);
      expect(drawn.label).toMatch(/^\d[\d\u202f]* ms$/);
      expect(drawn.listed).toContain(drawn.label);
      await waitFor('the launcher to report the kill', () =>
        output.includes(`${before.name} exited on SIGKILL`),
      );

      // The killed voter is restarted by the launcher and comes back as the same voter: 5 voters throughout.
      expect((await membership()).voters).toBe(5);
      await page.waitForFunction(
        (name) =>
          document.querySelector(`#nodes tbody tr[data-node="${name}"][data-up="true"][data-member="voter"]`),
        before.name,
      );
      expect((await membership()).voters).toBe(5);
    },
  );

  it.skipIf(!chromiumPath)(
    '"Stop" on a follower: it stops for good, its lane ends, it leaves the voters',
    () =>
      withLauncherOutput(async () => {
        expect(page, 'the dashboard of the first test').toBeDefined();
        const before = await membership();
        const stopped = await page.evaluate(() => {
          const row = document.querySelector('#nodes tbody tr[data-role="follower"][data-member="voter"]');
          row?.querySelector('button[data-action="stop"]').click();
          return row?.dataset.node ?? null;
        });
        expect(stopped, 'a follower to stop').not.toBeNull();
        await page.waitForFunction(
          (name) => document.querySelector(`#nodes tbody tr[data-node="${name}"][data-role="stopped"]`),
          stopped,
        );
        await page.waitForSelector(`#lanes .lane[data-node="${stopped}"] .life-end`);
        await page.waitForFunction(() => document.querySelector('#membership').dataset.voters === '4');
        const after = await membership();
        expect(after.version).toBeGreaterThan(before.version);
        await waitFor(
          'the launcher to say it does not restart it',
          () =>
            output.includes(`${stopped} exited on SIGTERM; stopped from the dashboard, not restarted`) ||
            output.includes(`${stopped} exited with code 0; stopped from the dashboard, not restarted`),
        );
        // Stopping it again is refused with the reason.
        const again = await fetch(`http://127.0.0.1:${httpBase}/demo/replicas/${stopped}/stop`, {
          method: 'POST',
        });
        expect(again.status).toBe(409);
        expect((await again.json()).error).toBe(`replica ${stopped} is stopped, not running`);
      }),
  );

  it('Ctrl-C (SIGINT) stops the launcher and every replica, restarted ones included', async () => {
    // A replica killed from the dashboard is restarted after 2 s: let that happen first when it applies.
    if (output.includes('exited on SIGKILL')) {
      await waitFor('the killed replica to be restarted', () => pids().length >= 6, 15_000);
    }
    const started = pids();
    expect(started.length).toBeGreaterThanOrEqual(3);
    expect(processesWith(dataDir).length).toBeGreaterThanOrEqual(3);

    launcher.kill('SIGINT');
    const { code } = await Promise.race([
      exit,
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`launcher still running:\n${output}`)), 15_000),
      ),
    ]);
    expect(code).toBe(0);
    expect(output).toMatch(/all replicas stopped/);
    expect(started.filter(alive)).toEqual([]);
    expect(processesWith(dataDir)).toEqual([]);
  });
});
