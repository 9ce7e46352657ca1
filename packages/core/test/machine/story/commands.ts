import {
  ELECTION_MESSAGE_TYPES,
  type ElectionMessage,
  type ElectionMessageType,
  type ElectionOptions,
  type InspectSnapshot,
  type MembershipChange,
} from '../../../src/index.js';
import { Prng } from '../../../src/testing/prng.js';
import { type Args, type Command, Interpreter } from './interpreter.js';
import { StoryError } from './script.js';

/**
 * The commands of the story language, in one table: a new command (say `add-voter`) is one more entry. The
 * usage shows in the error for a bad argument; the names in the error for an unknown command.
 */
export const COMMANDS: Readonly<Record<string, Command>> = {
  'add-nodes': {
    usage:
      'add-nodes [count | id...] [voters=a,b,c] [observers=d,e] [random=r,r,... | seed=n] ' +
      '[electionTimeoutMin=ms] [electionTimeoutMax=ms] [heartbeatInterval=ms] [clockDriftBound=x]',
    summary:
      'starts nodes with empty storage: those named (a count names them n1, n2...; by default, the first ' +
      'time, the voters listed) and the observers listed. Voters: voters=, or else the voter list of the ' +
      'first add-nodes, or else every node named but the observers; a node that is not a voter is an ' +
      'observer that every node keeps informed. The first add-nodes sets the election options and the ' +
      'randomness: random= is the sequence every election timeout draws from in turn (default 0: each ' +
      'timeout is electionTimeoutMin), seed= a seeded Prng',
    words: [0, 100],
    keys: [
      'voters',
      'observers',
      'random',
      'seed',
      'electionTimeoutMin',
      'electionTimeoutMax',
      'heartbeatInterval',
      'clockDriftBound',
    ],
    run: addNodes,
  },
  campaign: {
    usage: 'campaign <id>',
    summary: "time moves to the node's election deadline and its election timer fires (nothing is delivered)",
    words: [1, 1],
    run(story, args) {
      const id = story.net.node(args.words[0] as string);
      const machine = story.net.get(id);
      if (machine.role === 'leader') throw new StoryError(`campaign: ${id} leads; its timer is a heartbeat`);
      story.net.passTime(Math.max(story.net.now, machine.nextDeadline()), (x) => x === id, false);
    },
  },
  tick: {
    usage: 'tick <id | all> [ms]',
    summary:
      "time moves by ms (default: to the next deadline of those nodes), and those nodes' timers fire at their " +
      'deadlines, in order; messages wait for deliver',
    words: [1, 2],
    run(story, args) {
      const net = story.net;
      const which = args.words[0] as string;
      const id = which === 'all' ? null : net.node(which);
      const picked = (x: string): boolean => id === null || x === id;
      const ms = args.numberAt(1, 'tick: ms');
      if (ms !== undefined && ms < 0) throw new StoryError(`tick: ms must be >= 0 (got ${ms})`);
      if (ms !== undefined) return net.passTime(net.now + ms, picked, false);
      const deadlines = net
        .up()
        .filter(picked)
        .map((x) => net.get(x).nextDeadline());
      if (deadlines.length === 0) throw new StoryError('tick: no node is up');
      net.passTime(Math.max(net.now, Math.min(...deadlines)), picked, false);
    },
  },
  run: {
    usage: 'run <ms>',
    summary:
      'time moves by ms with the network working: every timer fires at its deadline and every message is ' +
      'delivered as soon as it is sent (cut links and down nodes lose theirs)',
    words: [1, 1],
    run(story, args) {
      const ms = args.numberAt(0, 'run: ms') as number;
      if (ms < 0) throw new StoryError(`run: ms must be >= 0 (got ${ms})`);
      story.net.passTime(story.net.now + ms, () => true, true);
    },
  },
  deliver: {
    usage: 'deliver [from=<id>] [to=<id>] [type=<message type>] [drop]',
    summary:
      'one round: delivers (or, with drop, loses) the pending messages that match, in the order sent; the ' +
      'others stay pending, and what the deliveries produce waits for the next round',
    keys: ['from', 'to', 'type'],
    flags: ['drop'],
    run(story, args) {
      const from = args.key('from');
      const to = args.key('to');
      const type = args.key('type');
      if (type !== undefined) messageType(type);
      const picked = story.net.deliverRound(
        (m) =>
          (from === undefined || m.from === from) &&
          (to === undefined || m.to === to) &&
          (type === undefined || m.type === type),
        args.flag('drop'),
      );
      if (picked === 0) story.print(null, 'no pending message matches');
    },
  },
  stabilize: {
    usage: 'stabilize',
    summary: 'delivers round after round, at the current time, until no message is pending',
    run(story) {
      if (story.net.inbox.length === 0) story.print(null, 'no pending message');
      story.net.deliverAll();
    },
  },
  inject: {
    usage:
      'inject <message type> from=<id> to=<id> term=<n> [round=<n>] [config=<version>] [configTerm=<n>] ' +
      '[voters=a,b,c] [granted | refused] [ok | stale] [transfer] [leaving]',
    summary:
      'delivers now a message that no node sent (a forged, stale or duplicated one); config and configTerm ' +
      "default to the receiver's configuration; voters= sends a heartbeat's configuration in full",
    words: [1, 1],
    keys: ['from', 'to', 'term', 'round', 'config', 'configTerm', 'voters'],
    flags: ['granted', 'refused', 'ok', 'stale', 'transfer', 'leaving'],
    run(story, args) {
      story.net.receive(forgeMessage(story, args));
    },
  },
  cut: {
    usage: 'cut <a> <b>',
    summary: 'cuts the link between a and b in both directions (pending messages on it are lost too)',
    words: [2, 2],
    run(story, args) {
      const [a, b] = args.words.map((id) => story.net.node(id, true)) as [string, string];
      story.net.cutLink(a, b);
      story.net.fault(null, `cut ${a} <-> ${b}`);
    },
  },
  isolate: {
    usage: 'isolate <id>',
    summary: 'cuts every link to and from the node',
    words: [1, 1],
    run(story, args) {
      const id = story.net.node(args.words[0] as string, true);
      for (const other of story.net.ids) if (other !== id) story.net.cutLink(id, other);
      story.net.fault(id, 'isolated');
    },
  },
  heal: {
    usage: 'heal',
    summary: 'restores every link',
    run(story) {
      story.net.recover();
      story.net.fault(null, 'network healed');
    },
  },
  crash: {
    usage: 'crash <id>',
    summary: 'stops the node: its machine is gone, what it persisted stays, messages to it are lost',
    words: [1, 1],
    run(story, args) {
      story.net.crash(args.words[0] as string);
    },
  },
  restart: {
    usage: 'restart <id>',
    summary: 'starts a crashed node again from what it persisted',
    words: [1, 1],
    run(story, args) {
      story.net.restartNode(args.words[0] as string);
    },
  },
  transfer: {
    usage: 'transfer <from> [to=<id>]',
    summary: 'the node hands leadership over (to=, or the follower that acknowledged the latest round)',
    words: [1, 1],
    keys: ['to'],
    run(story, args) {
      const id = story.net.node(args.words[0] as string);
      try {
        const target = story.net.get(id).transferLeadership(story.net.now, args.key('to'));
        story.print(id, `transfer leadership to ${target ?? '(no eligible voter)'}`);
      } catch (error) {
        story.print(id, `error ${describeError(error)}`);
      }
      story.net.collect(id);
    },
  },
  'step-down': {
    usage: 'step-down <id>',
    summary: 'the node gives up leadership without naming a successor',
    words: [1, 1],
    run(story, args) {
      const id = story.net.node(args.words[0] as string);
      const was = story.net.get(id).stepDown(story.net.now);
      story.print(id, was ? 'step down' : 'step down (was not leader)');
      story.net.collect(id);
    },
  },
  state: {
    usage: 'state [id...]',
    summary: 'role, term, vote, known leader, lease left and next timer of the nodes (default: all)',
    words: [0, 100],
    run(story, args) {
      const ids = args.words.length > 0 ? args.words : story.net.ids;
      for (const id of ids) story.print(story.net.node(id, true), describeNode(story, id));
    },
  },
  inspect: {
    usage: 'inspect <id>',
    summary: "the node's inspect snapshot: state, configuration, last contact per peer, counters",
    words: [1, 1],
    run(story, args) {
      const id = story.net.node(args.words[0] as string);
      const snapshot = story.net.get(id).inspect(story.net.now);
      story.print(id, describeNode(story, id));
      story.print(
        id,
        `voters=${snapshot.membership.voters.join(',')} ` +
          `config=v${snapshot.membership.version}@t${snapshot.membership.term} ` +
          `observers=${snapshot.membership.observers.join(',') || 'none'}` +
          (snapshot.membership.change === null
            ? ''
            : ` change=${describeChange(snapshot.membership.change)}`) +
          (snapshot.membership.leaving ? ' leaving' : ''),
      );
      const contact = Object.entries(lastContact(snapshot)).map(([peer, ms]) => `${peer}=${ms ?? 'never'}`);
      story.print(id, `lastContact ${contact.join(' ') || 'none'}`);
      const { messagesDropped, ...counters } = snapshot.counters;
      story.print(id, `counters ${keyValues(counters)}`);
      const dropped = Object.fromEntries(Object.entries(messagesDropped).filter(([, n]) => n > 0));
      story.print(id, `dropped ${keyValues(dropped) || 'none'}`);
    },
  },
};

