/**
 * The demo / test age provider. Its answer is decided by the buyer's date of
 * birth (PERSONAS, shown on the demo storefront), so every path of the
 * checkout can be driven from the shop's form without a real provider.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock.js';
import { systemClock } from '../../shared/clock.js';
import type { AgeVerificationResult, AgeVerificationStatus } from '../types.js';
import { ageInYears } from '../engine.js';
import { AgeProviderError, type AgeVerificationProvider, type AgeVerificationRequest } from './provider.js';

export interface Persona {
  id: string;
  /** Date of birth to type at checkout. */
  dob: string;
  outcome: AgeVerificationStatus | 'timeout';
  description: string;
}

export const FAKE_PENDING_RESOLVE_MS = 15_000;

/** Documented test personas of the fake provider, by date of birth. Any other adult DOB is accepted. */
export const PERSONAS: readonly Persona[] = [
  { id: 'adult', dob: '1990-04-12', outcome: 'accepted', description: 'Adult: verified instantly (any adult date of birth not listed here behaves the same).' },
  { id: 'under_21', dob: '2010-06-15', outcome: 'denied', description: 'Any date of birth making the buyer younger than 21 on the order date: denied (underage).' },
  { id: 'pending', dob: '1991-01-01', outcome: 'pending', description: 'Pending: resolves to accepted 15 seconds later (a status poll then answers accepted, and the settled event fires).' },
  { id: 'photo_id', dob: '1992-02-02', outcome: 'photo_id', description: 'Photo ID required: stays on hold until an operator resolves it.' },
  { id: 'denied', dob: '1993-03-03', outcome: 'denied', description: 'Database mismatch: denied (info_mismatch).' },
  { id: 'outage', dob: '1994-04-04', outcome: 'error', description: 'Provider outage: the provider errors; the order is held for review, never approved.' },
  { id: 'name_mismatch', dob: '1995-05-05', outcome: 'accepted', description: 'Accepted, but the verified ID is in the name "Jordan Mismatch": refused for name mismatch.' },
  { id: 'timeout', dob: '1996-06-06', outcome: 'timeout', description: 'The provider never answers: the bridge times out and holds the order for review.' },
];

interface FakeRecord {
  status: AgeVerificationStatus;
  verifiedName: { firstName: string; lastName: string } | null;
  resolveAt: number | null;
  message?: string;
}

export interface FakeAgeProviderOptions {
  clock?: Clock;
  /** When a pending persona resolves (default 15 s). */
  pendingResolveMs?: number;
  /** Fire onSettled when a pending verification resolves (default true; the drill turns it off). */
  autoSettle?: boolean;
  /** How long the timeout persona hangs (real time; default 120 s). */
  hangMs?: number;
}

export class FakeAgeProvider implements AgeVerificationProvider {
  readonly name = 'fake';
  private readonly records = new Map<string, FakeRecord>();
  private readonly clock: Clock;
  private readonly listeners: Array<(e: { reference: string; status: AgeVerificationStatus }) => void> = [];
  private outage = false;

  constructor(private readonly options: FakeAgeProviderOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  /** Tests: make every call fail as an outage. */
  setOutage(on: boolean): void {
    this.outage = on;
  }

  onSettled(listener: (e: { reference: string; status: AgeVerificationStatus }) => void): void {
    this.listeners.push(listener);
  }

  /** Operator / test hook: settle a held verification. */
  resolve(reference: string, status: 'accepted' | 'denied'): void {
    const r = this.records.get(reference);
    if (!r) return;
    r.status = status;
    r.resolveAt = null;
    for (const l of this.listeners) l({ reference, status });
  }

  async create(request: AgeVerificationRequest): Promise<AgeVerificationResult> {
    if (this.outage) throw new AgeProviderError(this.name, 'outage', 'simulated provider outage');
    const persona = PERSONAS.find((p) => p.dob === request.dob && p.id !== 'adult' && p.id !== 'under_21');
    if (persona?.id === 'outage') throw new AgeProviderError(this.name, 'outage', 'simulated provider outage (persona)', 503);
    if (persona?.id === 'timeout') {
      await new Promise((r) => setTimeout(r, this.options.hangMs ?? 120_000).unref());
      throw new AgeProviderError(this.name, 'timeout', 'simulated provider timeout (persona)');
    }
    const reference = `fake-${randomUUID()}`;
    const name = { firstName: request.firstName, lastName: request.lastName };
    const age = ageInYears(request.dob, new Date(this.clock.now()));
    let record: FakeRecord;
    if (age === null || age < Math.max(21, request.minAge)) {
      record = { status: 'denied', verifiedName: name, resolveAt: null, message: 'underage' };
    } else if (persona?.id === 'pending') {
      const ms = this.options.pendingResolveMs ?? FAKE_PENDING_RESOLVE_MS;
      record = { status: 'pending', verifiedName: name, resolveAt: this.clock.now() + ms };
      if (this.options.autoSettle !== false) {
        void this.clock.sleep(ms).then(() => {
          const r = this.records.get(reference);
          if (r && r.status === 'pending') this.resolve(reference, 'accepted');
        });
      }
    } else if (persona?.id === 'photo_id') {
      record = { status: 'photo_id', verifiedName: name, resolveAt: null };
    } else if (persona?.id === 'denied') {
      record = { status: 'denied', verifiedName: name, resolveAt: null, message: 'info_mismatch' };
    } else if (persona?.id === 'name_mismatch') {
      record = { status: 'accepted', verifiedName: { firstName: 'Jordan', lastName: 'Mismatch' }, resolveAt: null };
    } else {
      record = { status: 'accepted', verifiedName: name, resolveAt: null };
    }
    this.records.set(reference, record);
    return this.result(reference, record);
  }

  async status(reference: string): Promise<AgeVerificationResult> {
    if (this.outage) throw new AgeProviderError(this.name, 'outage', 'simulated provider outage');
    const record = this.records.get(reference);
    if (!record) return { provider: this.name, status: 'denied', reference, verifiedName: null, message: 'uuid_not_found' };
    if (record.status === 'pending' && record.resolveAt !== null && this.clock.now() >= record.resolveAt) {
      record.status = 'accepted';
      record.resolveAt = null;
    }
    return this.result(reference, record);
  }

  private result(reference: string, r: FakeRecord): AgeVerificationResult {
    return {
      provider: this.name,
      status: r.status,
      reference,
      verifiedName: r.verifiedName,
      ...(r.message ? { message: r.message } : {}),
    };
  }
}
