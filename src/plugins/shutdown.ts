import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { sendProblem } from './problem.js';

/** Seconds a client is told to wait before retrying elsewhere or later. */
const RETRY_AFTER_SECONDS = '5';

/**
 * While the app closes, a request that still arrives (on a connection that was busy when the close
 * began) is refused with a 503 problem that asks the client to retry, and its connection is closed.
 * Replaces Fastify's own plain-JSON answer (return503OnClosing is off in app.ts).
 */
export default fp(
  async function shutdownPlugin(app: FastifyInstance) {
    let closing = false;
    app.addHook('preClose', async () => {
      closing = true;
    });
    app.addHook('onRequest', async (request, reply) => {
      if (!closing) return;
      reply.header('connection', 'close').header('retry-after', RETRY_AFTER_SECONDS);
      return sendProblem(request, reply, 503, 'service_unavailable', 'The service is shutting down; please retry.');
    });
    // A request in flight when the close began ends its connection with its answer: left open, the
    // connection would go idle after the moment Node closed the idle ones, and hold the close
    // until its keep-alive timeout.
    app.addHook('onSend', async (_request, reply) => {
      if (closing) reply.header('connection', 'close');
    });
  },
  { name: 'shutdown', dependencies: ['security-headers'] },
);

/**
 * Closes the app for a SIGTERM: stops accepting, closes idle connections at once (Node's
 * server.close does), lets the requests in flight finish for `graceMs`, then cuts the connections
 * still open. A download cut that way ends in an error for its client (its chunked body never
 * ends), never in a file that looks complete. Resolves with whether any had to be cut.
 */
export async function closeGracefully(app: FastifyInstance, graceMs: number): Promise<{ cutShort: boolean }> {
  let cutShort = false;
  const timer = setTimeout(() => {
    cutShort = true;
    app.server.closeAllConnections();
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(timer);
  }
  return { cutShort };
}
