#!/usr/bin/env node
/*
 * The long run of the inbound fuzz (not in CI): feeds millions of random and mutated frames (election
 * messages, HELLOs with configurations, frames with fields out of place, garbage, oversized and truncated
 * frames, raw byte streams) through the transport's inbound path, the same one `test/fuzz.test.ts` drives
 * (InboundStreams: framing, decoding, checks, counters, onDropped), and reports what became of them.
 *
 *   node packages/transport-libp2p/scripts/fuzz-long.mjs --frames 1000000
 *
 * It fails (exit code 1) when an exception escaped, a frame went unaccounted for, a bad frame was delivered,
 * or the drop counters do not add up to the frames dropped: the test asserts all of it for every frame.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '1000000' } } });
const frames = Number(values.frames);
if (!Number.isSafeInteger(frames) || frames < 1) {
  console.error(`--frames must be a positive integer, not ${JSON.stringify(values.frames)}`);
  process.exit(2);
}

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const scratch = mkdtempSync(join(tmpdir(), 'baton-fuzz-'));
const report = join(scratch, 'report.json');
const started = performance.now();
const run = spawnSync('npx', ['vitest', 'run', 'test/fuzz.test.ts', '--testTimeout=0', '--reporter=dot'], {
  cwd: packageDir,
  stdio: ['ignore', 'inherit', 'inherit'],
  env: { ...process.env, BATON_FUZZ_FRAMES: String(frames), BATON_FUZZ_REPORT: report },
});
const seconds = (performance.now() - started) / 1000;
let totals;
try {
  totals = JSON.parse(readFileSync(report, 'utf8'));
} catch {
  totals = null;
}
rmSync(scratch, { recursive: true, force: true });

if (totals === null) {
  console.error(`the fuzz run wrote no report (vitest exit code ${run.status})`);
  process.exit(1);
}
const dropped = Object.values(totals.dropped).reduce((sum, n) => sum + n, 0);
const delivered = Object.values(totals.delivered).reduce((sum, n) => sum + n, 0);
console.log(`\nfuzz-long: ${totals.frames.toLocaleString('en')} frames in ${seconds.toFixed(1)} s`);
console.log(`  delivered ${delivered.toLocaleString('en')}:`, totals.delivered);
console.log(`  dropped and counted ${dropped.toLocaleString('en')}, by reason:`, totals.dropped);
console.log(`  streams closed for an unreadable length prefix: ${totals.streamsClosed}`);
console.log(`  properties violated (exceptions, unaccounted or miscounted frames): ${totals.failures}`);
const ok = run.status === 0 && totals.failures === 0 && totals.frames >= frames;
console.log(ok ? 'fuzz-long: OK' : 'fuzz-long: FAILED');
process.exit(ok ? 0 : 1);
