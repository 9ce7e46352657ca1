#!/usr/bin/env node
// Checks the Kubernetes manifests of docs/kubernetes (or the directories given) without a cluster: every YAML
// document parses and has apiVersion, kind and metadata.name; the kinds the guide uses have the fields they
// need (a workload's selector matches its pod labels, container ports, a Service's selector matches pods, the
// discovery Service is headless, a PodDisruptionBudget selects pods); and the files agree with each other
// (the Service named in BATON_BOOTSTRAP exists, is headless, publishes not-ready addresses and reaches the
// libp2p port). Prints every problem, naming the file, the document and the field; exits 1 if there is one.
//
//   node scripts/check-manifests.mjs [dir ...]      (default: docs/kubernetes)
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet']);
const API_VERSIONS = {
  Deployment: 'apps/v1',
  StatefulSet: 'apps/v1',
  Service: 'v1',
  Secret: 'v1',
  PodDisruptionBudget: 'policy/v1',
};
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const BOOTSTRAP = /^\/dns[46]?\/([^/]+)\/tcp\/(\d+)$/;

/**
 * Reads every `.yaml`/`.yml` file of `dirs` and returns the documents found and the problems, each a line
 * that names the file, the document (`Kind/name`) and the field.
 *
 * @param {string[]} dirs
 * @returns {{ files: string[], documents: number, problems: string[] }}
 */
export function checkManifests(dirs) {
  const problems = [];
  const docs = [];
  const files = [];
  for (const dir of dirs) {
    for (const name of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/.test(name)) continue;
      const file = join(dir, name);
      files.push(file);
      const label = relative(process.cwd(), file) || file;
      for (const parsed of parseAllDocuments(readFileSync(file, 'utf8'))) {
        for (const error of parsed.errors) problems.push(`${label}: YAML: ${error.message.split('\n')[0]}`);
        if (parsed.errors.length > 0) continue;
        const body = parsed.toJS();
        if (body === null || body === undefined) continue; // an empty document (a trailing ---)
        docs.push({ file: label, body });
      }
    }
  }
  for (const doc of docs) checkDocument(doc, problems);
  const ok = docs.filter((doc) => isObject(doc.body) && typeof doc.body.kind === 'string');
  for (const doc of ok) {
    if (doc.body.kind === 'Service') checkService(doc, ok, problems);
    if (doc.body.kind === 'PodDisruptionBudget')
      checkSelects(doc, doc.body.spec?.selector?.matchLabels, ok, problems);
    if (WORKLOAD_KINDS.has(doc.body.kind)) checkWorkload(doc, ok, problems);
  }
  return { files, documents: docs.length, problems };
}

function checkDocument({ file, body }, problems) {
  if (!isObject(body)) {
    problems.push(`${file}: a document is not a mapping`);
    return;
  }
  const where = `${file}: ${body.kind ?? '?'}/${body.metadata?.name ?? '?'}`;
  for (const field of ['apiVersion', 'kind']) {
    if (typeof body[field] !== 'string' || body[field] === '') problems.push(`${where}: ${field} is missing`);
  }
  const name = body.metadata?.name;
  if (typeof name !== 'string' || name === '') problems.push(`${where}: metadata.name is missing`);
  else if (!DNS_SUBDOMAIN.test(name)) problems.push(`${where}: metadata.name "${name}" is not a DNS name`);
  const expected = API_VERSIONS[body.kind];
  if (expected !== undefined && typeof body.apiVersion === 'string' && body.apiVersion !== expected) {
    problems.push(`${where}: apiVersion is ${body.apiVersion}, ${body.kind} is ${expected}`);
  }
  if (body.kind === 'Secret' && !isObject(body.data) && !isObject(body.stringData)) {
    problems.push(`${where}: a Secret needs data or stringData`);
  }
  if (body.kind === 'PodDisruptionBudget') {
    const spec = body.spec ?? {};
    if ((spec.minAvailable === undefined) === (spec.maxUnavailable === undefined)) {
      problems.push(`${where}: spec needs exactly one of minAvailable and maxUnavailable`);
    }
  }
}

/** Pods of the workloads in `docs` whose labels `selector` matches, as `{ doc, pod }`. */
function selected(selector, docs) {
  return docs
    .filter((doc) => WORKLOAD_KINDS.has(doc.body.kind))
    .filter((doc) => matches(selector, doc.body.spec?.template?.metadata?.labels));
}

function checkSelects(doc, selector, docs, problems) {
  const where = `${doc.file}: ${doc.body.kind}/${doc.body.metadata?.name}`;
  const field = doc.body.kind === 'Service' ? 'spec.selector' : 'spec.selector.matchLabels';
  if (!isObject(selector) || Object.keys(selector).length === 0) {
    problems.push(`${where}: ${field} is missing or empty`);
    return [];
  }
  const found = selected(selector, docs);
  if (found.length === 0)
    problems.push(`${where}: ${field} ${show(selector)} matches no workload's pod labels`);
  return found;
}