/** A fresh interpreter over {@link COMMANDS}: one per story file. */
export function newInterpreter(): Interpreter {
  return new Interpreter(COMMANDS);
}

// ---------------------------------------------------------------- add-nodes

const OPTION_KEYS = [
  'electionTimeoutMin',
  'electionTimeoutMax',
  'heartbeatInterval',
  'clockDriftBound',
] as const;

function addNodes(story: Interpreter, args: Args): void {
  const first = !story.started;
  const existing = first ? 0 : story.net.ids.length;
  const count = args.words.length === 1 ? Number(args.words[0]) : Number.NaN;
  const named = Number.isInteger(count)
    ? Array.from({ length: count }, (_, i) => `n${existing + i + 1}`)
    : [...args.words];
  const observers = args.list('observers') ?? [];
  const voters = args.list('voters') ?? story.voters ?? named.filter((id) => !observers.includes(id));
  for (const id of observers) {
    if (voters.includes(id)) throw new StoryError(`add-nodes: ${id} cannot be both a voter and an observer`);
  }
  // The nodes named (by default, the first time, the voters listed), then the observers.
  const started = named.length === 0 && first ? voters : named;
  const ids = [...new Set([...started, ...observers])];
  if (ids.length === 0)
    throw new StoryError(`add-nodes: no node to add (usage: ${COMMANDS['add-nodes']?.usage})`);
  if (first) {
    story.voters = voters;
    story.start(electionOptions(args), randomness(args));
  } else {
    for (const key of [...OPTION_KEYS, 'random', 'seed']) {
      if (args.key(key) !== undefined) {
        throw new StoryError(`add-nodes: ${key}= can only be set by the first add-nodes`);
      }
    }
  }
  const net = story.net;
  for (const id of ids) net.addNode(id, voters);
  for (const id of ids) if (!voters.includes(id)) net.addObserver(id);
}

