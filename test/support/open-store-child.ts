/** Child process for the migration race test: opens (and so migrates) the store named by the environment. */
import { openStore } from '../../src/store/db.js';

const config = JSON.parse(process.env.DTC_TEST_DB ?? '{}');
const schema = process.env.DTC_TEST_SCHEMA;
const store = await openStore(config, schema ? { schema } : {});
await store.close();
