import type { AddressValidationResult, PostalAddress } from '../types.js';

/**
 * An address-validation provider. Returns `valid` / `corrected` / `invalid` /
 * `unverifiable` with the standardized address; THROWS AddressProviderError
 * on an outage (network, 5xx, 429, auth), which the service records as
 * status `error` (held for review, never approved).
 */
export interface AddressProvider {
  readonly name: string;
  validate(address: PostalAddress): Promise<AddressValidationResult>;
}

export class AddressProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly code: string,
    message: string,
    readonly httpStatus?: number,
  ) {
    super(`${provider}: ${code}: ${message}`);
    this.name = 'AddressProviderError';
  }
}
