import { ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Readable } from 'stream';

/** How much of a child's output is kept for error messages. */
const TAIL_CHARS = 4_000;

/** The end of a child's output, for error messages. */
export type OutputTail = () => string;

/**
 * Reads `streams` to the end, copying them to `logFile` when given, and keeps their last characters.
 * Always drain a child's pipes: a child that writes to a full pipe blocks.
 */
export function drain(child: ChildProcess, streams: readonly Readable[], logFile?: string): OutputTail {
  let tail = '';
  let log: fs.WriteStream | undefined;
  if (logFile !== undefined) {
    fs.mkdirSync(path.dirname(logFile), { recursive: true });
    log = fs.createWriteStream(logFile, { flags: 'w' });
    child.once('close', () => log?.end());
  }
  for (const stream of streams) {
    stream.setEncoding('utf-8');
    stream.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-TAIL_CHARS);
      log?.write(chunk);
    });
  }
  return () => tail;
}

/** `.\n<label>:\n<tail>`, or just `.` when there is no output. */
export function withTail(label: string, tail: string): string {
  return tail.trim().length > 0 ? `.\n${label}:\n${tail}` : '.';
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
