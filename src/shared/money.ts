/** Money is integer cents. Zoho sends decimals as numbers or strings; parse them without float sums. */
export function toCents(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const text = typeof value === 'number' ? value.toFixed(6) : String(value).replace(/[$,\s]/g, '');
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const [, sign, whole, frac = ''] = m;
  const padded = (frac + '000').slice(0, 3);
  // Round half away from zero on the third decimal.
  let cents = Number(whole) * 100 + Number(padded.slice(0, 2));
  if (Number(padded[2]) >= 5) cents += 1;
  return sign === '-' ? -cents : cents;
}

/** Cents to a decimal string Zoho accepts ("12.50"). */
export function centsToDecimal(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/** Applies a percentage (basis points avoid floats: 1250 = 12.5%) and rounds half up. */
export function applyDiscountBps(cents: number, bps: number): number {
  return cents - Math.round((cents * bps) / 10000);
}
