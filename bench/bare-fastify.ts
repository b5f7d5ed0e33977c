/**
 * The benchmarks' ceiling of a Node HTTP server here: a bare Fastify app with one POST route returning
 * a constant JSON, run as a child process (`startBareFastify` in bench-processes.ts).
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.post('/bare', async () => ({ status: 'ok' }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`bare fastify listening on ${url}\n`);
const stop = (): void => {
  void app.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
