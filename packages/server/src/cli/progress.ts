// A progress bar on stderr, for a terminal only (a pipe or a log gets the summary alone): one
// line redrawn in place, at most every 100 ms, cleared when the command is done.
import type { CommandIo } from '../admin/commands.js';

const WIDTH = 30;
const REDRAW_MS = 100;

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr): { io: CommandIo; done(): void } {
  if (!stream.isTTY) return { io: {}, done: () => {} };
  let drawn = 0;
  let shown = false;
  // The rate counts from the first report of a phase (not from start-up, migrations included).
  let first = { phase: '', at: 0, done: 0 };
  const io: CommandIo = {
    progress: ({ phase, done, total }) => {
      const now = Date.now();
      if (first.phase !== phase) first = { phase, at: now, done };
      if (now - drawn < REDRAW_MS && done !== total) return;
      drawn = now;
      shown = true;
      const elapsed = (now - first.at) / 1000;
      const rate = elapsed > 0 ? Math.round((done - first.done) / elapsed) : 0;
      const bar =
        total && total > 0
          ? `[${'#'.repeat(Math.round((WIDTH * done) / total)).padEnd(WIDTH, '.')}] ${done}/${total}`
          : `${done}`;
      stream.write(`\r\x1b[2K${phase} ${bar} (${rate}/s)`);
    },
  };
  return { io, done: () => shown && stream.write('\r\x1b[2K') };
}
