// One subscribed verifier for bench-revocations.js, in its own process (its own event loop, as
// a real consumer service would have): it opens the feed, says when it is ready, and for every
// session it is told to watch reports the moment isRevoked(sid) first answers true.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { openRevocationFeed } from '@auth-service/verifier';

const [url, caFile, token] = process.argv.slice(2);
const feed = openRevocationFeed({ url, ca: readFileSync(caFile), token });
const now = () => performance.timeOrigin + performance.now();

await feed.ready();
process.send?.({ ready: true });

process.on('message', (message) => {
  if (message.close) {
    void feed.close().then(() => process.exit(0));
    return;
  }
  const { sid } = message;
  // A 1 ms poll of the verifier's own check: what a request arriving then would be told.
  const check = () => {
    if (feed.isRevoked(sid)) process.send?.({ sid, at: now() });
    else setTimeout(check, 1);
  };
  check();
});
