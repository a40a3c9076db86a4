// The real-Prometheus harness lives in src/demo (the demo starts one too); tests import it from here.
export * from '../../src/demo/prometheus-server.js';
export * from './openmetrics.js';
