#!/usr/bin/env node
// Ensures prometheus and promtool are installed (apt-get as root on Debian/Ubuntu); quiet when they are.
import { ensurePrometheus, runAsCommand } from './lib/ensure-binaries.mjs';

await runAsCommand(ensurePrometheus);
