// The demo's control endpoint: an HTTP server on loopback that serves the dashboard (the sample service's
// public/ files, unchanged) and lets it start one more replica or stop one, which only the launcher can do
// (it owns the processes). Every answer is JSON; an error answers { error } naming what was wrong.
import { readdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, join } from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' };

/** A refusal the dashboard shows as it is: `status` is the HTTP status. */
export class ControlError extends Error {
  /**
   * @param {number} status
   * @param {string} message
   */
  constructor(status, message) {
    super(message);
    this.name = 'ControlError';
    this.status = status;
  }
}

/**
 * @typedef {object} ControlActions
 * @property {() => object} list                 the replicas as the dashboard shows them
 * @property {() => Promise<object>} start       starts one more replica; throws a ControlError when it cannot
 * @property {(name: string) => object} stop     stops a replica gracefully (SIGTERM), for good
 */

/**
 * Serves the dashboard and the control API on `host:port` (loopback):
 *
 * - `GET /`, `GET /<file>.js`: the dashboard, from `publicDir`;
 * - `GET /demo/replicas`: `{ clusterId, replicas: [{ name, id, url, pid, state }], ... }`;
 * - `POST /demo/replicas`: start one more replica (201);
 * - `POST /demo/replicas/<name>/stop`: SIGTERM to that replica; the launcher does not restart it (202).
 *
 * A POST carrying an `Origin` other than this server's own is refused (403), so that no other web page
 * open in the browser can start or stop replicas; a request naming another `Host` is refused too.
 *
 * @param {{ host: string, port: number, publicDir: string, actions: ControlActions }} options
 * @returns {Promise<import('node:http').Server>}
 */
export async function serveControl({ host, port, publicDir, actions }) {
  const files = new Set((await readdir(publicDir)).filter((name) => extname(name) in TYPES));
  const self = `http://${host}:${port}`;

  async function handle(request) {
    const url = new URL(request.url ?? '/', self);
    if (request.headers.host !== `${host}:${port}` && request.headers.host !== `localhost:${port}`) {
      throw new ControlError(403, `Host: this endpoint answers ${host}:${port} only`);
    }
    if (request.method === 'POST') {
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== self && origin !== `http://localhost:${port}`) {
        throw new ControlError(403, `Origin: ${origin} may not control the demo (only ${self})`);
      }
    }
    const path = url.pathname;
    if (request.method === 'GET' && path === '/demo/replicas') return { status: 200, body: actions.list() };
    if (path === '/demo/replicas') {
      if (request.method !== 'POST')
        throw new ControlError(405, `${request.method} ${path}: use GET or POST`);
      return { status: 201, body: await actions.start() };
    }
    const stop = /^\/demo\/replicas\/([^/]+)\/stop$/.exec(path);
    if (stop) {
      if (request.method !== 'POST') throw new ControlError(405, `${request.method} ${path}: use POST`);
      return { status: 202, body: actions.stop(decodeURIComponent(stop[1])) };
    }
    const file = path === '/' ? 'index.html' : path.slice(1);
    if (request.method === 'GET' && files.has(file)) {
      return { status: 200, type: TYPES[extname(file)], raw: await readFile(join(publicDir, file)) };
    }
    throw new ControlError(404, `${request.method} ${path}: no such resource`);
  }

  const server = createServer((request, response) => {
    handle(request).then(
      ({ status, body, type, raw }) => {
        response.writeHead(status, {
          'content-type': type ?? 'application/json',
          'cache-control': 'no-store',
        });
        response.end(raw ?? JSON.stringify(body));
      },
      (error) => {
        const status = error instanceof ControlError ? error.status : 500;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ error: error.message }));
      },
    );
  });
  await new Promise((resolveListen, rejectListen) => {
    server.once('error', rejectListen);
    server.listen({ port, host, exclusive: true }, resolveListen);
  });
  return server;
}
