/**
 * Dashboard authentication: one operator password (ADMIN_PASSWORD) hashed
 * with scrypt at start, opaque server-side sessions, CSRF tokens, and a
 * per-IP login limiter.
 */
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { systemClock, type Clock } from '../shared/clock.js';

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

/** `scrypt$N$r$p$salt(base64url)$hash(base64url)` */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [, n, r, p, saltText, hashText] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hashText, 'base64url');
  if (expected.length < 16) return false;
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(saltText, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return timingSafeEqual(key, expected);
}

/** A readable random password for demo mode (the lead prints it at start). 20 chars, ~100 bits. */
export function generateAdminPassword(): string {
  const alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return `${out.slice(0, 5)}-${out.slice(5, 10)}-${out.slice(10, 15)}-${out.slice(15, 20)}`;
}

/**
 * ADMIN_PASSWORD, or (unset) a generated one the caller must print: the
 * dashboard never runs without a password, not even in demo mode.
 */
export function resolveAdminPassword(configured: string | undefined | null): { password: string; generated: boolean } {
  if (configured && configured.length > 0) return { password: configured, generated: false };
  return { password: generateAdminPassword(), generated: true };
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export interface Flash {
  kind: 'ok' | 'error' | 'info';
  message: string;
  /** Extra lines (e.g. drill checks). */
  lines?: Array<{ ok: boolean; text: string }>;
}

export interface AdminSession {
  /** Random id; only its HMAC is kept as the key. */
  key: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  flash: Flash | null;
}

/**
 * Who did it, for audit records: the dashboard has one operator account, so
 * the identity is `admin` plus a short prefix of the session's store key
 * (an HMAC of the session id: it tells sessions apart, and cannot be turned
 * back into a cookie).
 */
export function operatorIdentity(session: Pick<AdminSession, 'key'> | null | undefined): string {
  return session ? `admin:${session.key.slice(0, 8)}` : 'admin';
}

export interface SessionStore {
  get(key: string): Promise<AdminSession | null>;
  put(session: AdminSession): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Sessions in memory: one process. Behind a load balancer with several
 * instances, use sticky sessions (or a database store implementing SessionStore).
 */
export class MemorySessionStore implements SessionStore {
  private readonly sessions = new Map<string, AdminSession>();
  constructor(private readonly maxSessions = 1000) {}
  async get(key: string): Promise<AdminSession | null> {
    return this.sessions.get(key) ?? null;
  }
  async put(session: AdminSession): Promise<void> {
    this.sessions.set(session.key, session);
    if (this.sessions.size > this.maxSessions) {
      const oldest = [...this.sessions.values()].sort((a, b) => a.lastSeenAt - b.lastSeenAt)[0];
      if (oldest) this.sessions.delete(oldest.key);
    }
  }
  async delete(key: string): Promise<void> {
    this.sessions.delete(key);
  }
}

export interface SessionManagerOptions {
  secret: string;
  store?: SessionStore;
  clock?: Clock;
  /** Idle timeout, default 8 h. */
  idleMs?: number;
  /** Absolute lifetime, default 7 days. */
  maxAgeMs?: number;
}

/**
 * Cookie value: `<id>.<hmac(secret, id)>`. The store is keyed by a second
 * HMAC of the id, so reading the store does not yield usable cookies.
 */
export class SessionManager {
  readonly store: SessionStore;
  private readonly clock: Clock;
  readonly idleMs: number;
  readonly maxAgeMs: number;

  constructor(private readonly options: SessionManagerOptions) {
    if (!options.secret || options.secret.length < 16) throw new Error('session secret must be at least 16 characters');
    this.store = options.store ?? new MemorySessionStore();
    this.clock = options.clock ?? systemClock;
    this.idleMs = options.idleMs ?? 8 * 3600_000;
    this.maxAgeMs = options.maxAgeMs ?? 7 * 24 * 3600_000;
  }

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.options.secret).update(`${purpose}:${value}`).digest('base64url');
  }

  async create(): Promise<{ cookie: string; session: AdminSession }> {
    const id = randomToken(32);
    const now = this.clock.now();
    const session: AdminSession = { key: this.mac('key', id), csrfToken: randomToken(32), createdAt: now, lastSeenAt: now, flash: null };
    await this.store.put(session);
    return { cookie: `${id}.${this.mac('cookie', id)}`, session };
  }

  /** The live session for a cookie value, or null (bad signature, unknown, idle or too old). Touches lastSeenAt. */
  async read(cookie: string | undefined): Promise<AdminSession | null> {
    if (!cookie) return null;
    const dot = cookie.indexOf('.');
    if (dot <= 0) return null;
    const id = cookie.slice(0, dot);
    if (!safeEqual(cookie.slice(dot + 1), this.mac('cookie', id))) return null;
    const key = this.mac('key', id);
    const session = await this.store.get(key);
    if (!session) return null;
    const now = this.clock.now();
    if (now - session.lastSeenAt > this.idleMs || now - session.createdAt > this.maxAgeMs) {
      await this.store.delete(key);
      return null;
    }
    session.lastSeenAt = now;
    await this.store.put(session);
    return session;
  }

  async save(session: AdminSession): Promise<void> {
    await this.store.put(session);
  }

  async destroy(session: AdminSession): Promise<void> {
    await this.store.delete(session.key);
  }

  /** Token for the login form (no session yet): bound to a pre-login cookie nonce. */
  loginToken(nonce: string): string {
    return this.mac('login', nonce);
  }
}

/**
 * Failed-login limiter per client IP: `max` failures per `windowMs`; a
 * success clears the count. Blocks before the password is even hashed.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, { count: number; windowStart: number }>();
  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly clock: Clock = systemClock,
  ) {}

  /** ms until this IP may try again, or 0. */
  blockedFor(ip: string): number {
    const entry = this.failures.get(ip);
    if (!entry) return 0;
    const elapsed = this.clock.now() - entry.windowStart;
    if (elapsed >= this.windowMs) {
      this.failures.delete(ip);
      return 0;
    }
    return entry.count >= this.max ? this.windowMs - elapsed : 0;
  }

  fail(ip: string): void {
    const now = this.clock.now();
    const entry = this.failures.get(ip);
    if (!entry || now - entry.windowStart >= this.windowMs) this.failures.set(ip, { count: 1, windowStart: now });
    else entry.count += 1;
    if (this.failures.size > 10_000) {
      for (const [k, v] of this.failures) if (now - v.windowStart >= this.windowMs) this.failures.delete(k);
    }
  }

  succeed(ip: string): void {
    this.failures.delete(ip);
  }
}
