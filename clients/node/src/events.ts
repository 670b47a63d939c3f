/** A new connection, opened and its ROLE checked. */
export interface ConnectEvent {
  /** The stable name looked up. */
  readonly name: string;
  /** The CNAME's target, which TLS was verified against. */
  readonly target: string;
  readonly ip: string;
  readonly role?: string;
  readonly linkState?: string;
}

/** One ROLE answered (once per connection per role-check interval). */
export interface RoleCheckEvent {
  readonly target: string;
  readonly role: string;
  readonly linkState?: string;
  /** A replica in sync: fit to read from. */
  readonly inSync: boolean;
}

/** A reader's slot (one per name) now reads from another node than its own name's. */
export interface MoveEvent {
  /** The slot's own name. */
  readonly name: string;
  readonly from?: string;
  readonly to: string;
}

/** A slot is back on its own name's node. */
export interface HomeEvent {
  readonly name: string;
  readonly target: string;
}

/** No replica in sync anywhere: reads go to the primary (`fallback`), or no longer do (`fallback-end`). */
export interface FallbackEvent {
  readonly target: string;
}

/** A connection was closed: it broke, or its ROLE failed. */
export interface RetireEvent {
  readonly target: string;
  readonly reason: string;
}

/** The resolver failed or was slow, so the name's last known target and address were used. */
export interface StaleAddressEvent {
  readonly name: string;
  readonly target: string;
  readonly ip: string;
  readonly error: string;
}

export interface StableReaderEvents {
  'connect': [ConnectEvent];
  'role-check': [RoleCheckEvent];
  'move': [MoveEvent];
  'home': [HomeEvent];
  'fallback': [FallbackEvent];
  'fallback-end': [FallbackEvent];
  'retire': [RetireEvent];
  'stale-address': [StaleAddressEvent];
}

export interface StableWriterEvents {
  'connect': [ConnectEvent];
  'role-check': [RoleCheckEvent];
  'retire': [RetireEvent];
  'stale-address': [StaleAddressEvent];
}
