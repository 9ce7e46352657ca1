// Where a CPU profile's time went: self and inclusive time per function, idle excluded.
//   node bench/src/profile-top.mjs <file.cpuprofile> [--skip-ms 0] [--top 35]
// Profiles come from idle-profile.mjs, or from `node --cpu-prof`. --skip-ms leaves out the profile's start
// (a process's start-up, when the profile covers its whole life).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'skip-ms': { type: 'string', default: '0' }, top: { type: 'string', default: '35' } },
});
if (positionals.length !== 1) {
  console.error('usage: node bench/src/profile-top.mjs <file.cpuprofile> [--skip-ms N] [--top N]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(positionals[0], 'utf8'));
const skipUs = Number(values['skip-ms']) * 1000;
const top = Number(values.top);

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const parentOf = new Map();
for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
const label = ({ callFrame: f }) =>
  `${f.functionName || '(anonymous)'} ${f.url.replace(/.*node_modules\//, '').replace(/.*\/packages\//, 'packages/')}:${f.lineNumber + 1}`;

const self = new Map();
const inclusive = new Map();
let busyUs = 0;
let t = profile.startTime;
for (let i = 0; i < profile.samples.length; i++) {
  t += profile.timeDeltas[i];
  if (t - profile.startTime < skipUs) continue;
  const node = byId.get(profile.samples[i]);
  if (node.callFrame.functionName === '(idle)') continue;
  const dt = profile.timeDeltas[i + 1] ?? 0;
  busyUs += dt;
  self.set(label(node), (self.get(label(node)) ?? 0) + dt);
  const counted = new Set(); // a recursive function counts once per sample
  for (let id = node.id; id !== undefined; id = parentOf.get(id)) {
    const name = label(byId.get(id));
    if (counted.has(name)) continue;
    counted.add(name);
    inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
  }
}
const seconds = (t - profile.startTime - skipUs) / 1e6;
console.log(
  `busy ${(busyUs / 1e3).toFixed(0)} ms over ${seconds.toFixed(1)} s = ${(busyUs / 1e4 / seconds).toFixed(2)} % of a core`,
);
for (const [title, table] of [
  ['self ms', self],
  ['inclusive ms', inclusive],
]) {
  console.log(`--- ${title}`);
  for (const [name, us] of [...table].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`${(us / 1e3).toFixed(1).padStart(9)}  ${name}`);
}
