// canaryd's version: the `version` of the package.json shipped next to dist/ (and next to src/ in
// the repo), read once when the CLI starts.

import { readFileSync } from 'node:fs';

export function packageVersion(packageJson: URL = new URL('../../package.json', import.meta.url)): string {
  try {
    const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
