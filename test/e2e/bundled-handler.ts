import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import { drain, OutputTail, stopChild, withTail } from './child-process';
import { LOOPBACK_GUARD_JS } from '../support/loopback-guard';

/**
 * What runs in the child process: a minimal Lambda runtime. It loads the bundle once (a warm
 * container: module-level clients are reused), then runs one handler call per IPC message.
 *
 * Before the bundle loads, every TCP connection to anything but loopback is refused, so a handler
 * that ignored AWS_ENDPOINT_URL fails the test instead of calling real AWS.
 */
const RUNNER = `${LOOPBACK_GUARD_JS}
process.on('disconnect', () => process.exit(0));
function load() {
  try {
    const { handler } = require(process.argv[1]);
    if (typeof handler !== 'function') throw new Error(process.argv[1] + ' does not export a handler function');
    return handler;
  } catch (error) {
    process.send({ fatal: String(error && error.stack || error) }, () => process.exit(1));
    return undefined;
  }
}
const handler = load();
if (handler) {
  process.on('message', async ({ id, event, env }) => {
    Object.assign(process.env, env);
    try {
      process.send({ id, result: await handler(event) });
    } catch (error) {
      process.send({ id, error: { name: error && error.name, message: String(error && error.message || error), stack: error && error.stack } });
    }
  });
  process.send({ ready: true });
}
`;

/** Options of {@link startBundledHandler}. */
export interface StartBundledHandlerOptions {
  /** The esbuild bundle exporting `handler`. */
  readonly bundle: string;
  /** The function's whole environment (nothing is inherited but PATH). */
  readonly env: Record<string, string>;
  /** Where the function's output (Powertools JSON logs) is written. @default - kept in memory only */
  readonly logFile?: string;
  /** How long loading the bundle may take. @default 15_000 */
  readonly startTimeoutMs?: number;
  /** How long one invocation may take. @default 20_000 */
  readonly invokeTimeoutMs?: number;
}

/** The bundled handler, loaded in its own Node.js process. */
export interface BundledHandler {
  /** Calls the handler with `event`, after merging `env` into the function's environment. */
  invoke<T = unknown>(event: unknown, env?: Record<string, string>): Promise<T>;
  /** The end of the function's output. */
  outputTail(): string;
  /** Stops the process. Safe to call twice. */
  stop(): Promise<void>;
}

interface ChildMessage {
  readonly id?: number;
  readonly ready?: boolean;
  readonly fatal?: string;
  readonly result?: unknown;
  readonly error?: { name?: string; message: string; stack?: string };
}

/**
 * Loads the bundle in a plain `node` process, as Lambda does.
 *
 * Not in jest's own module system: the bundled AWS SDK loads `node:http` with a dynamic `import()`,
 * which jest's VM sandbox rejects (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG).
 */
export async function startBundledHandler(options: StartBundledHandlerOptions): Promise<BundledHandler> {
  if (!fs.existsSync(options.bundle)) {
    throw new Error(`${options.bundle} is missing: run \`npx projen bundle\` before the e2e tests`);
  }
  const child = spawn(process.execPath, ['-e', RUNNER, options.bundle], {
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });

  // Powertools logs JSON lines to stdout; warnings go to stderr.
  const outputTail = drain(child, [child.stdout!, child.stderr!], options.logFile);

  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let exited = false;
  child.on('exit', (code, signal) => {
    exited = true;
    for (const { reject } of pending.values()) {
      reject(new Error(`the function process exited (code ${code}, signal ${signal})${withTail('Its output ends with', outputTail())}`));
    }
    pending.clear();
  });
  child.on('message', (message: ChildMessage) => {
    const call = message.id === undefined ? undefined : pending.get(message.id);
    if (call === undefined) {
      return;
    }
    pending.delete(message.id!);
    if (message.error) {
      // A fresh error, so jest shows the test's line rather than a line of the minified bundle.
      call.reject(new Error(`handler failed: ${message.error.stack ?? `${message.error.name}: ${message.error.message}`}`));
    } else {
      call.resolve(message.result);
    }
  });

  await waitForReady(child, options.startTimeoutMs ?? 15_000, outputTail);

  let nextId = 1;
  let stopped: Promise<void> | undefined;
  return {
    invoke: <T>(event: unknown, env: Record<string, string> = {}) => new Promise<T>((resolve, reject) => {
      if (exited) {
        reject(new Error('the function process is not running'));
        return;
      }
      const id = nextId++;
      const timeoutMs = options.invokeTimeoutMs ?? 20_000;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`handler did not answer within ${timeoutMs} ms${withTail('Its output ends with', outputTail())}`));
      }, timeoutMs);
      pending.set(id, {
        resolve: (value) => { clearTimeout(timer); resolve(value as T); },
        reject: (error) => { clearTimeout(timer); reject(error); },
      });
      child.send({ id, event, env });
    }),
    outputTail,
    stop: () => stopped ??= stopChild(child),
  };
}

function waitForReady(child: ChildProcess, timeoutMs: number, outputTail: OutputTail): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (reason: string) => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`the bundled handler ${reason}${withTail('Its output ends with', outputTail())}`));
    };
    const onMessage = (message: ChildMessage) => {
      if (message.ready) {
        cleanup();
        resolve();
      } else if (message.fatal) {
        fail(`could not be loaded: ${message.fatal}`);
      }
    };
    const onExit = (code: number | null, signal: string | null) => fail(`process exited while loading (code ${code}, signal ${signal})`);
    const onError = (error: Error) => fail(`process could not be started: ${error.message}`);
    const timer = setTimeout(() => fail(`did not load within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
