// The floor under any transport on this machine: CPU per message of plain Node TCP on loopback, with no
// encryption, muxing or framing, between two processes as in a cluster. A small message goes to an echo
// process and comes back; 1 ms later the next one (as sparse as heartbeats, so the kernel batches nothing),
// after 200 round trips of warm-up.
// Two figures: this process's CPU per message (it writes and reads each message once: one side of a message),
// and the CPU of both processes per message delivered (a write at the sender and a read at the receiver: the
// end-to-end figure the scaling section sets Baton's CPU per election message beside).
//   node bench/src/tcp-floor.mjs [--messages 4000] [--json]
// `runTcpFloor()` runs it as a child process (so that no other work shares the measuring process) and
// resolves with the figures `--json` prints.
import { fork } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const SCRIPT = fileURLToPath(import.meta.url);

/**
 * Runs this script in a child process with `--json`; resolves with its figures.
 * @param {{ messages?: number }} [options] round trips (each is two messages delivered)
 * @returns {Promise<{ round_trips: number, messages: number, us_per_message: number,
 *   us_per_message_one_side: number }>}
 */
export function runTcpFloor({ messages = 4000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = fork(SCRIPT, ['--messages', String(messages), '--json'], { stdio: 'pipe' });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`tcp-floor.mjs exited with ${code}: ${err.trim()}`));
      else resolve(JSON.parse(out));
    });
  });
}

if (process.argv[1] === SCRIPT) {
  if (process.argv[2] === '--echo') echo();
  else await measure();
}

function echo() {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
  // The orchestrator asks for this process's CPU before and after the window.
  process.on('message', (message) => {
    if (message === 'cpu') process.send({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}

async function measure() {
  const { values } = parseArgs({
    options: { messages: { type: 'string', default: '4000' }, json: { type: 'boolean', default: false } },
  });
  const count = Number(values.messages);
  if (!Number.isInteger(count) || count < 1) throw new Error('--messages needs a positive integer');
  const echoer = fork(SCRIPT, ['--echo']);
  const fromEcho = () => new Promise((resolve) => echoer.once('message', resolve));
  const { port } = await fromEcho();
  const client = connect(port, '127.0.0.1');
  await new Promise((resolve) => client.on('connect', resolve));
  client.setNoDelay(true);
  const message = Buffer.alloc(100);
  /** `n` round trips, each 1 ms after the previous one came back. */
  const roundTrips = (n) =>
    new Promise((resolve) => {
      let echoed = 0;
      const onData = () => {
        if (++echoed < n) setTimeout(() => client.write(message), 1);
        else {
          client.off('data', onData);
          resolve(undefined);
        }
      };
      client.on('data', onData);
      client.write(message);
    });
  await roundTrips(200); // warm-up (JIT, buffers): not measured
  echoer.send('cpu');
  const echoBefore = (await fromEcho()).cpu;
  const before = process.cpuUsage();
  await roundTrips(count);
  const used = process.cpuUsage(before);
  echoer.send('cpu');
  const echoAfter = (await fromEcho()).cpu;
  const mine = used.user + used.system;
  const theirs = echoAfter.user + echoAfter.system - echoBefore.user - echoBefore.system;
  // Each round trip: two messages delivered; here one write and one read, in the echo process the same.
  const oneSide = mine / (2 * count);
  const endToEnd = (mine + theirs) / (2 * count);
  client.destroy();
  echoer.disconnect();
  if (values.json) {
    const round = (x) => Math.round(x * 100) / 100;
    console.log(
      JSON.stringify({
        round_trips: count,
        messages: 2 * count,
        us_per_message: round(endToEnd),
        us_per_message_one_side: round(oneSide),
      }),
    );
    return;
  }
  console.log(
    `plain TCP on loopback: ${oneSide.toFixed(1)} µs of CPU per message in one process (one write, one read, ` +
      `one timer), ${endToEnd.toFixed(1)} µs per message sender and receiver together; so ` +
      `${((oneSide * 160) / 1e4).toFixed(2)} % of a core for the 160 messages a second a 5-node leader sends and ` +
      'receives at the default 50 ms heartbeat',
  );
}
