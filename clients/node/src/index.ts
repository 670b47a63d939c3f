export { StableReader } from './reader';
export { StableWriter } from './writer';
export { StableRedisError } from './errors';
export type { StableRedisErrorCode } from './errors';
export { DEFAULT_PORT, DEFAULT_ROLE_CHECK_INTERVAL_MS, DEFAULT_TIMEOUT_MS } from './options';
export type { StableClientOptions, StableReaderOptions, StableWriterOptions, StableTlsOptions } from './options';
export type {
  ConnectEvent, FallbackEvent, HomeEvent, MoveEvent, RetireEvent, RoleCheckEvent, StaleAddressEvent,
  StableReaderEvents, StableWriterEvents,
} from './events';
