/**
 * What every WorkOS-owned row's module (users, organizations, memberships) builds on, as one
 * namespace: the upsert outcome and helpers (./upsert) and the order guard (./version).
 */
export * from './upsert';
export * from './version';