function electionOptions(args: Args): Partial<ElectionOptions> {
  const options: Partial<ElectionOptions> = {};
  for (const key of OPTION_KEYS) {
    const value = args.number(key);
    if (value !== undefined) options[key] = value;
  }
  return options;
}

function randomness(args: Args): () => number {
  const seed = args.number('seed');
  const values = args.list('random')?.map((text) => Number(text));
  if (seed !== undefined && values !== undefined)
    throw new StoryError('add-nodes: random= or seed=, not both');
  if (seed !== undefined) return new Prng(seed).next;
  if (values === undefined) return () => 0;
  if (values.some((r) => !(r >= 0 && r < 1))) {
    throw new StoryError(`add-nodes: random= takes numbers in [0, 1) (got ${args.key('random')})`);
  }
  let i = 0;
  return () => values[i++ % values.length] as number;
}

// ---------------------------------------------------------------- inject

function messageType(text: string): ElectionMessageType {
  if (!(ELECTION_MESSAGE_TYPES as readonly string[]).includes(text)) {
    throw new StoryError(`"${text}" is not a message type (${ELECTION_MESSAGE_TYPES.join(', ')})`);
  }
  return text as ElectionMessageType;
}

function forgeMessage(story: Interpreter, args: Args): ElectionMessage {
  const type = messageType(args.words[0] as string);
  const from = args.key('from');
  const to = args.key('to');
  const term = args.number('term');
  if (from === undefined || to === undefined || term === undefined) {
    throw new StoryError('inject: from=, to= and term= are required');
  }
  const receiver = story.net.get(story.net.node(to));
  const envelope = { cluster: receiver.options.clusterId, from, to, term };
  const configuration = {
    term: args.number('configTerm') ?? receiver.configuration.term,
    version: args.number('config') ?? receiver.configuration.version,
  };
  const voters = args.key('voters');
  const carried =
    voters === undefined ? configuration : { ...configuration, voters: voters.split(',').sort() };
  const round = (): number => {
    const value = args.number('round');
    if (value === undefined) throw new StoryError(`inject: a ${type} needs round=`);
    return value;
  };
  const either = (yes: string, no: string): boolean => {
    if (args.flag(yes) === args.flag(no)) throw new StoryError(`inject: a ${type} is either ${yes} or ${no}`);
    return args.flag(yes);
  };
  switch (type) {
    case 'pre-vote':
      return { ...envelope, type, configuration };
    case 'vote':
      return { ...envelope, type, configuration, transfer: args.flag('transfer') };
    case 'pre-vote-response':
    case 'vote-response':
      return { ...envelope, type, granted: either('granted', 'refused') };
    case 'heartbeat':
      return { ...envelope, type, round: round(), configuration: carried };
    case 'heartbeat-response':
      return {
        ...envelope,
        type,
        round: round(),
        ok: either('ok', 'stale'),
        configuration,
        leaving: args.flag('leaving'),
      };
    case 'timeout-now':
      return { ...envelope, type };
  }
}

