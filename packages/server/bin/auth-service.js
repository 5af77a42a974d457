#!/usr/bin/env node
// Operators' entry point (`npx auth-service <command>`); the code lives in the compiled CLI.
import { runCli } from '../dist/src/cli/main.js';

const code = await runCli(process.argv.slice(2));
// A command is done: exit, even if something (a client reconnecting, say) would keep the event
// loop alive. `serve` (null) returns once the service listens, and must run on.
if (code !== null) process.exit(code);
