// The real-PostgreSQL harness lives in src/bench (the replicas benchmark starts one too); tests import it from here.
export * from '../../src/bench/postgres-server.js';
