// The yardstick of the verdict route: a bare fastify process that answers GET /verdict with a
// fixed JSON body (the daemon's own verdict body, passed as a file), no logging, no schema.
// `node dist-bench/bench/daemon-load/bare-server.js BODY_FILE`; prints its URL on stdout, stops on SIGTERM.

import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const bodyFile = process.argv[2];
if (bodyFile === undefined) {
  process.stderr.write('usage: node dist-bench/bench/daemon-load/bare-server.js BODY_FILE\n');
  process.exit(2);
}
const body = readFileSync(bodyFile, 'utf8');
const app = Fastify({ logger: false });
app.get('/verdict', async (_request, reply) => reply.type('application/json; charset=utf-8').send(body));
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${address}\n`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
