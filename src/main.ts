/** Entry point of `npm start` (`serve`) and of `npx dtc-bridge` (bin/dtc-bridge.js). */
import { main } from './cli/index.js';

await main(process.argv);
