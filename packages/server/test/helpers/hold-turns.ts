// A stand-in for an instance that dies in the middle of logins: a real process that builds the
// service's throttle (runtime.ts's wiring) on the shared store (DATABASE_URL, and REDIS_URL when
// set), takes turns for
//   node hold-turns.js <username> <count>
// (each from its own address), says "held", and never settles them. The test kills it.
import { parseConfig } from '../../src/config/config.js';
import { openPostgres } from '../../src/db/drivers/postgres.js';
import { SILENT_LOGGER } from '../../src/logger.js';
import { createServices } from '../../src/runtime.js';

const [username = '', count = '1'] = process.argv.slice(2);
const config = parseConfig(process.env);
if (!config.databaseUrl) throw new Error('hold-turns needs DATABASE_URL: an embedded database is not shared');
const db = openPostgres({ url: config.databaseUrl, ...config.db });
const { throttle } = createServices(db, config, { log: SILENT_LOGGER });
await throttle.connect();
for (let i = 0; i < Number(count); i++) await throttle.reserve(username, `192.0.2.${i + 1}`);
process.stdout.write('held\n');
setInterval(() => {}, 60_000); // alive until killed
