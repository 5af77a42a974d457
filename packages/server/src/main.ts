// The service's entry point (`node dist/src/main.js`, `npm start`). Nothing else imports this
// file, so it runs unconditionally: a check of import.meta.url against argv[1] would fail when
// the path holds a space or a "%", or is reached through a symlink, and exit having done nothing.
import { main } from './service.js';

await main();
