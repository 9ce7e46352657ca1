/** Texts of the errors and warnings `@baton/nestjs` writes, in one place (as `@nestjs/schedule` does). */

export const NO_TRANSPORT =
  'give either `transport` (a Transport instance, e.g. libp2pTransport(...) or MemoryNetwork#transport(id)) ' +
  'or `libp2p` (options for @baton/transport-libp2p)';

export const BOTH_TRANSPORTS = 'give `transport` or `libp2p`, not both';

export const LIBP2P_NOT_INSTALLED =
  '`libp2p` options need the optional peer dependency @baton/transport-libp2p: install it, ' +
  'or pass a ready `transport` instead';

export const LIBP2P_NO_FACTORY =
  'the installed @baton/transport-libp2p does not export libp2pTransport(): install a version that matches @baton/nestjs';

export function nonStaticHandler(className: string, methodName: string, decorator: string): string {
  return (
    `Cannot register ${decorator} handler "${className}.${methodName}": it is defined in a request-scoped ` +
    'or transient provider; election handlers need a singleton provider'
  );
}

export function handlerFailed(handler: string, event: string): string {
  return `${handler} failed while handling '${event}'`;
}

export function decoratorOnNonMethod(decorator: string, target: string): string {
  return `${decorator} can only decorate a method; ${target} is not one`;
}

export const LEADER_ONLY_OPTIONS_NOT_OBJECT =
  '@LeaderOnly() takes a group name, an options object ({ group?: string, passLeadership?: boolean }), ' +
  "both (@LeaderOnly('billing', { passLeadership: true })) or nothing";

export const LEADER_ONLY_UNKNOWN_OPTION =
  'not an option of @LeaderOnly(): its options are group and passLeadership (the former passFencingToken)';

export const LEADER_ONLY_GROUP_NOT_STRING = "must be an election group's name, such as 'billing'";

export const LEADER_ONLY_SECOND_ARGUMENT =
  "@LeaderOnly(options) takes one argument; with a group, the name goes first: @LeaderOnly('billing', options)";

export function leaderOnlyTwoGroups(first: string): string {
  return `@LeaderOnly('${first}', { group }) names two different groups: give the group once`;
}

export const LEADER_ONLY_NOT_BOOLEAN = 'must be true or false';

export function leaderOnlyUnregistered(className: string, methodName: string): string {
  return (
    `@LeaderOnly() ${className}.${methodName} was skipped: its instance is not a provider or controller ` +
    'of an application that imports LeaderModule (or it is request-scoped in an app with several ' +
    'LeaderModules), so it cannot know whether this node leads'
  );
}

export const METRICS_NOT_OPTIONS =
  'must be true, false or { registry?: a prom-client Registry, libp2p?: boolean }';

export const LIBP2P_METRICS_NOT_INSTALLED =
  'libp2p metrics need the optional peer dependency @libp2p/prometheus-metrics: install it, or drop `libp2p: true`';

export const LIBP2P_METRICS_WITHOUT_LIBP2P =
  'libp2p metrics apply to the transport the module builds from `libp2p` options; with your own `transport`, ' +
  'give its node `metrics: prometheusMetrics({ registry })` yourself';

export const LEADER_ADDRESS_NOT_FUNCTION = 'must be a function from a node id to its HTTP base URL';

export function leaderOnlyOnRoute(className: string, methodName: string): string {
  return (
    `@LeaderOnly() is on the route handler ${className}.${methodName}: on a follower the request is answered ` +
    '200 with an empty body. @LeaderOnly() is for scheduled methods; guard routes with @LeaderRoute() or ' +
    '@UseGuards(LeaderGuard), which answer 503 with the leader (or redirect to it)'
  );
}

export const NOT_THE_LEADER = 'this node is not the leader';

export function notTheGroupLeader(group: string): string {
  return `this node is not the leader of election group ${group}`;
}

export const EXPECT_WITH_VOTERS =
  'give `voters` (the voters, named) or `expect` (how many replicas form the first voter set), not both';

export const EXPECT_NOT_COUNT =
  'must be an integer between 1 and 1000 (the replicas that form the first voter set)';

export const DISCOVERY_TIMEOUT_NOT_MS =
  'must be a positive integer of milliseconds, at most 2147483647 (how long a node looks for its cluster)';

export const DISCOVERY_TIMEOUT_WITH_VOTERS =
  'bounds the search for the voters; with `voters` named there is none: drop `discoveryTimeout`';

export function discoveryTimedOut(timeout: number, expect: number, peers: readonly string[]): string {
  const found = peers.length === 0 ? 'no peer' : `${peers.length} peer(s) (${peers.join(', ')})`;
  const wanted =
    expect === 1
      ? 'found no cluster to join, and expect=1 forms alone only when no fresh peer it sees has a smaller id; ' +
        `it found ${found}`
      : `found no cluster to join, and ${found} of the ${expect - 1} more fresh node(s) that expect=${expect} ` +
        'needs to form the first voter set';
  return (
    `discoveryTimeout (${timeout} ms) ran out: this node ${wanted}. Start the other replicas, check that the ` +
    'bootstrap addresses reach them (the BatonLibp2p warnings name each address and why it failed), set ' +
    '`expect` to the replicas you start, or raise `discoveryTimeout`'
  );
}

export const EXPECT_NEEDS_DISCOVERY =
  'needs a transport that can discover its peers (`discoverVoters()`, as @baton/transport-libp2p has): ' +
  'name the `voters` instead';

export const DISCOVERY_NEEDS_DATA_DIR =
  'a node that finds its voters itself keeps them, and the configuration that follows, in `dataDir`; ' +
  'without it a restarted node would form a voter set again: give `dataDir`, or name the `voters`';

export function groupNotAsked(group: string, asked: readonly string[]): string {
  const known = asked.length === 0 ? 'none' : asked.join(', ');
  return (
    `LeaderService.group('${group}'): this node did not ask for election group ${group}. List it in ` +
    `LeaderModule's \`groups\` option (groups: ['${group}']), or decorate a method for it ` +
    `(@LeaderOnly('${group}'), @OnBecomeLeader('${group}'), ...). Groups asked for: ${known}`
  );
}

export const GROUPS_NOT_LIST =
  "must be a list of election group names, such as ['billing', 'reports'] (the groups this replica may lead)";
