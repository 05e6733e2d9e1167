import { z } from 'zod';

/**
 * One schema over the whole environment. Every variable the bridge reads is
 * declared here and documented in `.env.example`; nothing else reads
 * `process.env` directly.
 */

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

const optionalUrl = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))
  .pipe(z.url({ message: 'must be an absolute URL' }).optional());

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

export const ZOHO_DATA_CENTRES = ['us', 'eu', 'in', 'au', 'jp', 'ca', 'sa', 'cn'] as const;
export type ZohoDataCentre = (typeof ZOHO_DATA_CENTRES)[number];

export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: optionalUrl,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString.pipe(
    z
      .string()
      .refine((v) => /^(postgres(ql)?:\/\/|sqlite:|file:)/.test(v) || !v.includes('://'), {
        message: 'must be postgres://…, sqlite:PATH or a file path',
      })
      .optional(),
  ),

  ZOHO_ORGANIZATION_ID: z.string().regex(/^\d+$/, 'must be the numeric organization id').default('850205569'),
  ZOHO_DC: z.enum(ZOHO_DATA_CENTRES).default('us'),
  ZOHO_ACCOUNTS_URL: optionalUrl,
  ZOHO_API_URL: optionalUrl,
  ZOHO_CLIENT_ID: optionalString,
  ZOHO_CLIENT_SECRET: optionalString,
  ZOHO_REDIRECT_URI: optionalUrl,
  ZOHO_REFRESH_TOKEN: optionalString,
  ZOHO_SCOPES: optionalString,
  ZOHO_LOCATION_ID: optionalString.pipe(z.string().regex(/^\d+$/, 'must be a numeric Zoho id').optional()),
  ZOHO_DAILY_CALL_BUDGET: positiveInt(1000),
  ZOHO_PER_MINUTE_LIMIT: positiveInt(100),
  ZOHO_MAX_CONCURRENCY: positiveInt(5),
  ZOHO_WEBHOOK_SECRET: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  ZOHO_STOCK_FIELD: z
    .enum(['actual_available_for_sale', 'available_for_sale', 'actual_available', 'available', 'stock_on_hand'])
    .default('actual_available_for_sale'),
  STOCK_MODE: z.enum(['commit', 'adjustment']).default('commit'),
  LOW_STOCK_RECHECK_THRESHOLD: z.coerce.number().int().min(0).default(2),
  RESERVATION_TTL_SECONDS: positiveInt(900),
  ORDER_HOLD_TTL_SECONDS: positiveInt(7200),
  SALES_ORDER_FIELD_MAP: optionalString,
  METRICS_TOKEN: optionalString.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  STOREFRONT_API_KEY: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()),

  TOKEN_ENCRYPTION_KEY: optionalString,
  ADMIN_PASSWORD: optionalString,
  SESSION_SECRET: optionalString,
  AUDIT_HASH_KEY: optionalString,

  AGE_PROVIDER: z.enum(['agechecker', 'fake']).optional(),
  AGECHECKER_API_URL: optionalUrl,
  AGECHECKER_API_KEY: optionalString,
  AGECHECKER_SECRET: optionalString,
  AGE_NAME_MATCH: z.enum(['strict', 'last_name', 'off']).default('strict'),
  ADDRESS_PROVIDER: z.enum(['usps', 'fake']).optional(),
  USPS_API_URL: optionalUrl,
  USPS_CLIENT_ID: optionalString,
  USPS_CLIENT_SECRET: optionalString,

  ROLLOUT: z.string().default('all'),
  COMPLIANCE_RULES: optionalString,
  CUSTOM_FIELD_MAP: optionalString,
  TAX_MAP: optionalString,

  ALERT_WEBHOOK_URL: optionalUrl,
  SMTP_URL: optionalString,
  ALERT_EMAIL_TO: optionalString,
  ALERT_EMAIL_FROM: optionalString,

  TLS_CERT_FILE: optionalString,
  TLS_KEY_FILE: optionalString,
  TRUST_PROXY: optionalString,

  DEMO: boolish.optional(),
  EMULATOR_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  WORKER_ENABLED: boolish.default(true),
  SYNC_ENABLED: boolish.default(true),
});

export type RawEnv = z.infer<typeof envSchema>;

/** Variables that hold secrets: each may also be given as NAME_FILE (Docker/Kubernetes secrets). */
export const SECRET_VARIABLES = [
  'ZOHO_CLIENT_SECRET',
  'ZOHO_REFRESH_TOKEN',
  'ZOHO_WEBHOOK_SECRET',
  'TOKEN_ENCRYPTION_KEY',
  'ADMIN_PASSWORD',
  'SESSION_SECRET',
  'AUDIT_HASH_KEY',
  'STOREFRONT_API_KEY',
  'METRICS_TOKEN',
  'AGECHECKER_API_KEY',
  'AGECHECKER_SECRET',
  'USPS_CLIENT_SECRET',
  'DATABASE_URL',
  'SMTP_URL',
] as const;
