/**
 * Tests and benchmarks must never reach real AWS. Every process they run refuses TCP connections
 * to anything but loopback before any SDK client exists, so a client that ignored AWS_ENDPOINT_URL
 * fails loudly instead of calling AWS.
 */

/** Plain JavaScript, so child processes can run it too (as the first lines of their `-e` script). */
export const LOOPBACK_GUARD_JS = `
{
  const net = require('net');
  const loopback = new Set(['127.0.0.1', '::1', 'localhost']);
  const connect = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (...args) {
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const host = typeof first === 'object' && first !== null ? (first.path ? 'localhost' : first.host ?? 'localhost') : args[1] ?? 'localhost';
    if (!loopback.has(host)) {
      throw new Error('loopback guard: refused a connection to ' + host + ' (only loopback is allowed)');
    }
    return connect.apply(this, args);
  };
}
`;

/** Installs the guard in this process. */
export function installLoopbackGuard(): void {
  // The same source the children run, so the two can never drift apart.
  new Function('require', LOOPBACK_GUARD_JS)(require);
}
