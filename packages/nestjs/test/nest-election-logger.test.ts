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

  it("hands the fields as an object to a logger backed by nestjs-pino, through Nest's Logger too", () => {
    const { service, lines } = recorder();
    // nestjs-pino's Logger keeps its PinoLogger (which has assign()) as `logger`.
    const pinoBacked = Object.assign(service, { logger: { assign() {} } });
    nestElectionLogger(pinoBacked).info('became leader', { id: 'node-a', term: 7 });
    // Nest's Logger forwards to the application's logger, its `localInstance`.
    const nestLogger = {
      localInstance: pinoBacked,
      log: pinoBacked.log,
      warn: pinoBacked.warn,
      error: pinoBacked.error,
    };
    nestElectionLogger(nestLogger).warn('no peer reachable', { addresses: [] });
    nestElectionLogger(pinoBacked).info('no fields');
    expect(lines).toEqual([
      ['log', [{ id: 'node-a', term: 7, msg: 'became leader' }]],
      ['warn', [{ addresses: [], msg: 'no peer reachable' }]],
      ['log', ['no fields']],
    ]);
  });
});
