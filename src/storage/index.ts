// The storage entry point for the composition root, the API and the status page.
export * from './store.js';
export { validateTarget, specOf, MIN_INTERVAL_MS, MAX_INTERVAL_MS, MAX_CONFIRMATIONS } from './target-validation.js';
export { openWorkerSqliteStore } from './sqlite/worker-store.js';
export { openSqliteStore, openSyncSqliteStore } from './sqlite/sqlite-store.js';
export type { SqliteOptions } from './sqlite/open-database.js';
export { DEFAULT_BUSY_TIMEOUT_MS } from './sqlite/open-database.js';
export { DEFAULT_ROLLUP_GRACE_MS } from './sqlite/rollups-repo.js';
export { startStorageMaintenance, DEFAULT_MAINTENANCE_EVERY_MS } from './maintenance.js';
export type { MaintenanceOptions, MaintenanceReport, StorageMaintenance } from './maintenance.js';
export { openPostgresStore, createPostgresStore, StoreUnavailableError } from './postgres/postgres-store.js';
export type { PostgresStore } from './postgres/postgres-store.js';
export { parsePostgresUrl, isPostgresOutage, PostgresUrlError } from './postgres/pg-connection.js';
export type { PostgresOptions } from './postgres/pg-connection.js';
export { StoreSchemaError, PG_SCHEMA_VERSION } from './postgres/pg-schema.js';
