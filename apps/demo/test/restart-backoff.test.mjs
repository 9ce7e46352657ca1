// The launcher's restart policy on its own (a table), then once end to end: a replica that can never start
// (a bad setting makes it exit with code 2) is restarted after 0.1, 0.2, 0.4 s..., and the launcher says why.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { nextRestart, restartPolicy } from '../restart-backoff.mjs';

const LAUNCHER = fileURLToPath(new URL('../demo.mjs', import.meta.url));

describe('nextRestart', () => {
  it('doubles the wait for exits in a row that come before a healthy run, up to the cap, and starts over after one', () => {
    const policy = restartPolicy(2000);
    // [up for (ms) when it exited, or null: never came up] -> [exits in a row, wait before the restart]
    const story = [
      [60_000, 0, 2000], // killed from the dashboard after a minute
      [null, 1, 2000], // then dies while starting
      [3_000, 2, 4000], // up for 3 s only: still a failure in a row
      [null, 3, 8000],
      [null, 4, 16_000],
      [null, 5, 30_000], // 32 s, capped
      [null, 6, 30_000],
      [10_000, 0, 2000], // stayed up 10 s: starts over
      [null, 1, 2000],
    ];
    let failures = 0;
    const seen = story.map(([upFor]) => {
      const next = nextRestart(failures, upFor, policy);
      failures = next.failures;
      return [upFor, next.failures, next.delay];
    });
    expect(seen).toEqual(story);
  });

  it('backs off from a 0 ms delay too, and never caps below a long delay', () => {
    expect([1, 2, 3].map((before) => nextRestart(before, null, restartPolicy(0)).delay)).toEqual([
      200, 400, 800,
    ]);
    expect(nextRestart(9, null, restartPolicy(60_000)).delay).toBe(60_000);
  });
});

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const dataDir = mkdtempSync(join(tmpdir(), 'baton-demo-backoff-'));
let launcher;

afterAll(() => {
  if (launcher && launcher.exitCode === null && launcher.signalCode === null) launcher.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the launcher', () => {
  it('waits longer before each restart of a replica that dies at every start, and says why', async () => {
    // Bases whose +1 ports are free now: the launcher checks them and the replica never binds them anyway.
    const [httpBase, p2pBase] = [(await freePort()) - 1, (await freePort()) - 1];
    launcher = spawn(
      process.execPath,
      [LAUNCHER, '--replicas', '1', '--http-port', String(httpBase), '--p2p-port', String(p2pBase)].concat([
        '--data-dir',
        dataDir,
        '--restart-delay',
        '100',
      ]),
      // A configuration error: the replica exits with code 2 before it starts anything.
      { env: { ...process.env, ELECTION_TIMEOUT_MIN_MS: 'soon' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const thirdRestart = new Promise((resolve) => {
      const read = (chunk) => {
        output += chunk;
        if (/restarting it in 0\.4 s/.test(output)) resolve();
      };
      launcher.stdout.on('data', read);
      launcher.stderr.on('data', read);
    });
    const exited = new Promise((resolve) => launcher.once('exit', (code) => resolve(code)));
    await Promise.race([thirdRestart, exited]);

    const waits = [...output.matchAll(/node-1 (?:exited with code 2; )?restarting it in ([\d.]+) s/g)].map(
      (match) => match[1],
    );
    expect(waits, output).toEqual(['0.1', '0.2', '0.4']);
    expect(output).toMatch(/ELECTION_TIMEOUT_MIN_MS: must be an integer/); // the replica's own words
    expect(output).toMatch(/3 exits in a row, this one before it came up; the wait doubles up to 30\.0 s/);

    launcher.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
