import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isMilitaryAddress, looksLikePoBox, sampleZipForState, stateForZip } from '../../src/compliance/address/detect.js';
import { FakeAddressProvider } from '../../src/compliance/address/fake.js';
import { UspsAddressProvider } from '../../src/compliance/address/usps.js';
import { AddressProviderError } from '../../src/compliance/address/provider.js';
import { startUspsFake, type UspsFake } from '../../src/emulator/usps-fake.js';
import { FakeClock } from '../../src/shared/clock.js';

describe('PO box detection', () => {
  it.each([
    'P.O. Box 123', 'PO Box 123', 'po box 123', 'P O Box 5', 'POBox 77', 'POBOX77', 'POB 12', 'P.O.B. 12', 'Post Office Box 9',
    'post office box 9', 'PMB 123', '123 Main St PMB 45', '2 Mailbox Plaza #PMB 5', 'Box 12', 'BOX #12', 'Postal Box 3', 'P.O. Drawer 4', 'Caller Box 88',
  ])('catches %s', (text) => {
    expect(looksLikePoBox(text)).toBe(true);
  });
  it.each(['12 Boxwood Ln', '400 Box Canyon Rd', '73-510 Fred Waring Dr', '1 Pobrecito Way', 'Apt 4', '5 Boxer Ct', 'Poplar Box Road', ''])('leaves %s alone', (text) => {
    expect(looksLikePoBox(text)).toBe(false);
  });
  it('military addresses', () => {
    expect(isMilitaryAddress({ line1: 'PSC 1234 Box 5678', line2: null, city: 'APO', state: 'AE' })).toBe(true);
    expect(isMilitaryAddress({ line1: 'Unit 2050', line2: null, city: 'DPO', state: 'AP' })).toBe(true);
    expect(isMilitaryAddress({ line1: '1 Main', line2: null, city: 'Fpo', state: 'AA' })).toBe(true);
    expect(isMilitaryAddress({ line1: '1 Apollo St', line2: null, city: 'Dallas', state: 'TX' })).toBe(false);
  });
  it('ZIP prefix → state', () => {
    expect(stateForZip('92260')).toBe('CA');
    expect(stateForZip('10001')).toBe('NY');
    expect(stateForZip('02801-1234')).toBe('RI');
    expect(stateForZip('20500')).toBe('DC');
    expect(stateForZip('99501')).toBe('AK');
    expect(stateForZip('abcde')).toBeNull();
    for (const s of ['CA', 'TX', 'NY', 'ME', 'GA', 'AZ', 'AR', 'AK']) expect(stateForZip(sampleZipForState(s)!)).toBe(s);
  });
});

describe('fake address provider', () => {
  const p = new FakeAddressProvider();
  it('valid, standardized upper case', async () => {
    const r = await p.validate({ line1: '73-510 Fred Waring Dr', city: 'Palm Desert', state: 'CA', zip: '92260' });
    expect(r.status).toBe('corrected');
    expect(r.standardized).toMatchObject({ line1: '73-510 FRED WARING DR', city: 'PALM DESERT', state: 'CA' });
  });
  it('a ZIP of another state comes back with that state', async () => {
    const r = await p.validate({ line1: '1 Main St', city: 'Palm Desert', state: 'CA', zip: '10001' });
    expect(r.standardized?.state).toBe('NY');
    expect(r.message).toMatch(/belongs to NY/);
  });
  it('documented cases', async () => {
    expect((await p.validate({ line1: '0 Nowhere Rd', city: 'X', state: 'CA', zip: '92260' })).status).toBe('invalid');
    expect((await p.validate({ line1: '12 Vacant Lot Rd', city: 'X', state: 'CA', zip: '92260' })).vacant).toBe(true);
    expect((await p.validate({ line1: '100 Mailbox Plaza', city: 'X', state: 'CA', zip: '92260' })).cmra).toBe(true);
    expect((await p.validate({ line1: '500 Grand Apartments', city: 'X', state: 'CA', zip: '92260' })).status).toBe('unverifiable');
    expect((await p.validate({ line1: 'PO Box 1', city: 'X', state: 'CA', zip: '92260' })).poBox).toBe(true);
    await expect(p.validate({ line1: '1 Main', city: 'X', state: 'CA', zip: '00000' })).rejects.toBeInstanceOf(AddressProviderError);
  });
});

