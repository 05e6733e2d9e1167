import type { AgeVerificationResult, PostalAddress } from '../types.js';

/** What the bridge sends to verify a buyer's age (compliance.md §5.3: full name, DOB, residential address). */
export interface AgeVerificationRequest {
  orderId?: string;
  firstName: string;
  lastName: string;
  /** ISO yyyy-mm-dd; sent to the provider, never stored or logged. */
  dob: string;
  email?: string;
  phone?: string | null;
  address: PostalAddress;
  ip?: string | null;
  minAge: number;
}

/**
 * An age-verification provider. Implementations return the provider's own
 * answer, mapped to AgeVerificationStatus; they THROW AgeProviderError on a
 * transport problem, an HTTP 5xx, an auth failure or an answer they cannot
 * read. The service turns a throw or a timeout into status `error`, which
 * the engine never approves.
 */
export interface AgeVerificationProvider {
  readonly name: string;
  create(request: AgeVerificationRequest): Promise<AgeVerificationResult>;
  /** Server-side status of a verification (a storefront-supplied reference is re-checked here). */
  status(reference: string): Promise<AgeVerificationResult>;
}

export class AgeProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(`${provider}: ${code}: ${message}`);
    this.name = 'AgeProviderError';
  }
}