function checkService(doc, docs, problems) {
  const { spec = {} } = doc.body;
  const where = `${doc.file}: Service/${doc.body.metadata?.name}`;
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  if (ports.length === 0) problems.push(`${where}: spec.ports is missing or empty`);
  const workloads = checkSelects(doc, spec.selector, docs, problems);
  ports.forEach((port, i) => {
    if (!validPort(port?.port)) problems.push(`${where}: spec.ports[${i}].port ${port?.port} is not a port`);
    const target = port?.targetPort ?? port?.port;
    for (const workload of workloads) {
      if (containerPort(workload, target) === null) {
        problems.push(
          `${where}: spec.ports[${i}].targetPort ${target} is no container port of ${workload.body.kind}/${workload.body.metadata?.name}`,
        );
      }
    }
  });
}

function checkWorkload(doc, docs, problems) {
  const { kind, spec = {} } = doc.body;
  const where = `${doc.file}: ${kind}/${doc.body.metadata?.name}`;
  const selector = spec.selector?.matchLabels;
  const labels = spec.template?.metadata?.labels;
  if (!isObject(selector) || Object.keys(selector).length === 0) {
    problems.push(`${where}: spec.selector.matchLabels is missing or empty`);
  } else if (!matches(selector, labels)) {
    problems.push(
      `${where}: spec.selector.matchLabels ${show(selector)} does not match spec.template.metadata.labels ${show(labels ?? {})}`,
    );
  }
  const pod = spec.template?.spec ?? {};
  const containers = Array.isArray(pod.containers) ? pod.containers : [];
  if (containers.length === 0) problems.push(`${where}: spec.template.spec.containers is missing or empty`);
  const volumes = new Set([
    ...(pod.volumes ?? []).map((volume) => volume?.name),
    ...(spec.volumeClaimTemplates ?? []).map((claim) => claim?.metadata?.name),
  ]);
  for (const [i, container] of containers.entries()) {
    const at = `${where}: containers[${i}]`;
    if (typeof container?.name !== 'string') problems.push(`${at}.name is missing`);
    if (typeof container?.image !== 'string') problems.push(`${at}.image is missing`);
    const ports = Array.isArray(container?.ports) ? container.ports : [];
    if (ports.length === 0) problems.push(`${at}.ports is missing or empty`);
    for (const [j, port] of ports.entries()) {
      if (!validPort(port?.containerPort))
        problems.push(`${at}.ports[${j}].containerPort ${port?.containerPort} is not a port`);
      if (port?.name !== undefined && !(DNS_LABEL.test(port.name) && port.name.length <= 15)) {
        problems.push(`${at}.ports[${j}].name "${port.name}" is not a port name (at most 15 of a-z, 0-9, -)`);
      }
    }
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const port = container?.[probe]?.httpGet?.port;
      if (port !== undefined && !ports.some((p) => p?.name === port || p?.containerPort === port)) {
        problems.push(`${at}.${probe}.httpGet.port ${port} is no port of the container`);
      }
    }
    const ready = container?.readinessProbe?.httpGet?.path;
    if (ready !== undefined && ready === container?.livenessProbe?.httpGet?.path) {
      problems.push(
        `${at}: livenessProbe checks ${ready}, the readiness path: a node without a leader would be restarted`,
      );
    }
    for (const [j, mount] of (container?.volumeMounts ?? []).entries()) {
      if (!volumes.has(mount?.name))
        problems.push(`${at}.volumeMounts[${j}] names volume "${mount?.name}", which the pod does not have`);
    }
    checkBaton(doc, container, at, docs, problems);
  }
  for (const [i, volume] of (pod.volumes ?? []).entries()) {
    const name = volume?.secret?.secretName;
    if (name === undefined) continue;
    const secret = docs.find((d) => d.body.kind === 'Secret' && d.body.metadata?.name === name);
    if (secret === undefined) {
      problems.push(`${where}: volumes[${i}] mounts Secret "${name}", which no manifest here defines`);
      continue;
    }
    const keys = new Set([
      ...Object.keys(secret.body.data ?? {}),
      ...Object.keys(secret.body.stringData ?? {}),
    ]);
    for (const item of volume.secret.items ?? []) {
      if (!keys.has(item?.key))
        problems.push(
          `${where}: volumes[${i}] takes key "${item?.key}" of Secret "${name}", which has no such key`,
        );
    }
  }
  if (kind === 'StatefulSet') {
    const service = docs.find((d) => d.body.kind === 'Service' && d.body.metadata?.name === spec.serviceName);
    if (service === undefined)
      problems.push(`${where}: spec.serviceName "${spec.serviceName}" names no Service here`);
    else if (service.body.spec?.clusterIP !== 'None')
      problems.push(
        `${where}: spec.serviceName "${spec.serviceName}" is not a headless Service (clusterIP: None)`,
      );
  }
  if (kind === 'Deployment' && spec.strategy?.type !== 'Recreate') {
    const unavailable = spec.strategy?.rollingUpdate?.maxUnavailable;
    if (unavailable !== 0 && unavailable !== '0%') {
      problems.push(
        `${where}: spec.strategy.rollingUpdate.maxUnavailable is ${unavailable ?? 'unset (25%)'}: set 0, so that a new pod joins before an old one leaves`,
      );
    }
  }
}