describe('USPS Addresses v3 adapter against the wire-format fake', () => {
  let fake: UspsFake;
  const clock = new FakeClock(Date.now());
  let usps: UspsAddressProvider;
  beforeAll(async () => {
    fake = await startUspsFake({ clientId: 'cid', clientSecret: 'csecret', tokenTtlSeconds: 3600 });
    usps = new UspsAddressProvider({ apiUrl: fake.url, clientId: 'cid', clientSecret: 'csecret', clock, timeoutMs: 1000 });
  });
  afterAll(async () => {
    await fake.close();
  });

  it('DPV Y + business: valid/corrected, standardized, ZIP+4, not residential', async () => {
    const r = await usps.validate({ line1: '73-510 Fred Waring Drive', city: 'Palm Desert', state: 'CA', zip: '92260' });
    expect(r.status).toBe('corrected');
    // Punctuation and case alone are not a correction.
    expect((await usps.validate({ line1: '73-510 Fred Waring Dr', city: 'Palm Desert', state: 'CA', zip: '92260' })).status).toBe('valid');
    expect(r.standardized).toEqual({ line1: '73510 FRED WARING DR', line2: null, city: 'PALM DESERT', state: 'CA', zip: '92260-2578', country: 'US' });
    expect(r).toMatchObject({ dpvConfirmed: true, residential: false, cmra: false, vacant: false, poBox: false, military: false });
  });
  it('residential with apartment; exact input → valid', async () => {
    const r = await usps.validate({ line1: '123 MAIN ST', line2: 'APT 4', city: 'SPRINGFIELD', state: 'IL', zip: '62701-1001' });
    expect(r.status).toBe('valid');
    expect(r.residential).toBe(true);
  });
  it('DPV D → unverifiable (secondary missing); N → invalid; CMRA; vacant; PO box detected by the bridge', async () => {
    expect((await usps.validate({ line1: '500 Grand Ave', city: 'Los Angeles', state: 'CA', zip: '90071' })).status).toBe('unverifiable');
    expect((await usps.validate({ line1: '77 Nope St', city: 'Austin', state: 'TX', zip: '78701' })).status).toBe('invalid');
    expect((await usps.validate({ line1: '2 Mailbox Plaza', city: 'San Diego', state: 'CA', zip: '92101' })).cmra).toBe(true);
    expect((await usps.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' })).vacant).toBe(true);
    const box = await usps.validate({ line1: 'P.O. Box 123', city: 'Palm Desert', state: 'CA', zip: '92261' });
    expect(box.poBox).toBe(true);
    expect(box.status).toBe('valid');
  });
  it('reads the older addressAdditionalInfo key too', async () => {
    fake.setInfoKey('addressAdditionalInfo');
    try {
      const r = await usps.validate({ line1: '2 Mailbox Plaza', city: 'San Diego', state: 'CA', zip: '92101' });
      expect(r.cmra).toBe(true);
      expect(r.dpvConfirmed).toBe(true);
    } finally {
      fake.setInfoKey('additionalInfo');
    }
  });
  it('400 Address Not Found (v3 error shape) → invalid with the message', async () => {
    const r = await usps.validate({ line1: '1 Unknown Rd', city: 'X', state: 'CA', zip: '92260' });
    expect(r.status).toBe('invalid');
    expect(r.message).toMatch(/Address Not Found/);
  });
  it('caches the token until a minute before expiry, then fetches a new one', async () => {
    const before = fake.requests.token;
    await usps.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' });
    await usps.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' });
    expect(fake.requests.token).toBe(before);
    clock.advance(3600_000 - 59_000);
    await usps.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' });
    expect(fake.requests.token).toBe(before + 1);
  });
  it('concurrent callers share one token request', async () => {
    const fresh = new UspsAddressProvider({ apiUrl: fake.url, clientId: 'cid', clientSecret: 'csecret' });
    const before = fake.requests.token;
    await Promise.all(Array.from({ length: 5 }, () => fresh.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' })));
    expect(fake.requests.token).toBe(before + 1);
  });
  it('a revoked token: 401, one new token, retried', async () => {
    fake.revokeTokens();
    const before = fake.requests.token;
    expect((await usps.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' })).vacant).toBe(true);
    expect(fake.requests.token).toBe(before + 1);
  });
  it.each(['500', '429', 'token_500'] as const)('%s → throws AddressProviderError (an outage, never a validation)', async (fault) => {
    fake.setFault(fault);
    const p = new UspsAddressProvider({ apiUrl: fake.url, clientId: 'cid', clientSecret: 'csecret' });
    try {
      await expect(p.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' })).rejects.toBeInstanceOf(AddressProviderError);
    } finally {
      fake.setFault('none');
    }
  });
  it('bad credentials → throws', async () => {
    const p = new UspsAddressProvider({ apiUrl: fake.url, clientId: 'cid', clientSecret: 'wrong' });
    await expect(p.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' })).rejects.toMatchObject({ code: 'invalid_client' });
  });
  it('a hanging server times out', async () => {
    fake.setFault('hang');
    const p = new UspsAddressProvider({ apiUrl: fake.url, clientId: 'cid', clientSecret: 'csecret', timeoutMs: 200 });
    try {
      await p.accessToken();
    } catch {
      /* token endpoint is not affected by hang */
    }
    try {
      await expect(p.validate({ line1: '9 Empty Ct', city: 'Fresno', state: 'CA', zip: '93701' })).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      fake.setFault('none');
    }
  });
});
