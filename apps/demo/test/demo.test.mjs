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

/** A base port whose base+1..base+count are all free now. */
async function freeBase(count, avoid = []) {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 30_000);
    const ports = Array.from({ length: count }, (_, i) => base + i + 1);
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
  httpBase = await freeBase(3);
  const used = [1, 2, 3].map((i) => httpBase + i);
  const p2pBase = await freeBase(3, used);
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

afterAll(async () => {
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

describe('the demo', () => {
  it.skipIf(!chromiumPath)(
    'dashboard: one leader; "Kill" on it; a new leader with a higher term',
    async () => {
      const { chromium } = await import('playwright-core');
      const profile = mkdtempSync(join(tmpdir(), 'baton-chromium-'));
      // A fresh profile per run (playwright's own --user-data-dir: a persistent context).
      const browser = await chromium.launchPersistentContext(profile, {
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
      try {
        const page = await browser.newPage();
        page.setDefaultTimeout(30_000);
        await page.goto(`http://127.0.0.1:${httpBase + 1}/`);

        // Every node shown, all up, exactly one of them leading (read in the same frame: the table is
        // re-rendered every poll).
        const shown = await page.waitForFunction(() => {
          const rows = [...document.querySelectorAll('#nodes tbody tr')];
          const leaders = rows.filter((row) => row.dataset.role === 'leader');
          if (rows.length !== 3 || !rows.every((row) => row.dataset.up === 'true') || leaders.length !== 1) {
            return null;
          }
          return { name: leaders[0].dataset.node, term: Number(leaders[0].dataset.term) };
        });
        const shownFirst = await shown.jsonValue();
        // The job writes with the leader's token, and the page shows it.
        await page.waitForFunction(
          (term) =>
            [...document.querySelectorAll('#writes tbody tr')].some(
              (row) => Number(row.dataset.token) >= term,
            ),
          shownFirst.term,
        );

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
        console.log(
          `dashboard: ${before.name} led term ${before.term}; killed; ${next.name} leads term ${next.term}`,
        );
        expect(next.term).toBeGreaterThan(before.term);
        await page.waitForFunction(
          (term) =>
            [...document.querySelectorAll('#writes tbody tr')].some(
              (row) => Number(row.dataset.token) >= term,
            ),
          next.term,
        );
        await waitFor('the launcher to report the kill', () =>
          output.includes(`${before.name} exited on SIGKILL`),
        );
      } finally {
        await browser.close();
        rmSync(profile, { recursive: true, force: true });
      }
    },
  );

  it('Ctrl-C (SIGINT) stops the launcher and every replica, restarted ones included', async () => {
    // A replica killed from the dashboard is restarted after 2 s: let that happen first when it applies.
    if (output.includes('exited on SIGKILL')) {
      await waitFor('the killed replica to be restarted', () => pids().length >= 4, 15_000);
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
