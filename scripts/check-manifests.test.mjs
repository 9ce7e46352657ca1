// Tests of scripts/check-manifests.mjs: the manifests of docs/kubernetes pass, a broken set fails with each
// mistake named, and each rule fails on a copy of the real manifests with that one mistake made.
//   node --test scripts/check-manifests.test.mjs
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkManifests } from './check-manifests.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
const guide = join(root, 'docs/kubernetes');
const scratch = mkdtempSync(join(tmpdir(), 'check-manifests-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the manifests of the guide have no problem', () => {
  const { files, documents, problems } = checkManifests([guide]);
  assert.deepEqual(problems, []);
  assert.ok(files.length >= 5, `files: ${files.join(', ')}`);
  assert.ok(documents >= 6);
});

test('a broken set fails, naming each mistake', () => {
  const { problems } = checkManifests([join(root, 'scripts/fixtures/broken-manifests')]);
  const expected = [
    /Secret\/jobs-key: apiVersion is missing/,
    /Secret\/jobs-key: a Secret needs data or stringData/,
    /Deployment\/jobs: spec\.selector\.matchLabels app=job does not match spec\.template\.metadata\.labels app=jobs/,
    /bootstrap address \/dns4\/jobs-headless\/tcp\/4001 names Service "jobs-headless", which no manifest here defines/,
    /BATON_EXPECT is 3 but spec\.replicas is 5/,
    /maxUnavailable is unset/,
    /PodDisruptionBudget\/jobs: spec\.selector\.matchLabels app=nobody matches no workload's pod labels/,
  ];
  for (const pattern of expected) {
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `no problem matches ${pattern}:\n${problems.join('\n')}`,
    );
  }
  assert.equal(problems.length, expected.length, problems.join('\n'));
});

/** Copies the guide's manifests, replaces `from` (found exactly once) by `to` in `file`, and checks. */
function broken(file, from, to) {
  const dir = mkdtempSync(join(scratch, 'case-'));
  cpSync(guide, dir, { recursive: true });
  const text = readFileSync(join(dir, file), 'utf8');
  assert.equal(text.split(from).length - 1, 1, `${file} must contain ${JSON.stringify(from)} exactly once`);
  writeFileSync(join(dir, file), text.replace(from, to));
  return checkManifests([dir]).problems;
}

const cases = [
  ['service.yaml', '  clusterIP: None\n', '', /bootstrap Service "billing-headless" is not headless/],
  ['service.yaml', '  publishNotReadyAddresses: true\n', '', /needs spec\.publishNotReadyAddresses: true/],
  [
    'service.yaml',
    'name: billing-headless',
    'name: billing-peers',
    /names Service "billing-headless", which no manifest here defines/,
  ],
  [
    'service.yaml',
    'targetPort: libp2p',
    'targetPort: p2p',
    /targetPort p2p is no container port of Deployment\/billing/,
  ],
  [
    'deployment.yaml',
    'value: /dns4/billing-headless/tcp/4001',
    'value: /dns4/billing-headless/tcp/4002',
    /Service "billing-headless" has no port 4002/,
  ],
  [
    'deployment.yaml',
    'value: /dns4/billing-headless/tcp/4001',
    'value: /dns4/billing/tcp/80',
    /bootstrap Service "billing" is not headless/,
  ],
  [
    'deployment.yaml',
    'value: /ip4/0.0.0.0/tcp/4001',
    'value: /ip4/0.0.0.0/tcp/4010',
    /BATON_LISTEN listens on 4010/,
  ],
  ['deployment.yaml', '  replicas: 3', '  replicas: 4', /BATON_EXPECT is 3 but spec\.replicas is 4/],
  ['deployment.yaml', 'maxUnavailable: 0', 'maxUnavailable: 1', /maxUnavailable is 1: set 0/],
  [
    'deployment.yaml',
    'terminationGracePeriodSeconds: 30',
    'terminationGracePeriodSeconds: 10',
    /terminationGracePeriodSeconds 10 is less than preStop 5 s \+ 3 × BATON_STOP_TIMEOUT \(20 s\)/,
  ],
  [
    'deployment.yaml',
    'livenessProbe:\n            httpGet:\n              path: /health/live',
    'livenessProbe:\n            httpGet:\n              path: /health/ready',
    /livenessProbe checks \/health\/ready, the readiness path/,
  ],
  [
    'deployment.yaml',
    '      labels:\n        app.kubernetes.io/name: billing\n    spec:',
    '      labels:\n        app.kubernetes.io/name: billing-app\n    spec:',
    /Deployment\/billing: spec\.selector\.matchLabels app\.kubernetes\.io\/name=billing does not match/,
  ],
  [
    'deployment.yaml',
    '            - name: libp2p\n              containerPort: 4001',
    '            - name: libp2p\n              containerPort: 400100',
    /containerPort 400100 is not a port/,
  ],
  [
    'deployment.yaml',
    'secretName: billing-swarm-key',
    'secretName: billing-key',
    /mounts Secret "billing-key", which no manifest here defines/,
  ],
  [
    'deployment.yaml',
    '              mountPath: /etc/billing/psk',
    '              mountPath: /etc/billing/psk\n            - name: cache\n              mountPath: /cache',
    /names volume "cache", which the pod does not have/,
  ],
  [
    'secret.example.yaml',
    '  swarm.key: |',
    '  key: |',
    /takes key "swarm\.key" of Secret "billing-swarm-key", which has no such key/,
  ],
  [
    'statefulset.yaml',
    'podManagementPolicy: Parallel',
    'podManagementPolicy: OrderedReady',
    /needs spec\.podManagementPolicy: Parallel/,
  ],
  [
    'statefulset.yaml',
    'serviceName: billing-headless',
    'serviceName: billing',
    /spec\.serviceName "billing" is not a headless Service/,
  ],
  [
    'pdb.yaml',
    '      app.kubernetes.io/name: billing',
    '      app.kubernetes.io/name: other',
    /PodDisruptionBudget\/billing: spec\.selector\.matchLabels app\.kubernetes\.io\/name=other matches no workload/,
  ],
  ['pdb.yaml', '  maxUnavailable: 1\n', '', /spec needs exactly one of minAvailable and maxUnavailable/],
  ['pdb.yaml', 'kind: PodDisruptionBudget', 'kind: PodDisruptionBudget\nkind: Twice', /YAML: /],
];

for (const [file, from, to, pattern] of cases) {
  test(`${file}: ${pattern.source}`, () => {
    const problems = broken(file, from, to);
    assert.ok(
      problems.some((p) => pattern.test(p)),
      `no problem matches ${pattern}:\n${problems.join('\n') || '(none)'}`,
    );
  });
}
