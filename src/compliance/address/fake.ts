/**
 * The demo address provider: no network, deterministic answers from the text.
 * It standardizes to upper case, looks the ZIP prefix up (a ZIP of another
 * state comes back with that state, so the engine refuses the mismatch), and
 * recognises the documented test addresses below.
 */
import type { AddressValidationResult, PostalAddress } from '../types.js';
import { isMilitaryAddress, isPoBoxAddress, stateForZip } from './detect.js';
import { AddressProviderError, type AddressProvider } from './provider.js';

export const FAKE_ADDRESS_CASES = [
  { example: '73-510 Fred Waring Dr, Palm Desert, CA 92260', result: 'valid (business)' },
  { example: 'any street, any city, CA 10001', result: 'ZIP belongs to NY: refused as address_state_mismatch' },
  { example: '0 Nowhere Rd, … (street number 0, or the word "Nowhere")', result: 'invalid (not found)' },
  { example: '12 Vacant Lot Rd, …', result: 'valid but vacant (held for review)' },
  { example: '100 Mailbox Plaza, … (or "UPS Store")', result: 'CMRA (private mailbox)' },
  { example: '500 Grand Apartments, … with no line 2', result: 'unverifiable: secondary (apartment) missing' },
  { example: 'PO Box 123 / PMB 45 / APO AE 09012', result: 'PO box / military, detected by the bridge' },
  { example: 'ZIP 00000', result: 'provider outage (error; held for review)' },
] as const;

export class FakeAddressProvider implements AddressProvider {
  readonly name = 'fake';
  private outage = false;

  setOutage(on: boolean): void {
    this.outage = on;
  }

  async validate(address: PostalAddress): Promise<AddressValidationResult> {
    const zip = address.zip.trim();
    if (this.outage || zip === '00000') throw new AddressProviderError(this.name, 'outage', 'simulated address provider outage', 503);
    const line1 = address.line1.trim().toUpperCase().replace(/\s+/g, ' ');
    const line2 = address.line2?.trim().toUpperCase() || null;
    const city = address.city.trim().toUpperCase();
    const state = address.state.trim().toUpperCase();
    const base = {
      provider: this.name,
      poBox: isPoBoxAddress(address),
      military: isMilitaryAddress(address),
      residential: null,
    };
    if (/^0\s/.test(line1) || /\bNOWHERE\b/.test(line1)) {
      return { ...base, status: 'invalid', standardized: null, dpvConfirmed: false, cmra: null, vacant: null, message: 'Address Not Found.' };
    }
    const zipState = stateForZip(zip);
    if (!zipState) {
      return { ...base, status: 'unverifiable', standardized: null, dpvConfirmed: null, cmra: null, vacant: null, message: 'ZIP code not recognised' };
    }
    const standardized: PostalAddress = { line1, line2, city, state: zipState, zip, country: 'US' };
    const cmra = /\bMAILBOX\b|\bUPS STORE\b/.test(line1) || /\bPMB\b/.test(`${line1} ${line2 ?? ''}`);
    const vacant = /\bVACANT\b/.test(line1);
    const missingUnit = /\bAPARTMENTS?\b/.test(line1) && !line2;
    const corrected = zipState !== state || line1 !== address.line1 || city !== address.city;
    return {
      ...base,
      status: missingUnit ? 'unverifiable' : corrected ? 'corrected' : 'valid',
      standardized,
      dpvConfirmed: !missingUnit,
      cmra,
      vacant,
      residential: !/\bFRED WARING\b/.test(line1),
      ...(zipState !== state ? { message: `ZIP ${zip} belongs to ${zipState}, not ${state}` } : {}),
      ...(missingUnit ? { message: 'Apartment or unit number missing' } : {}),
    };
  }
}
