/**
 * `npx dtc-bridge <command>`. Each command loads the configuration, builds
 * the same modules the server runs (src/app/context.ts), does one job and
 * exits with a meaningful code (0 ok, 1 failed check or error, 2 bad usage).
 */
import { writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { ConfigError, loadConfig, type Config } from '../config/load.js';
import { createLogger } from '../observability/logger.js';
import { serveForever } from '../app/serve.js';
import { createAppContext, type AppContext } from '../app/context.js';
import { connectToEmulator, demoConfig, readDemoRuntime } from '../app/demo.js';
import { runEmulatorCli, startZohoEmulator, type RunningEmulator } from '../emulator/index.js';
import { runDoctor } from '../zoho/index.js';
import { DEFAULT_FIELD_MAP } from '../catalog/mapping.js';
import { mappedFieldTypes } from './mapped-fields.js';

/** A context for a one-shot command. In the demo it reuses a running server's emulator, or starts its own. */
async function withContext<T>(fn: (ctx: AppContext) => Promise<T>, options: { connect?: boolean } = {}): Promise<T> {
  const base = loadConfig();
  // Commands print their own result; the log (JSON on stderr) only carries errors unless LOG_LEVEL says otherwise.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'error', process.stderr as never);
  let config: Config = base;
  let ownEmulator: RunningEmulator | null = null;
  if (base.demo) {
    const running = readDemoRuntime(base);
    if (running) {
      config = demoConfig(base, running.emulatorUrl, running.locationId, running.webhookSecret);
    } else {
      ownEmulator = await startZohoEmulator({ port: 0 });
      config = demoConfig(base, ownEmulator.url, ownEmulator.control.locationIds.dtc, 'cli-demo-webhook-secret-0000');
    }
  }
  const ctx = await createAppContext(config, { logger });
  try {
    if (base.demo && options.connect !== false) {
      await connectToEmulator(ctx.zoho.connection, ownEmulator ? ownEmulator.url : config.zohoAccountsUrl, { force: Boolean(ownEmulator) });
      if (ownEmulator) await ctx.orders.forgetZohoContacts();
      if (ownEmulator) process.stderr.write(`(demo: using a temporary Zoho emulator at ${ownEmulator.url}; start the server with \`npm start\` to share one)\n`);
    } else if (!base.demo) {
      await ctx.zoho.init();
    }
    return await fn(ctx);
  } finally {
    await ctx.close();
    await ownEmulator?.close();
  }
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

function fail(message: string, code = 1): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

function formatTime(ms: number | null | undefined): string {
  return ms ? new Date(ms).toISOString() : '—';
}

export function buildCli(): Command {
  const program = new Command('dtc-bridge')
    .description('VIP Smoke ⇄ Zoho Inventory bridge')
    .showHelpAfterError()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });

  program
    .command('serve')
    .description('run the server (the embedded demo when no Zoho credentials are set)')
    .action(async () => {
      await serveForever(loadConfig());
    });

  program
    .command('emulator')
    .description('run the Zoho emulator alone')
    .option('--port <port>', 'port (default 4000)', '4000')
    .option('--webhook-url <url>', 'where to send workflow webhooks')
    .option('--webhook-secret <secret>', 'X-Webhook-Secret header value for the webhooks')
    .option('--warehouses', 'answer like a legacy warehouse organization (warehouses[] instead of locations[])')
    .option('--extra-items <n>', 'generated items on top of the demo catalog', '0')
    .action(async (opts: { port: string; webhookUrl?: string; webhookSecret?: string; warehouses?: boolean; extraItems: string }) => {
      await runEmulatorCli({
        port: Number(opts.port),
        stockShape: opts.warehouses ? 'warehouses' : 'locations',
        seed: { demo: true, extraItems: Number(opts.extraItems) },
        ...(opts.webhookUrl ? { webhook: { url: opts.webhookUrl, headers: opts.webhookSecret ? { 'X-Webhook-Secret': opts.webhookSecret } : {} } } : {}),
      });
    });

  const auth = program.command('auth').description('the Zoho OAuth connection');
  auth
    .command('url')
    .description('print the consent URL to open in a browser')
    .action(() =>
      withContext(async (ctx) => {
        const { url, expiresAt } = await ctx.zoho.connection.consentUrl();
        print(url);
        process.stderr.write(`(valid until ${formatTime(expiresAt)}; after consent Zoho redirects to ${ctx.zoho.connection.redirectUri()})\n`);
      }, { connect: false }),
    );
  auth
    .command('exchange <code>')
    .description('exchange a grant code (Self Client, or copied from a redirect)')
    .option('--accounts-server <url>', 'the accounts-server of a multi-DC redirect')
    .option('--redirect-uri <uri>', 'the redirect URI the code was issued for (omit for a Self Client code)')
    .action((code: string, opts: { accountsServer?: string; redirectUri?: string }) =>
      withContext(async (ctx) => {
        const status = await ctx.zoho.connection.exchangeCode(code, opts.accountsServer, { redirectUri: opts.redirectUri ?? null });
        print(`connected: ${status.state}; api domain ${status.apiDomain ?? '—'}; scopes ${status.scopes.join(',')}`);
      }, { connect: false }),
    );
  auth
    .command('status')
    .description('connection state, data centre, scopes, token expiry')
    .action(() =>
      withContext(async (ctx) => {
        const s = await ctx.zoho.connection.status();
        print(`state            ${s.state}`);
        print(`data centre      ${s.dataCentre}`);
        print(`organization     ${s.organizationId}`);
        print(`accounts server  ${s.accountsServer ?? '—'}`);
        print(`api domain       ${s.apiDomain ?? '—'}`);
        print(`scopes           ${s.scopes.join(', ') || '—'}`);
        print(`token expires    ${formatTime(s.accessTokenExpiresAt)}`);
        print(`last refresh     ${formatTime(s.lastRefreshAt)}`);
        if (s.lastError) print(`last error       ${s.lastError}`);
        if (s.state !== 'connected') process.exitCode = 1;
      }),
    );
  auth
    .command('revoke')
    .description('revoke the refresh token at Zoho and forget it')
    .action(() =>
      withContext(async (ctx) => {
        const s = await ctx.zoho.connection.revoke();
        print(`revoked; state ${s.state}`);
      }, { connect: false }),
    );

  program
    .command('doctor')
    .description('check connection, organization, scopes, location, custom fields and budget')
    .action(() =>
      withContext(async (ctx) => {
        const checks = await runDoctor({
          api: ctx.zoho.api,
          connection: ctx.zoho.connection,
          config: ctx.config,
          mappedCustomFields: mappedFieldTypes(ctx.config.CUSTOM_FIELD_MAP ?? null, DEFAULT_FIELD_MAP),
          budget: ctx.zoho.budget,
        });
        const problems = await ctx.catalog.mappingProblems(5).catch(() => null);
        for (const c of checks) {
          print(`${c.ok ? 'ok  ' : 'FAIL'}  ${c.check.padEnd(22)} ${c.detail}${!c.ok && c.fix ? `\n      fix: ${c.fix}` : ''}`);
        }
        if (problems && problems.items > 0) {
          print(`warn  ${'item mapping'.padEnd(22)} ${problems.items} item(s) with missing or mistyped custom fields (safe defaults applied):`);
          for (const p of problems.byField) print(`      ${p.field}: ${p.problem} × ${p.count}`);
        }
        const failed = checks.filter((c) => !c.ok).length;
        print(failed ? `\n${failed} check(s) failed` : '\nall checks passed');
        if (failed) process.exitCode = 1;
      }),
    );

  program
    .command('sync')
    .description('incremental poll, or a full catalog sync (--full) with a progress bar')
    .option('--full', 'list every item and re-read its stock and custom fields (resumable)')
    .option('--restart', 'with --full: ignore the checkpoint and start from page 1')
    .action((opts: { full?: boolean; restart?: boolean }) =>
      withContext(async (ctx) => {
        if (!opts.full) {
          const result = await ctx.catalog.sync.pollOnce();
          print(JSON.stringify(result));
          return;
        }
        const bar = new cliProgress.SingleBar(
          { format: ' {phase} |{bar}| {value}/{total} items  {eta_formatted} left', hideCursor: true, noTTYOutput: true, notTTYSchedule: 2000 },
          cliProgress.Presets.shades_classic,
        );
        let started = false;
        const result = await ctx.catalog.sync.fullSync({
          ...(opts.restart ? { restart: true } : {}),
          onProgress: (p) => {
            if (!started) {
              bar.start(Math.max(p.total, 1), p.done, { phase: p.phase.padEnd(7) });
              started = true;
            }
            bar.setTotal(Math.max(p.total, 1));
            bar.update(p.done, { phase: p.phase.padEnd(7) });
          },
        });
        if (started) bar.stop();
        print(
          `full sync ${result.completed ? 'complete' : 'stopped'}: ${result.listed} listed, ${result.detailed} read in detail, ${result.gone} gone, ${result.calls} Zoho calls` +
            (result.stoppedBy ? ` (stopped by ${result.stoppedBy}; run again in ${Math.ceil((result.retryAfterMs ?? 0) / 60000)} min to resume)` : ''),
        );
        if (!result.completed) process.exitCode = 1;
      }),
    );

  const orders = program.command('orders').description('orders and the dead-letter list');
  orders
    .command('list')
    .addOption(new Option('--status <status>', 'filter by state').choices(['placed', 'accepted', 'pending_verification', 'review', 'refused', 'failed', 'cancelled', 'dead_letter']))
    .option('--limit <n>', 'how many', '50')
    .action((opts: { status?: string; limit: string }) =>
      withContext(async (ctx) => {
        const rows = await ctx.orders.listOrders({ ...(opts.status ? { status: opts.status as never } : {}), limit: Number(opts.limit) });
        if (rows.length === 0) return print('no orders');
        print(['order id'.padEnd(20), 'status'.padEnd(22), 'zoho sales order'.padEnd(22), 'created'].join(' '));
        for (const r of rows as unknown as Array<Record<string, unknown>>) {
          print(
            [
              String(r.orderId).padEnd(20),
              String(r.status).padEnd(22),
              String(r.zohoSalesOrderId ?? '—').padEnd(22),
              typeof r.createdAt === 'number' ? formatTime(r.createdAt) : String(r.createdAt ?? ''),
            ].join(' '),
          );
        }
      }, { connect: false }),
    );
  orders
    .command('show <id>')
    .action((id: string) =>
      withContext(async (ctx) => {
        const order = await ctx.orders.getOrder(id);
        if (!order) fail(`order ${id} not found`);
        print(JSON.stringify(order, null, 2));
      }, { connect: false }),
    );
  orders
    .command('retry <id>')
    .description('re-queue a dead-lettered order and push it now')
    .action((id: string) =>
      withContext(async (ctx) => {
        const view = await ctx.orders.retryOrder(id);
        await ctx.orders.worker.runOnce();
        const after = await ctx.orders.getOrder(id);
        print(`order ${id}: ${(after as { status?: string } | null)?.status ?? (view as { status?: string }).status}`);
      }),
    );

  const audit = program.command('audit').description('the compliance audit log');
  audit
    .command('verify')
    .description('walk the hash chain; names any edited, deleted or reordered row')
    .action(() =>
      withContext(async (ctx) => {
        const report = await ctx.compliance.verifyAuditChain();
        if (report.ok) {
          print(`audit chain intact: ${report.rows} records, head ${report.lastHash.slice(0, 16)}…`);
          return;
        }
        print(`audit chain BROKEN (${report.problems.length} problem(s) in ${report.rows} records):`);
        for (const p of report.problems) print(`  seq ${p.seq}${p.id ? ` (id ${p.id})` : ''}${p.orderId ? ` order ${p.orderId}` : ''}: ${p.problem} — ${p.detail}`);
        process.exitCode = 1;
      }, { connect: false }),
    );
  audit
    .command('export')
    .option('--from <date>', 'inclusive start (ISO date or time)')
    .option('--to <date>', 'exclusive end (a date means the end of that day)')
    .addOption(new Option('--format <format>', 'csv or jsonl').choices(['csv', 'jsonl']).default('jsonl'))
    .option('--include-drills', 'include drill records')
    .option('--out <file>', 'write to a file instead of stdout')
    .action((opts: { from?: string; to?: string; format: 'csv' | 'jsonl'; includeDrills?: boolean; out?: string }) =>
      withContext(async (ctx) => {
        const text = await ctx.compliance.exportAudit({
          format: opts.format,
          ...(opts.from ? { from: opts.from } : {}),
          ...(opts.to ? { to: opts.to } : {}),
          ...(opts.includeDrills ? { includeDrills: true } : {}),
        });
        if (opts.out) {
          writeFileSync(opts.out, text);
          process.stderr.write(`wrote ${opts.out}\n`);
        } else process.stdout.write(text);
      }, { connect: false }),
    );

  program
    .command('pact-report')
    .description('PACT Act monthly report per destination state')
    .requiredOption('--month <YYYY-MM>', 'the calendar month')
    .option('--state <XX>', 'one destination state')
    .addOption(new Option('--format <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to a file instead of stdout')
    .action((opts: { month: string; state?: string; format: 'csv' | 'json'; out?: string }) => {
      if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(opts.month)) fail('--month must be YYYY-MM', 2);
      if (opts.state && !/^[A-Za-z]{2}$/.test(opts.state)) fail('--state must be a two-letter code', 2);
      return withContext(async (ctx) => {
        const report = await ctx.compliance.buildPactReport({ month: opts.month, ...(opts.state ? { state: opts.state.toUpperCase() } : {}) });
        const text = opts.format === 'json' ? report.json : report.csv;
        if (opts.out) {
          writeFileSync(opts.out, text);
          process.stderr.write(
            `wrote ${opts.out}: ${report.totals.shipments} shipment(s), ${report.totals.units} unit(s) to ${report.totals.states} state(s)\n`,
          );
        } else process.stdout.write(text);
      }, { connect: false });
    });

  program
    .command('drill')
    .description('run the restricted-scenario library through the real decision path')
    .action(() =>
      withContext(async (ctx) => {
        const report = await ctx.compliance.runDrill();
        print(report.table);
        print(`\n${report.passed} passed, ${report.failed} failed (ruleset ${report.rulesetVersion}); results written to the audit log as drills`);
        if (!report.ok) process.exitCode = 1;
      }, { connect: false }),
    );

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    fail(`error: ${err instanceof Error ? err.message : String(err)}`);
  }
}
