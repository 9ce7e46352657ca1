// CPU of the libp2p transport's codec for one heartbeat round of election groups between two peers: N groups'
// heartbeats encoded as BATCH frames and decoded, then their acknowledgements the same way (in one process,
// after a warm-up). It isolates the per-group cost of the codec from libp2p and the election.
//   node bench/src/codec-round.mjs [--groups 20] [--rounds 20000] [--transport <dir of a built package>]
// --transport measures another build of @baton/transport-libp2p (a copy, to compare before and after).
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    groups: { type: 'string', default: '20' },
    rounds: { type: 'string', default: '20000' },
    transport: { type: 'string' },
  },
});
const groups = Number(values.groups);
const rounds = Number(values.rounds);
if (!Number.isInteger(groups) || groups < 1 || !Number.isInteger(rounds) || rounds < 1) {
  console.error(
    'usage: node bench/src/codec-round.mjs [--groups N >= 1] [--rounds N >= 1] [--transport dir]',
  );
  process.exit(2);
}
const codecUrl = values.transport
  ? pathToFileURL(join(values.transport, 'dist', 'codec.js')).href
  : import.meta.resolve('@baton/transport-libp2p/package.json').replace(/package\.json$/, 'dist/codec.js');
const { decodeFrame, encodeBatchFrames } = await import(codecUrl);

const a = '12D3KooWMcHyiT8oV8F7QWMQgNU87mcNUacxCwQPBdsLvi9gXPxF';
const b = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo';
const configuration = { term: 3, version: 2 };
const names = Array.from({ length: groups }, (_, i) => `g${i + 1}`);
const heartbeats = names.map((group, i) => ({
  type: 'heartbeat',
  cluster: 'bench',
  from: a,
  to: b,
  term: 10 + i,
  round: 1000,
  group,
  configuration,
}));
const acks = names.map((group, i) => ({
  type: 'heartbeat-response',
  cluster: 'bench',
  from: b,
  to: a,
  term: 10 + i,
  round: 1000,
  ok: true,
  leaving: false,
  steady: 12,
  group,
  asked: true,
  configuration,
}));
const atB = { clusterId: 'bench', localId: b, remoteId: a };
const atA = { clusterId: 'bench', localId: a, remoteId: b };
let bytes = 0;
const round = () => {
  for (const [messages, context] of [
    [heartbeats, atB],
    [acks, atA],
  ]) {
    for (const frame of encodeBatchFrames(messages, 16_384)) {
      bytes += frame.length;
      const verdict = decodeFrame(frame, context);
      if (verdict.kind !== 'batch' && verdict.kind !== 'election') throw new Error(JSON.stringify(verdict));
    }
  }
};
for (let i = 0; i < Math.min(rounds, 2_000); i++) round();
bytes = 0;
const started = process.hrtime.bigint();
for (let i = 0; i < rounds; i++) round();
const us = Number(process.hrtime.bigint() - started) / 1e3 / rounds;
console.log(
  `${groups} groups: ${us.toFixed(1)} µs per round (${groups} heartbeats and ${groups} acknowledgements encoded ` +
    `and decoded), ${(us / (2 * groups)).toFixed(2)} µs per message, ${(bytes / rounds).toFixed(0)} bytes`,
);