// ---------------------------------------------------------------- descriptions

function describeChange(change: MembershipChange): string {
  return `${change.added === null ? '' : `+${change.added}`}${change.removed === null ? '' : `-${change.removed}`}`;
}

function describeNode(story: Interpreter, id: string): string {
  const net = story.net;
  const down = net.down.get(id);
  if (down !== undefined) {
    const state = down.persisted;
    return `down (persisted term ${state?.term ?? 0}, vote ${state?.votedFor ?? 'none'})`;
  }
  const m = net.get(id);
  const end = m.leaseEnd(net.now);
  const lease = end === null ? '' : ` lease=${(end - net.now).toFixed(1)}`;
  return (
    `${m.role} term=${m.term} vote=${m.votedFor ?? 'none'} leader=${m.leader ?? 'none'}${lease} ` +
    `timer=${formatTime(m.nextDeadline())}`
  );
}

function formatTime(at: number): string {
  return Number.isInteger(at) ? String(at) : at.toFixed(3);
}

function keyValues(record: Readonly<Record<string, number>>): string {
  return Object.entries(record)
    .map(([key, value]) => `${key}=${value}`)
    .join(' ');
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The one place that reads a snapshot field whose name is changing (`lastContactMs` becomes `lastContact`):
 * stories print it under the new name already, so their expected output does not change with the rename.
 */
function lastContact(snapshot: InspectSnapshot): Readonly<Record<string, number | null>> {
  return snapshot.lastContact;
}
