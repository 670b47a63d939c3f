/** Why a call failed in a way the package itself decided (Redis's own replies pass through unchanged). */
export type StableRedisErrorCode =
  /** An option is missing or not allowed. */
  | 'BAD_OPTION'
  /** The name exists but is not a CNAME: the package needs the stable names, which are CNAMEs to nodes. */
  | 'NOT_A_CNAME'
  /** The resolver says the name does not exist. */
  | 'NAME_NOT_FOUND'
  /** The node refused the password or user (WRONGPASS, NOAUTH). */
  | 'AUTH_FAILED'
  /** The RBAC user may not run ROLE (NOPERM): its access string needs `+role`, which `+@read` does not give. */
  | 'NO_PERMISSION'
  /** The node's certificate did not verify against the CNAME's target (a missing `ca`, or the wrong names). */
  | 'TLS_FAILED'
  /** The call's budget (`timeoutMs`) ran out; `cause` holds the last error seen, if any. */
  | 'TIMEOUT'
  /** `fn` sent a command that blocks or changes the connection every concurrent call shares (BLPOP, SELECT, ...). */
  | 'UNSUPPORTED_COMMAND'
  /** `close()` was called. */
  | 'CLOSED';

/** An error of this package; `code` says which, `cause` holds what it came from. */
export class StableRedisError extends Error {
  constructor(readonly code: StableRedisErrorCode, text: string, options?: { cause?: unknown }) {
    super(text, options);
    this.name = 'StableRedisError';
  }
}

/** Errors that retrying cannot fix: a call that meets one fails at once. */
export function isFatal(error: unknown): error is StableRedisError {
  return error instanceof StableRedisError && error.code !== 'TIMEOUT';
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
