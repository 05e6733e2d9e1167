import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { decodeKey, type Config } from '../config/load.js';

/**
 * Tokens at rest: AES-256-GCM, a fresh 96-bit IV per value, and the column
 * name as associated data so an access-token ciphertext cannot be replayed
 * into the refresh-token column. Envelope: `v1.<iv>.<tag>.<ciphertext>` (base64url).
 */
export interface TokenCipher {
  encrypt(plain: string, purpose: string): string;
  decrypt(envelope: string, purpose: string): string;
}

export function createTokenCipher(key: Buffer): TokenCipher {
  if (key.length !== 32) throw new Error('token encryption key must be 32 bytes');
  return {
    encrypt(plain, purpose) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(purpose, 'utf8'));
      const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
    },
    decrypt(envelope, purpose) {
      const [version, iv, tag, ct] = envelope.split('.');
      if (version !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown token envelope');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(purpose, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/**
 * The key: TOKEN_ENCRYPTION_KEY, or (demo and non-production setups only; the
 * config refuses production without a key) a generated key kept in
 * `<DATA_DIR>/token.key` with mode 0600. Losing that file means reconnecting.
 */
export function loadTokenKey(config: Pick<Config, 'TOKEN_ENCRYPTION_KEY' | 'dataDir' | 'demo' | 'NODE_ENV'>, logger: Logger): Buffer {
  if (config.TOKEN_ENCRYPTION_KEY) {
    const key = decodeKey(config.TOKEN_ENCRYPTION_KEY);
    if (!key) throw new Error('TOKEN_ENCRYPTION_KEY must be 32 bytes, given as 64 hex characters or base64');
    return key;
  }
  if (config.NODE_ENV === 'production' && !config.demo) {
    throw new Error('TOKEN_ENCRYPTION_KEY is required in production');
  }
  const path = join(config.dataDir, 'token.key');
  if (existsSync(path)) {
    const key = decodeKey(readFileSync(path, 'utf8').trim());
    if (!key) throw new Error(`${path} does not hold a 32-byte key; delete it to generate a new one (stored tokens become unreadable)`);
    return key;
  }
  mkdirSync(config.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(path, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(path, 0o600);
  logger.warn(
    { path },
    config.demo
      ? 'TOKEN_ENCRYPTION_KEY is not set: generated a demo key for Zoho tokens at rest (set TOKEN_ENCRYPTION_KEY for real use)'
      : 'TOKEN_ENCRYPTION_KEY is not set: Zoho tokens are encrypted with a generated key kept next to the database; set TOKEN_ENCRYPTION_KEY (32 bytes) instead',
  );
  return key;
}
