#!/usr/bin/env node
// Ensures what `npm test` runs besides Node: prometheus, promtool, Rscript and PostgreSQL (initdb,
// postgres); quiet when installed.
import { ensureTestDeps, runAsCommand } from './lib/ensure-binaries.mjs';
// And chromium (Debian package "chromium"), in which the HTML canary report's test opens the report.
import { ensureChromium } from './lib/ensure-binaries.mjs';

await runAsCommand(async () => {
  await ensureTestDeps();
  await ensureChromium();
});
