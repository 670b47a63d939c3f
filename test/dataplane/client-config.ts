/** What the TLS check runner does, passed as JSON in `LAB_CLIENT_CONFIG`. */
export interface ClientConfig {
  /** The stable name to connect through, and then through its CNAME's target. */
  readonly name: string;
}

/** One line a runner prints (JSON): what TLS through a stable name and through its target did. */
export type ClientEvent = { readonly e: 'tls'; readonly via: 'stable-name' | 'target'; readonly ok: boolean; readonly error?: string };