/** The Baton settings of a container, from its environment: cross-checked with the Services and the pod. */
function checkBaton(doc, container, at, docs, problems) {
  const env = Object.fromEntries(
    (container?.env ?? []).filter((e) => typeof e?.value === 'string').map((e) => [e.name, e.value]),
  );
  const { spec = {} } = doc.body;
  const bootstrap = env.BATON_BOOTSTRAP ?? (container?.args ?? []).find((arg) => BOOTSTRAP.test(arg));
  if (bootstrap !== undefined) {
    for (const address of bootstrap.split(',')) {
      const match = BOOTSTRAP.exec(address.trim());
      if (match === null) {
        problems.push(`${at}: bootstrap address ${address} is not /dns4/<headless Service>/tcp/<port>`);
        continue;
      }
      const [, host, port] = match;
      const serviceName = host.split('.')[0];
      const service = docs.find((d) => d.body.kind === 'Service' && d.body.metadata?.name === serviceName);
      if (service === undefined) {
        problems.push(
          `${at}: bootstrap address ${address} names Service "${serviceName}", which no manifest here defines`,
        );
        continue;
      }
      const s = service.body.spec ?? {};
      if (s.clusterIP !== 'None')
        problems.push(
          `${at}: bootstrap Service "${serviceName}" is not headless (spec.clusterIP: None): its name would resolve to one virtual IP, not to every pod`,
        );
      if (s.publishNotReadyAddresses !== true)
        problems.push(
          `${at}: bootstrap Service "${serviceName}" needs spec.publishNotReadyAddresses: true: pods are not ready until they have found each other`,
        );
      if (!matches(s.selector, spec.template?.metadata?.labels))
        problems.push(`${at}: bootstrap Service "${serviceName}" does not select this workload's pods`);
      const servicePort = (s.ports ?? []).find((p) => p?.port === Number(port));
      if (servicePort === undefined)
        problems.push(`${at}: bootstrap address ${address}: Service "${serviceName}" has no port ${port}`);
      else {
        const target = containerPort(doc, servicePort.targetPort ?? servicePort.port);
        const listen = /\/tcp\/(\d+)/.exec(env.BATON_LISTEN ?? '')?.[1];
        if (target !== null && listen !== undefined && Number(listen) !== target) {
          problems.push(
            `${at}: BATON_LISTEN listens on ${listen}, but Service "${serviceName}" port ${port} leads to container port ${target}`,
          );
        }
        if (target !== null && Number(port) !== target)
          problems.push(
            `${at}: bootstrap port ${port} is not the container's libp2p port (${target}): a pod dials the pod IPs the name resolves to, on that port`,
          );
      }
    }
  }
  if (env.BATON_EXPECT !== undefined) {
    const replicas = spec.replicas ?? 1;
    if (Number(env.BATON_EXPECT) !== replicas) {
      problems.push(
        `${at}: BATON_EXPECT is ${env.BATON_EXPECT} but spec.replicas is ${replicas}: the first formation needs exactly BATON_EXPECT fresh pods`,
      );
    }
    if (doc.body.kind === 'StatefulSet' && spec.podManagementPolicy !== 'Parallel') {
      problems.push(
        `${at}: a StatefulSet that forms its cluster from BATON_EXPECT pods needs spec.podManagementPolicy: Parallel (OrderedReady waits for pod 0 to be ready, which waits for the others)`,
      );
    }
  }
  if (env.BATON_STOP_TIMEOUT !== undefined) {
    const grace = spec.template?.spec?.terminationGracePeriodSeconds ?? 30;
    const preStop = container?.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const needed = preStop + (3 * Number(env.BATON_STOP_TIMEOUT)) / 1000;
    if (grace < needed) {
      problems.push(
        `${at}: terminationGracePeriodSeconds ${grace} is less than preStop ${preStop} s + 3 × BATON_STOP_TIMEOUT (${needed} s): the pod could be killed during the handover`,
      );
    }
  }
}

/** The container port number that `target` (a number or a port name) designates in the workload, or null. */
function containerPort(workload, target) {
  for (const container of workload.body.spec?.template?.spec?.containers ?? []) {
    for (const port of container?.ports ?? []) {
      if (port?.name === target || port?.containerPort === target) return port.containerPort;
    }
  }
  return null;
}

function matches(selector, labels) {
  if (!isObject(selector) || !isObject(labels) || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

function validPort(value) {
  return Number.isInteger(value) && value >= 1 && value <= 65535;
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(labels) {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '../..');
  const dirs = process.argv.length > 2 ? process.argv.slice(2) : [join(root, 'docs/kubernetes')];
  const { files, documents, problems } = checkManifests(dirs);
  if (problems.length > 0) {
    console.error(`check-manifests: ${problems.length} problem(s):`);
    for (const problem of problems) console.error(`  - ${problem}`);
    process.exit(1);
  }
  if (documents === 0) {
    console.error(`check-manifests: no YAML document found in ${dirs.join(', ')}`);
    process.exit(1);
  }
  console.log(`check-manifests: ${documents} documents in ${files.length} files, no problem`);
}
