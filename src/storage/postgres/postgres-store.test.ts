import { runStoreContract } from '../../../test/storage/store.contract.js';
import { schemaPool } from '../../../test/helpers/postgres.js';
import { openPostgresStore } from './postgres-store.js';

// a real Postgres, one fresh schema per store (dropped when the file ends)
const schemas = schemaPool('vigil_contract');
runStoreContract('Postgres', () => openPostgresStore({ url: schemas.urlFor(schemas.next()) }));
