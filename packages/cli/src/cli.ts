import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createSwarmKey } from '@baton/transport-libp2p';
import { describeDataDir, readDataDir } from './commands/data-dir.js';
import { peerIdOf } from './commands/peer-id.js';
import { describeStatus, fetchStatus } from './commands/status.js';
import { CliError } from './errors.js';
import { type CliIo, processIo } from './io.js';

const USAGE = `Usage: baton <command> [options]

Commands:
  peer-id <dataDir> [--create]    print the node's peer id (its election id) from <dataDir>/peer-key;
                                  --create makes the key first if there is none (as the first start would)
  psk [--out <file>]              generate a pre-shared key (a libp2p swarm key) for a private network:
                                  to standard output, or to <file> with mode 0600 (never over an existing file)
  inspect <dataDir> [--json]      show a data directory: peer id, term, vote, voter configuration, lock holder
  verify <dataDir>                check the state file (checksum, format, a possible state); exit 1 if corrupt,
                                  with how to recover
  status <url> [--json] [--timeout <ms>]
                                  show a running node's inspect(), from an HTTP endpoint of the app that returns
                                  it (LeaderService#inspect(), or Baton's terminus health indicator)
  help                            this text`;

type Handler = (
  positionals: string[],
  values: Record<string, string | boolean | undefined>,
  io: CliIo,
) => Promise<void>;

function one(command: string, positionals: string[], what: string): string {
  if (positionals.length !== 1 || positionals[0] === '') {
    throw new CliError('usage', `${command} needs ${what}${positionals.length > 1 ? ' (one)' : ''}`);
  }
  return positionals[0]!;
}

const COMMANDS: Record<string, { options: Record<string, { type: 'string' | 'boolean' }>; run: Handler }> = {
  'peer-id': {
    options: { create: { type: 'boolean' } },
    run: async (positionals, values, io) => {
      io.out(await peerIdOf(one('peer-id', positionals, 'a data directory'), values.create === true));
    },
  },
  psk: {
    options: { out: { type: 'string' } },
    run: async (positionals, values, io) => {
      if (positionals.length > 0)
        throw new CliError('usage', `psk takes no argument (got ${positionals[0]})`);
      const key = createSwarmKey();
      const out = values.out;
      if (typeof out !== 'string') {
        io.out(new TextDecoder().decode(key).trimEnd());
        return;
      }
      try {
        await writeFile(out, key, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(
          'failure',
          code === 'EEXIST'
            ? `${out} exists already: a cluster's nodes must share one key, so it is never overwritten`
            : `${out} cannot be written: ${(error as Error).message}`,
          { cause: error },
        );
      }
      io.err(`wrote a new swarm key to ${out} (mode 0600); give the same file to every node (preSharedKey)`);
    },
  },
  inspect: {
    options: { json: { type: 'boolean' } },
    run: async (positionals, values, io) => {
      const report = await readDataDir(one('inspect', positionals, 'a data directory'));
      if (values.json === true) io.out(JSON.stringify(report, null, 2));
      else for (const line of describeDataDir(report)) io.out(line);
    },
  },
  verify: {
    options: {},
    run: async (positionals, _values, io) => {
      const dataDir = one('verify', positionals, 'a data directory');
      const { state } = await readDataDir(dataDir);
      io.out(
        state === null
          ? `${dataDir}: no state file yet; a node starts from term 0 there`
          : `${dataDir}: the state file is sound (term ${state.term}, configuration version ${state.configuration.version})`,
      );
    },
  },
  status: {
    options: { json: { type: 'boolean' }, timeout: { type: 'string' } },
    run: async (positionals, values, io) => {
      const url = one('status', positionals, 'the URL of an endpoint that returns inspect()');
      const timeout = values.timeout === undefined ? 5_000 : Number(values.timeout);
      if (!Number.isInteger(timeout) || timeout <= 0) {
        throw new CliError(
          'usage',
          `status: --timeout must be a positive number of milliseconds (got ${values.timeout})`,
        );
      }
      const snapshot = await fetchStatus(url, timeout);
      if (values.json === true) io.out(JSON.stringify(snapshot, null, 2));
      else for (const line of describeStatus(snapshot)) io.out(line);
    },
  },
};

/**
 * Runs the `baton` command with `args` (without `node` and the script); resolves with the exit code: 0 when
 * done, 1 when it failed (the message says what is wrong), 2 for a wrong command line (with the usage).
 *
 * @example
 * ```ts
 * import { runCli } from '@baton/cli';
 * const code = await runCli(['peer-id', '/var/lib/jobs/baton']);
 * // prints 12D3KooW… (or says that the node has not started yet); code is 0 or 1
 * ```
 */
export async function runCli(args: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...rest] = args;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.out(USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  try {
    if (command === undefined) throw new CliError('usage', `unknown command ${JSON.stringify(name)}`);
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    } catch (error) {
      throw new CliError('usage', `${name}: ${(error as Error).message}`);
    }
    await command.run(parsed.positionals, parsed.values as Record<string, string | boolean | undefined>, io);
    return 0;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(`baton: ${error.message}`);
    if (error.kind === 'usage') io.err(USAGE);
    return error.exitCode;
  }
}
