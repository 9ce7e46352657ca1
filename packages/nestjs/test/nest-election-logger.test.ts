import type { LoggerService } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { nestElectionLogger } from '../src/index.js';

/** A LoggerService that records what it is asked to write, by method. */
function recorder(withDebug = true) {
  const lines: [string, unknown[]][] = [];
  const write =
    (level: string) =>
    (...args: unknown[]) =>
      lines.push([level, args]);
  const service: LoggerService = {
    log: write('log'),
    warn: write('warn'),
    error: write('error'),
    ...(withDebug ? { debug: write('debug') } : {}),
  };
  return { service, lines };
}

describe('nestElectionLogger', () => {
  it('writes each level to its Nest method, one line with the fields as JSON', () => {
    const { service, lines } = recorder();
    const logger = nestElectionLogger(service);

    logger.debug('step', { term: 3 });
    logger.info('election started', { id: 'node-a', voters: ['node-a', 'node-b'] });
    logger.warn('stop: no successor known within stopTimeout; leaving anyway');
    logger.error('stop: transport.stop failed', { error: 'Error: closed' });

    expect(lines).toEqual([
      ['debug', ['step {"term":3}']],
      ['log', ['election started {"id":"node-a","voters":["node-a","node-b"]}']],
      ['warn', ['stop: no successor known within stopTimeout; leaving anyway']],
      ['error', ['stop: transport.stop failed {"error":"Error: closed"}']],
    ]);
  });

  it('writes fields JSON cannot carry as well as it can, and skips debug on a logger without it', () => {
    const { service, lines } = recorder(false);
    const logger = nestElectionLogger(service);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;

    logger.info('bigint', { mono: 12n });
    logger.info('cycle', cycle);
    logger.debug('not written');

    expect(lines).toEqual([
      ['log', ['bigint {"mono":"12"}']],
      ['log', ['cycle [object Object]']],
    ]);
  });
});
