/**
 * Workflow-rule webhooks with the default payload (the whole record wrapped in
 * its module key, zoho-api.md §6.2): delivered one at a time in the order the
 * events happened, never awaited by the API answer that caused them.
 */
import type { EmulatorCounters, WebhookDelivery, WebhookOptions } from './types.js';

export type WebhookEvent = WebhookDelivery['event'];

export class WebhookDispatcher {
  private chain: Promise<void> = Promise.resolve();
  private readonly log: WebhookDelivery[] = [];

  constructor(
    private target: WebhookOptions | null,
    private readonly counters: () => EmulatorCounters,
    private readonly timeoutMs = 10_000,
  ) {}

  set(target: WebhookOptions | null): void {
    this.target = target;
  }

  /** Queues a delivery; `record` is serialized now, so later changes do not leak into it. */
  emit(event: WebhookEvent, action: string, record: Record<string, unknown>): void {
    const target = this.target;
    if (!target || target.enabled === false) return;
    const body = JSON.stringify({ [event]: record });
    const headers = { 'Content-Type': 'application/json;charset=UTF-8', 'User-Agent': 'ZohoInventory-Webhook (emulator)', ...target.headers };
    this.chain = this.chain.then(() => this.deliver(event, action, target.url, headers, body));
  }

  flush(): Promise<void> {
    return this.chain;
  }

  deliveries(): WebhookDelivery[] {
    return this.log.map((d) => ({ ...d }));
  }

  private async deliver(event: WebhookEvent, action: string, url: string, headers: Record<string, string>, body: string): Promise<void> {
    this.counters().webhooksSent += 1;
    const entry: WebhookDelivery = { event, action, url, status: null, error: null };
    this.log.push(entry);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      entry.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      entry.error = err instanceof Error ? err.message : String(err);
    }
  }
}
