import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { DeliveryOutcome } from '../channels/alert-channel.js';
import { logLines } from '../channels/log-channel.js';
import { WebhookChannel } from '../channels/webhook-channel.js';
import type { AlertNotification } from '../notification-plan.js';

const notification = (name: string, status: 'firing' | 'resolved' = 'firing'): AlertNotification => ({
  groupKey: `{}:{alertname="${name}"}`,
  groupLabels: { alertname: name },
  status,
  reason: 'first',
  alerts: [
    {
      fingerprint: '0123456789abcdef',
      status,
      labels: { alertname: name, severity: 'warning' },
      annotations: { summary: `${name} is 0.6` },
      value: 0.6,
      startsAt: new Date('2026-03-01T10:00:00.000Z'),
      endsAt: status === 'resolved' ? new Date('2026-03-01T11:00:00.000Z') : null,
    },
  ],
  commonLabels: { alertname: name, severity: 'warning' },
  commonAnnotations: { summary: `${name} is 0.6` },
  at: new Date('2026-03-01T10:00:00.000Z'),
});

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

/** A local receiver; `received` holds the parsed bodies it answered 2xx to. */
async function receiver(handler: Handler = (_q, _b, res) => res.end('ok'), port = 0) {
  const received: unknown[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => {
      body += d.toString();
    });
    req.on('end', () => {
      const end = res.end.bind(res);
      res.end = ((...args: Parameters<typeof end>) => {
        if (res.statusCode < 300) received.push(JSON.parse(body));
        return end(...args);
      }) as typeof res.end;
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  const address = server.address() as AddressInfo;
  return {
    received,
    url: `http://127.0.0.1:${address.port}/hook`,
    port: address.port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on (a receiver that is down). */
async function freePort(): Promise<number> {
  const r = await receiver();
  await r.close();
  return r.port;
}

const until = async (what: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe('webhook channel (real local receiver)', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  it('POSTs Alertmanager webhook JSON (version 4)', async () => {
    const r = await receiver();
    cleanup.push(r.close);
    const outcomes: DeliveryOutcome[] = [];
    const hook = new WebhookChannel({ url: r.url, onOutcome: (o) => outcomes.push(o) });
    cleanup.push(() => hook.close());
    expect(hook.deliver(notification('dataset_drift', 'resolved'))).toBe('queued');
    await hook.flush();
    expect(r.received).toEqual([
      {
        version: '4',
        groupKey: '{}:{alertname="dataset_drift"}',
        truncatedAlerts: 0,
        status: 'resolved',
        receiver: 'sporeprint',
        groupLabels: { alertname: 'dataset_drift' },
        commonLabels: { alertname: 'dataset_drift', severity: 'warning' },
        commonAnnotations: { summary: 'dataset_drift is 0.6' },
        externalURL: '',
        alerts: [
          {
            status: 'resolved',
            labels: { alertname: 'dataset_drift', severity: 'warning' },
            annotations: { summary: 'dataset_drift is 0.6' },
            startsAt: '2026-03-01T10:00:00.000Z',
            endsAt: '2026-03-01T11:00:00.000Z',
            generatorURL: '',
            fingerprint: '0123456789abcdef',
            value: 0.6,
          },
        ],
      },
    ]);
    expect(outcomes.map((o) => [o.outcome, o.attempts])).toEqual([['delivered', 1]]);
    expect(hook.delivered).toBe(1);
  });

  it('receiver down: retried with backoff, then delivered once it comes up, in order', async () => {
    const port = await freePort();
    const outcomes: DeliveryOutcome[] = [];
    const hook = new WebhookChannel({
      url: `http://127.0.0.1:${port}/hook`,
      maxAttempts: 20,
      initialBackoffMs: 20,
      maxBackoffMs: 100,
      onOutcome: (o) => outcomes.push(o),
    });
    cleanup.push(() => hook.close());
    hook.deliver(notification('first'));
    hook.deliver(notification('second'));
    await new Promise((r) => setTimeout(r, 150)); // a few attempts fail: nothing listens
    expect(outcomes).toEqual([]);
    const r = await receiver(undefined, port);
    cleanup.push(r.close);
    await until(() => outcomes.length === 2);
    expect(outcomes.map((o) => o.outcome)).toEqual(['delivered', 'delivered']);
    expect(outcomes[0].attempts).toBeGreaterThan(1);
    expect(
      r.received.map((b) => (b as { groupLabels: { alertname: string } }).groupLabels.alertname),
    ).toEqual(['first', 'second']);
  });

  it('5xx is retried up to the attempt limit, then reported failed; 4xx is not retried', async () => {
    let calls = 0;
    const r = await receiver((req, _b, res) => {
      calls++;
      res.statusCode = req.url === '/gone' ? 404 : 503;
      res.end();
    });
    cleanup.push(r.close);
    const outcomes: DeliveryOutcome[] = [];
    const hook = new WebhookChannel({
      url: r.url,
      maxAttempts: 3,
      initialBackoffMs: 5,
      onOutcome: (o) => outcomes.push(o),
    });
    cleanup.push(() => hook.close());
    hook.deliver(notification('x'));
    await hook.flush();
    expect(calls).toBe(3);
    expect(outcomes).toMatchObject([{ outcome: 'failed', attempts: 3, error: 'HTTP 503' }]);
    const gone = new WebhookChannel({
      url: r.url.replace('/hook', '/gone'),
      maxAttempts: 3,
      initialBackoffMs: 5,
      onOutcome: (o) => outcomes.push(o),
    });
    cleanup.push(() => gone.close());
    gone.deliver(notification('x'));
    await gone.flush();
    expect(calls).toBe(4);
    expect(outcomes[1]).toMatchObject({ outcome: 'failed', attempts: 1, error: 'HTTP 404' });
  });

  it('the caller never waits, not even for a receiver that hangs; a full queue drops the oldest with a counted warning', async () => {
    const hanging: ServerResponse[] = [];
    const r = await receiver((_q, _b, res) => hanging.push(res));
    cleanup.push(r.close);
    const warnings: string[] = [];
    const outcomes: DeliveryOutcome[] = [];
    const hook = new WebhookChannel({
      url: r.url,
      queueSize: 3,
      timeoutMs: 60_000,
      onWarning: (w) => warnings.push(w),
      onOutcome: (o) => outcomes.push(o),
    });
    cleanup.push(() => hook.close());
    const started = performance.now();
    for (let i = 0; i < 10; i++) expect(hook.deliver(notification(`n${i}`))).toBe('queued');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(50);
    expect(r.received).toEqual([]); // nothing was sent while the caller ran
    await until(() => hanging.length === 1); // n0 is in flight, and hangs
    expect(hook.pending).toBe(3);
    expect(hook.dropped).toBe(7);
    expect(warnings).toHaveLength(7);
    expect(warnings[6]).toMatch(
      /alert webhook queue full \(3\): dropped the oldest notification .*; 7 dropped so far/,
    );
    expect(
      outcomes.filter((o) => o.outcome === 'dropped').map((o) => o.notification.groupLabels.alertname),
    ).toEqual(['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7']);
    hanging[0].end('ok');
    await until(() => hanging.length === 2);
    hanging[1].end('ok');
    await until(() => hanging.length === 3);
    hanging[2].end('ok');
    await hook.flush();
    expect(
      r.received.map((b) => (b as { groupLabels: { alertname: string } }).groupLabels.alertname),
    ).toEqual(['n0', 'n8', 'n9']);
  });

  it('close aborts a request to a receiver that hangs, reporting it failed', async () => {
    const hanging: ServerResponse[] = [];
    const r = await receiver((_q, _b, res) => hanging.push(res));
    cleanup.push(r.close);
    const outcomes: DeliveryOutcome[] = [];
    const hook = new WebhookChannel({ url: r.url, timeoutMs: 60_000, onOutcome: (o) => outcomes.push(o) });
    hook.deliver(notification('x'));
    await until(() => hanging.length === 1);
    const started = performance.now();
    await hook.close();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(outcomes).toMatchObject([{ outcome: 'failed', attempts: 1 }]);
  });

  it('the log channel writes one line per alert', () => {
    expect(logLines(notification('dataset_drift'))).toEqual([
      'alert firing: dataset_drift severity=warning value=0.6 — dataset_drift is 0.6',
    ]);
  });
});
