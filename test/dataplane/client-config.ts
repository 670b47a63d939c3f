/** What a client runner does, passed as JSON in `LAB_CLIENT_CONFIG`. */
export interface ClientConfig {
  /** `recipe`: the README's Connecting code; `legacy`: the README's code before the lab. */
  readonly code: 'recipe' | 'legacy';
  /** `run`: read (and write) until stdin closes; `tls`: report what TLS through a stable name and through its target does. */
  readonly mode: 'run' | 'tls';
  /** One reader per name, each reading through its own name. */
  readonly readers: readonly string[];
  /** Every replica name (where a recipe reader may move). */
  readonly names: readonly string[];
  /** `primary.<zone>`, when the client also writes. */
  readonly writer?: string;
  readonly readIntervalMs: number;
  readonly writeIntervalMs: number;
  /** The key readers GET. */
  readonly readKey: string;
  /** Writes go to `<writePrefix><seq>` with the value `<seq>`. */
  readonly writePrefix: string;
}

/** One line a runner prints (JSON): `t` is the wall clock in ms when the operation finished. */
export type ClientEvent =
  | { readonly e: 'read'; readonly t: number; readonly reader: string; readonly name?: string; readonly host?: string; readonly role: string }
  | { readonly e: 'read-error'; readonly t: number; readonly reader: string; readonly error: string }
  | { readonly e: 'write'; readonly t: number; readonly seq: number }
  | { readonly e: 'write-error'; readonly t: number; readonly seq: number; readonly error: string }
  | { readonly e: 'tls'; readonly via: 'stable-name' | 'target'; readonly ok: boolean; readonly error?: string };
