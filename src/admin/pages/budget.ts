import { barChart, card, facts, formatDuration, gauge, html, table, type SafeHtml } from '../html.js';
import type { BudgetSnapshot, StalenessPromise, ZohoPriority } from '../sources.js';
import { failed, type Loaded, type PageContext } from './layout.js';

const PRIORITIES: Array<[ZohoPriority, string]> = [
  ['order', 'Orders'],
  ['webhook', 'Webhook follow-ups'],
  ['poll', 'Polling'],
  ['reconcile', 'Reconciliation'],
];

export function budgetPage(ctx: PageContext, snapshot: Loaded<BudgetSnapshot>, promise: Loaded<StalenessPromise>): SafeHtml {
  const currentHour = new Date(ctx.now).getUTCHours();
  const budget = snapshot.ok
    ? (() => {
        const b = snapshot.value;
        const left = Math.max(0, b.dailyLimit - b.usedToday);
        const hourly = b.hourly.length === 24 ? b.hourly : Array.from({ length: 24 }, (_, i) => b.hourly[i] ?? 0);
        return html`<div class="grid2">
${card(
  `Calls today (${b.day}, UTC)`,
  html`${gauge(b.usedToday, b.dailyLimit, `${b.usedToday} of ${b.dailyLimit} used · ${left} left`)}
${table(
  PRIORITIES,
  [
    { title: 'Priority class', cell: ([, label]) => label },
    { title: 'Calls today', cell: ([p]) => String(b.usedByPriority[p] ?? 0), className: 'num' },
    { title: 'Share', cell: ([p]) => (b.usedToday > 0 ? `${Math.round(((b.usedByPriority[p] ?? 0) / b.usedToday) * 100)} %` : '—'), className: 'num' },
  ],
)}`,
  { id: 'daily', tone: b.usedToday >= b.dailyLimit * 0.95 ? 'bad' : b.usedToday >= b.dailyLimit * 0.8 ? 'warn' : 'ok' },
)}
${card(
  'This minute',
  html`${gauge(b.usedThisMinute, b.perMinuteLimit, `${b.usedThisMinute} of ${b.perMinuteLimit} per minute`)}
${facts([
  ['In flight', `${b.inFlight} of ${b.concurrencyLimit} concurrent`],
  ['Order reserve', 'orders go first: webhook follow-ups, polling and reconciliation stop earlier as the day fills'],
])}`,
  { id: 'minute' },
)}
</div>
${card(
  'Calls per hour today (UTC)',
  barChart(hourly, {
    labels: hourly.map((_, i) => `${String(i).padStart(2, '0')}h`),
    title: `Zoho calls per hour on ${b.day}`,
    labelEvery: 3,
    highlight: currentHour,
    limitLine: { value: Math.ceil(b.dailyLimit / 24), label: `even spread ${Math.ceil(b.dailyLimit / 24)}/h` },
  }),
  { id: 'chart' },
)}`;
      })()
    : failed('the call budget', snapshot.error);
  const promiseCard = promise.ok
    ? card(
        "Planner's staleness promise",
        html`<p class="lead">${promise.value.explanation}</p>${facts([
          ['Stock at most', formatDuration(promise.value.maxStalenessMs) + ' old'],
          ['Polling every', promise.value.pollIntervalMs === null ? 'off' : formatDuration(promise.value.pollIntervalMs)],
          ['Reconciliation every', promise.value.reconcileIntervalMs ? formatDuration(promise.value.reconcileIntervalMs) : '—'],
        ])}`,
        { id: 'promise' },
      )
    : failed("the planner's promise", promise.error);
  return html`${promiseCard}${budget}`;
}
