// The event-stream parser on the cases the standard spells out, split at every byte.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type SseEvent, SseParser } from '../src/sse.js';

function parseAll(chunks: string[]): { events: SseEvent[]; comments: number } {
  const events: SseEvent[] = [];
  let comments = 0;
  const parser = new SseParser(
    (e) => events.push(e),
    (isComment) => {
      if (isComment) comments++;
    },
  );
  for (const chunk of chunks) parser.push(chunk);
  return { events, comments };
}

const STREAM =
  'retry: 1000\n\n: ok\r\nevent: revoked\r\nid: 7\r\ndata: {"a":1}\r\n\r\nevent: ready\rdata: x\rdata:y\r\rdata\n\n: ok\n\n';
const EXPECTED: SseEvent[] = [
  { event: 'revoked', id: '7', data: '{"a":1}' },
  { event: 'ready', id: '7', data: 'x\ny' },
  { event: 'message', id: '7', data: '' },
];

test('LF, CRLF and CR line ends; comments; ids persist; multi-line data', () => {
  const { events, comments } = parseAll([STREAM]);
  assert.deepEqual(events, EXPECTED);
  assert.equal(comments, 2);
});

test('the same events whatever the chunking, a CRLF split across chunks included', () => {
  for (let cut = 1; cut < STREAM.length; cut++) {
    assert.deepEqual(parseAll([STREAM.slice(0, cut), STREAM.slice(cut)]).events, EXPECTED, `cut at ${cut}`);
  }
  assert.deepEqual(parseAll([...STREAM]).events, EXPECTED, 'one character at a time');
});

test('an event without a blank line after it is not dispatched; a line past the limit stops the parser', () => {
  assert.deepEqual(parseAll(['event: revoked\ndata: 1\n']).events, []);
  const parser = new SseParser(() => {}, undefined, 100);
  assert.throws(() => parser.push('data: '.padEnd(200, 'x')), /longer than 100/);
});
