// Migrations are plain .sql files; tsc does not copy them, so the build does.
import { cpSync } from 'node:fs';

cpSync(new URL('../src/db/migrations/', import.meta.url), new URL('../dist/src/db/migrations/', import.meta.url), {
  recursive: true,
});
