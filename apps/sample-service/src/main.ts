import 'reflect-metadata';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LeaderService } from '@baton/nestjs';
import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { ClusterDirectory } from './cluster/cluster-directory.service.js';
import { ConfigError, loadConfig, type ServiceConfig } from './config/service-config.js';
import { LeadershipLog } from './leadership/leadership-log.js';

const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');

function configOrExit(): ServiceConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sample-service: ${error.message}\nSee apps/sample-service/README.md.\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    // One JSON object per line, like the leadership records, so that one parser reads the whole output.
    logger: new ConsoleLogger({ json: true }),
    // A dashboard keeps connections open (the /events streams, keep-alive polls): close them when the HTTP
    // server closes (after the election has stopped), or a graceful stop would wait for the browser.
    forceCloseConnections: true,
  });
  // SIGTERM/SIGINT run the shutdown hooks: LeaderModule stops the election in beforeApplicationShutdown,
  // and the election's stop() hands leadership over before the process exits.
  app.enableShutdownHooks();
  // Every node's dashboard reads every other node's /status and /events.
  app.enableCors();
  app.useStaticAssets(PUBLIC_DIR, { index: 'index.html' });
  await app.listen(config.httpPort, config.httpHost);

  const address = app.getHttpServer().address() as { port: number };
  const host = config.httpHost === '0.0.0.0' || config.httpHost === '::' ? '127.0.0.1' : config.httpHost;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  app.get(ClusterDirectory).setOwnUrl(url);
  app.get(LeadershipLog).write('node-started', app.get(LeaderService).term(), {
    url,
    dataDir: config.dataDir,
    dbPath: config.dbPath,
  });
  new Logger('Main').log(`${config.nodeName} listening on ${url}`);

  if (config.stopOnStdinEnd) {
    // The demo launcher holds our stdin open; when it dies (even by SIGKILL) the pipe closes: stop too.
    process.stdin.on('end', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.on('error', () => process.kill(process.pid, 'SIGTERM'));
    process.stdin.resume();
  }
  const leader = app.get(LeaderService);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => app.get(LeadershipLog).write('node-stopping', leader.term(), { signal }));
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`sample-service: failed to start: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
