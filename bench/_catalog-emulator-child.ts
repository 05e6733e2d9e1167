/** Runs the Zoho emulator in its own process, so a benchmark measures only the bridge's CPU. */
import { startZohoEmulator } from '../src/emulator/index.js';

const extra = Number(process.argv[2] ?? 0);
const emu = await startZohoEmulator({ seed: { demo: true, extraItems: extra }, dailyLimit: 1_000_000, perMinuteLimit: 1_000_000 });
process.stdout.write(`${JSON.stringify({ url: emu.url, dtc: emu.control.locationIds.dtc, token: emu.control.issueRefreshToken(), items: emu.control.items().length })}\n`);
process.stdin.on('end', () => void emu.close().then(() => process.exit(0)));
process.stdin.resume();
