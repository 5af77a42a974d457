#!/usr/bin/env node
// Operators' entry point (`npx auth-service <command>`); the code lives in the compiled CLI.
import { runCli } from '../dist/src/cli/main.js';

process.exitCode = await runCli(process.argv.slice(2));
