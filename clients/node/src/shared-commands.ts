import type Redis from 'ioredis';
import { StableRedisError } from './errors';

/**
 * Commands that block the connection (every other caller's commands wait behind them) or change its state
 * for every caller sharing it (a database, a subscription, a watch, replies switched off).
 */
const REFUSED = new Map<string, string>([
  ...['blpop', 'brpop', 'brpoplpush', 'blmove', 'blmpop', 'bzpopmin', 'bzpopmax', 'bzmpop', 'wait', 'waitaof']
    .map((name): [string, string] => [name, 'it blocks the connection that every concurrent call shares']),
  ...['watch', 'multi']
    .map((name): [string, string] => [name, 'other calls\' commands would run between it and EXEC; use redis.multi() (pipelined), which sends the transaction at once']),
  ...['select', 'subscribe', 'psubscribe', 'ssubscribe', 'monitor', 'reset']
    .map((name): [string, string] => [name, 'it changes the state of the connection that every concurrent call shares']),
]);

/** XREAD and XREADGROUP block when given BLOCK (among the options before STREAMS). */
function blocksStream(args: readonly unknown[]): boolean {
  for (const arg of args) {
    const word = String(arg).toUpperCase();
    if (word === 'STREAMS') {
      return false;
    }
    if (word === 'BLOCK') {
      return true;
    }
  }
  return false;
}

/** Why `fn` may not send this command on a shared connection, or undefined if it may. */
export function refusal(name: string, args: readonly unknown[]): string | undefined {
  const command = name.toLowerCase();
  if ((command === 'xread' || command === 'xreadgroup') && blocksStream(args)) {
    return 'with BLOCK it blocks the connection that every concurrent call shares';
  }
  if (command === 'client' && String(args[0]).toUpperCase() === 'REPLY') {
    return 'replies switched off would be matched to other calls\' commands';
  }
  return REFUSED.get(command);
}

/**
 * Makes `redis` refuse, at once and without sending them, the commands a connection shared by concurrent
 * callers cannot serve. Only commands sent alone are checked: a refused command inside a pipeline would
 * leave ioredis waiting to send the rest of it.
 */
export function refuseConnectionWideCommands(redis: Redis): void {
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    const reason = stream === undefined ? refusal(command.name, command.args) : undefined;
    if (reason === undefined) {
      return send(command, stream);
    }
    const shown = command.name.toLowerCase() === 'client' ? 'CLIENT REPLY' : command.name.toUpperCase();
    // As ioredis itself fails a command it cannot send: through the command, so callbacks hear of it too.
    command.reject(new StableRedisError('UNSUPPORTED_COMMAND', `${shown} cannot be used through a StableReader or StableWriter: ${reason}; `
      + 'use a separate ioredis client for it'));
    return command.promise;
  };
}
