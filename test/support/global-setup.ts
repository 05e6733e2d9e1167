import { sweepStaleSchemas } from './databases.js';

/** Once per `npm test`: drop PostgreSQL test schemas left by crashed or killed runs (older than 30 min). */
export default async function setup(): Promise<void> {
  await sweepStaleSchemas(30 * 60_000);
}
