// Passwords never come from argv (they would show in `ps` and shell history): from a prompt
// with echo off when stdin is a terminal, else from stdin (one line; a trailing newline is
// not part of it).
import { createInterface } from 'node:readline';

export async function readPassword(prompt = 'Password: '): Promise<string> {
  if (!process.stdin.isTTY) return readStdin();
  const first = await promptHidden(prompt);
  const second = await promptHidden('Password (again): ');
  if (first !== second) throw new Error('the two passwords differ');
  return first;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const output = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    output._writeToOutput = () => {}; // echo off
    rl.question('', (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
  });
}
