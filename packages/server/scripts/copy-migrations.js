// Migrations are plain .sql files; tsc does not copy them, so the build does. The target is
// emptied first: a migration renamed or removed in the source must not linger in dist/ and be
// applied from there.
import { cpSync, rmSync } from 'node:fs';

const target = new URL('../dist/src/db/migrations/', import.meta.url);
rmSync(target, { recursive: true, force: true });
cpSync(new URL('../src/db/migrations/', import.meta.url), target, { recursive: true });
