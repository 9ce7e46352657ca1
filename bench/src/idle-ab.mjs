// Idle cost of builds of @baton/transport-libp2p in one run: rounds of idle-profile.mjs (5 node processes,
// default timings, no profiler), each round running A (a copy of the package, e.g. built at main), then every
// other copy given, then the workspace's build, so that all see the same machine load. Prints each round,
// the medians, and each build's ratio to A. Figures, not a test.
//   cp -r packages/transport-libp2p/{dist,package.json} /tmp/base/ && ln -s "$PWD/packages/transport-libp2p/node_modules" /tmp/base/
//   node bench/src/idle-ab.mjs --base /tmp/base [--also /tmp/other ...] [--rounds 3] [--idle-ms 30000]
//     [--settle-ms 8000] [--nodes 5] [--groups N]
// A change to the core needs a whole other checkout instead (built, e.g. `git clone` of main, then install
// and build): --base-repo <dir> runs A with that checkout's own idle-profile.mjs, core and transport.
//   node bench/src/idle-ab.mjs --base-repo /tmp/base-repo [--rounds 3] ...
import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';

const { values } = parseArgs({
  options: {
    base: { type: 'string' },
    'base-repo': { type: 'string' },
    also: { type: 'string', multiple: true, default: [] },
    rounds: { type: 'string', default: '3' },
    'idle-ms': { type: 'string', default: '30000' },
    'settle-ms': { type: 'string', default: '8000' },
    nodes: { type: 'string', default: '5' },
    groups: { type: 'string', default: '0' },
  },
});
if ((values.base === undefined) === (values['base-repo'] === undefined)) {
  console.error(
    'usage: node bench/src/idle-ab.mjs --base <dir of a built copy of the package> | --base-repo <dir of a built checkout> [--rounds 3]',
  );
  process.exit(2);
}
const script = new URL('./idle-profile.mjs', import.meta.url).pathname;
const common = [
  '--no-profile',
  '--json',
  '--idle-ms',
  values['idle-ms'],
  '--settle-ms',
  values['settle-ms'],
  '--groups',
  values.groups,
];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** One cluster's figures: leader CPU, mean follower CPU, max RSS, connections per node. */
async function round(label, extra, scriptPath = script) {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [scriptPath, ...common, '--nodes', values.nodes, ...extra],
    { maxBuffer: 1 << 24 },
  );
  const { results } = JSON.parse(stdout.trim().split('\n').at(-1));
  const leader = results.filter((r) => r.role === 'leader');
  const followers = results.filter((r) => r.role === 'follower');
  const figures = {
    leader: leader.length === 1 ? leader[0].cpuPct : Number.NaN,
    follower: mean(followers.map((r) => r.cpuPct)),
    rss: Math.max(...results.map((r) => r.rssMb)),
    connections: mean(results.map((r) => r.connections)),
    leaderWrites: leader.length === 1 ? leader[0].writesPerS : Number.NaN,
    followerWrites: mean(followers.map((r) => r.writesPerS)),
    load: loadavg()[0],
  };
  console.log(
    `${label}: leader ${figures.leader.toFixed(2)} %, followers ${figures.follower.toFixed(2)} %, ` +
      `RSS max ${figures.rss.toFixed(1)} MB, ${figures.connections.toFixed(1)} connections per node, ` +
      `writes/s leader ${figures.leaderWrites.toFixed(0)} followers ${figures.followerWrites.toFixed(0)}, load ${figures.load.toFixed(2)}`,
  );
  return figures;
}

const baseRepo = values['base-repo'];
const builds = [
  baseRepo === undefined
    ? { label: `A ${values.base}`, args: ['--transport', values.base] }
    : { label: `A ${baseRepo}`, args: [], script: join(baseRepo, 'bench', 'src', 'idle-profile.mjs') },
  ...values.also.map((dir, i) => ({
    label: `${String.fromCharCode(66 + i)} ${dir}`,
    args: ['--transport', dir],
  })),
  { label: `${String.fromCharCode(66 + values.also.length)} workspace`, args: [] },
].map((build) => ({ ...build, figures: [] }));
console.log(
  `load average at start: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let i = 0; i < Number(values.rounds); i++) {
  for (const build of builds) {
    build.figures.push(await round(`${build.label} round ${i + 1}`, build.args, build.script));
  }
}
console.log(
  `load average at end: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const [a] = builds;
for (const key of ['leader', 'follower', 'rss', 'connections', 'leaderWrites', 'followerWrites']) {
  const ma = median(a.figures.map((f) => f[key]));
  const cells = builds.map((build) => {
    const m = median(build.figures.map((f) => f[key]));
    return build === a ? `A ${m.toFixed(2)}` : `${build.label[0]} ${m.toFixed(2)} (${(m / ma).toFixed(2)})`;
  });
  console.log(`${key.padEnd(11)} median ${cells.join('  ')}`);
}
