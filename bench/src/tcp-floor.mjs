// The floor under any transport on this machine: CPU per message of plain Node TCP on loopback, with no
// encryption, muxing or framing, between two processes as in a cluster. A small message goes to an echo
// process and comes back; 1 ms later the next one (as sparse as heartbeats, so the kernel batches nothing).
// The CPU is this process's: it writes and reads each message once.
//   node bench/src/tcp-floor.mjs [--messages 4000]
import { fork } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { parseArgs } from 'node:util';

if (process.argv[2] === '--echo') {
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  server.listen(0, '127.0.0.1', () => process.send(server.address().port));
  process.on('disconnect', () => process.exit(0));
} else {
  await measure();
}

async function measure() {
  const { values } = parseArgs({ options: { messages: { type: 'string', default: '4000' } } });
  const count = Number(values.messages);
  const echo = fork(new URL(import.meta.url), ['--echo']);
  const port = await new Promise((resolve) => echo.once('message', resolve));
  const client = connect(port, '127.0.0.1');
  await new Promise((resolve) => client.on('connect', resolve));
  client.setNoDelay(true);
  const message = Buffer.alloc(100);
  let echoed = 0;
  const before = process.cpuUsage();
  await new Promise((resolve) => {
    client.on('data', () => {
      if (++echoed >= count) resolve(undefined);
      else setTimeout(() => client.write(message), 1);
    });
    client.write(message);
  });
  const used = process.cpuUsage(before);
  const perMessage = (used.user + used.system) / (2 * count); // each round trip: one write and one read here
  console.log(
    `plain TCP on loopback: ${perMessage.toFixed(1)} µs of CPU per message (one write, one read, one timer), ` +
      `so ${((perMessage * 160) / 1e4).toFixed(2)} % of a core for the 160 messages a second a 5-node leader ` +
      'sends and receives at the default 50 ms heartbeat',
  );
  client.destroy();
  echo.disconnect();
}
