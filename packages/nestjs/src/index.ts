/**
 * `@baton/nestjs`: Baton for NestJS. `LeaderModule` joins the application to a cluster, `LeaderService`
 * exposes the election as values and RxJS streams, the decorators run methods on election events or only
 * on the leader. The terminus health indicator lives in `@baton/nestjs/health`.
 *
 * @packageDocumentation
 */
export type {
  ClusterMessage,
  Configuration,
  ElectionGroupEvents,
  InspectSnapshot,
  LeaderElectionEvents,
  LeadershipHandle,
  LeadershipLostReason,
  Membership,
  MembershipChangeOptions,
  NodeId,
  Role,
} from '@baton/core';
export {
  ConfigurationVersionError,
  InvalidOptionError,
  InvalidTargetError,
  LeadershipLostError,
  MembershipChangeError,
  NoSuccessorError,
  NotLeaderError,
  NotRunningError,
  TimeoutError,
} from '@baton/core';
export { LeaderOnly, type LeaderOnlyOptions } from './decorators/leader-only.decorator.js';
export { OnBecomeFollower } from './decorators/on-become-follower.decorator.js';
export { OnBecomeLeader } from './decorators/on-become-leader.decorator.js';
export { OnClusterMessage } from './decorators/on-cluster-message.decorator.js';
export { OnLeaderChange } from './decorators/on-leader-change.decorator.js';
export { OnLeadershipLost } from './decorators/on-leadership-lost.decorator.js';
export { OnPeerJoined } from './decorators/on-peer-joined.decorator.js';
export { OnPeerLeft } from './decorators/on-peer-left.decorator.js';
export { OnTermChange } from './decorators/on-term-change.decorator.js';
export { OnVotersChange } from './decorators/on-voters-change.decorator.js';
export {
  DiscoveryTimeoutError,
  EventHandlerError,
  GroupNotAskedError,
  InvalidDecoratorTargetError,
  LeaderModuleError,
  type LeaderModuleErrorCode,
} from './errors.js';
export { LeaderGuard, type NotLeaderResponse } from './http/leader.guard.js';
export { LeaderRoute, type LeaderRouteOptions } from './http/leader-route.decorator.js';
export type {
  LeaderMetricsOptions,
  LeaderModuleOptions,
  Libp2pTransportInit,
} from './interfaces/leader-module-options.interface.js';
export type { LeaderState } from './interfaces/leader-state.interface.js';
export { LEADER_ELECTION } from './leader.constants.js';
export { LeaderModule } from './leader.module.js';
export type {
  LeaderModuleAsyncOptions,
  LeaderModuleExtras,
  LeaderModuleForRootOptions,
} from './leader.module-definition.js';
export { LeaderService } from './leader.service.js';
export { LeaderGroup } from './leader-group.js';
export type { LeaderGroupOptions, LeaderModuleGroup } from './module-groups.js';
export { nestElectionLogger } from './nest-election-logger.js';
