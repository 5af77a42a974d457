// Reading the revocation feed in tests: a raw stream (status, headers, parsed events) read until
// a condition holds, and a waiter for conditions that other processes make true.
import https from 'node:https';
import { type SseEvent, SseParser } from '@auth-service/verifier';

export interface FeedRead {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  events: SseEvent[];
  comments: number;
  body: string;
}

/** GETs the feed and reads until `done(read)` holds (or the stream ends, or 30 s pass). */
export function readFeed(
  url: string,
  ca: string | Buffer,
  headers: Record<string, string>,
  done: (read: FeedRead) => boolean = (read) => read.events.some((e) => e.event === 'ready'),
  path = '/auth/revocations/',
): Promise<FeedRead> {
  return new Promise((resolve, reject) => {
    const req = https.request(new URL(path, url), { ca, headers, agent: false }, (res) => {
      const read: FeedRead = { status: res.statusCode ?? 0, headers: res.headers, events: [], comments: 0, body: '' };
      const finish = () => {
        clearTimeout(timer);
        res.destroy();
        resolve(read);
      };
      const parser = new SseParser(
        (event) => {
          read.events.push(event);
          if (done(read)) finish();
        },
        (isComment) => {
          if (!isComment) return;
          read.comments++;
          if (done(read)) finish();
        },
      );
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        read.body += chunk;
        if (read.status === 200) parser.push(chunk);
      });
      res.on('end', finish);
      res.on('error', () => finish());
    });
    const timer = setTimeout(() => req.destroy(new Error('the feed did not deliver in 30 s')), 30_000);
    req.on('error', reject);
    req.end();
  });
}

/** Polls `condition` until it holds; fails after `timeoutMs` (a hang guard, not a threshold). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const FEED_TOKEN = 'test-feed-token-0123456789abcdef0123456789abcdef';
