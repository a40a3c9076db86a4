#!/usr/bin/env node
// Ensures what `npm test` runs besides Node: prometheus, promtool, Rscript and PostgreSQL (initdb,
// postgres); quiet when installed.
import { ensureTestDeps, runAsCommand } from './lib/ensure-binaries.mjs';

await runAsCommand(ensureTestDeps);
