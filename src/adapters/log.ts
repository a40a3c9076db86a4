// The log adapter: a dry run. It records what it would have asked a deployer and always succeeds.

import type { AdapterRequest, DeploymentAdapter } from './types.js';

export function createLogAdapter(options: { name: string; record: (request: AdapterRequest) => void }): DeploymentAdapter {
  return {
    name: options.name,
    type: 'log',
    async call(request) {
      options.record(request);
      return { ok: true, attempts: 1 };
    },
  };
}
