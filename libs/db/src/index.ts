export * from './schema';
export {
  MEMORY_DATA_DIR,
  defaultMigrationsFolder,
  openDatabase,
  tables,
  type Database,
  type Db,
  type RowsResult,
  type RowsResultHKT,
  type OpenDatabaseOptions,
  type Tables,
} from './database';
export {
  DuplicateRequestError,
  SlotTakenError,
  SqlState,
  driverError,
  isRetryable,
  mapConstraintErrors,
  toConstraintError,
} from './errors';
export { insertAppointment, type InsertedAppointment } from './appointments';
export { watchDatabaseHealth } from './health';
