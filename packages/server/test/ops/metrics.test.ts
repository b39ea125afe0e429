// Prometheus metrics: GET /metrics in the text format with the documented names, counters that
// move when messages flow, METRICS=false, and METRICS_PORT (a separate listener, closed with the app).
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AckFrame, ErrorFrame, JoinedFrame } from '@chat/protocol';
import { freePort, killChildren, startChild } from '../child-server.js';
import { nextMessages, startServer, tempDir, trackResources } from '../helpers.js';
import { parseProm, waitFor } from './ops-helpers.js';

const { server, connect, track } = trackResources();

const NAMES = [
  'chat_connections',
  'chat_rooms_active',
  'chat_room_memberships',
  'chat_messages_received_total',
  'chat_messages_stored_total',
  'chat_messages_delivered_total',
  'chat_errors_total',
  'chat_store_commit_seconds',
  'chat_slow_consumer_disconnects_total',
  'chat_heartbeat_disconnects_total',
  'nodejs_eventloop_lag_seconds',
];

async function scrape(url: string): Promise<{ text: string; values: Map<string, number> }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { text, values: parseProm(text) };
}

/** A counter/gauge value, 0 when the series is not printed yet (a labelled counter never incremented). */
const value = (values: Map<string, number>, key: string): number => values.get(key) ?? 0;

describe('metrics', () => {
  it('GET /metrics is Prometheus text with every documented metric', async () => {
    const s = await server();
    const res = await fetch(`${s.httpUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of NAMES) {
      expect(text, name).toMatch(new RegExp(`^# TYPE ${name} (counter|gauge|histogram|summary)$`, 'm'));
      expect(text, name).toMatch(new RegExp(`^# HELP ${name} \\S`, 'm'));
    }
    expect(text).toMatch(/^# TYPE chat_store_commit_seconds histogram$/m);
    const values = parseProm(text);
    expect(values.get('chat_connections')).toBe(0);
    expect(values.get('chat_messages_received_total')).toBe(0);
    expect(values.has('nodejs_eventloop_lag_seconds')).toBe(true);
    for (const key of ['chat_store_commit_seconds_bucket{le="+Inf"}', 'chat_store_commit_seconds_sum', 'chat_store_commit_seconds_count']) {
      expect(values.has(key), key).toBe(true);
    }
  });

  it('counters move when messages flow', async () => {
    const s = await server({ rateLimit: 0 });
    const url = `${s.httpUrl}/metrics`;
    const before = (await scrape(url)).values;

    const alice = await connect(s, { nick: 'alice' });
    const bob = await connect(s, { nick: 'bob' });
    expect((await alice.request<JoinedFrame>({ type: 'join', room: 'm' })).type).toBe('joined');
    expect((await bob.request<JoinedFrame>({ type: 'join', room: 'm' })).type).toBe('joined');
    const joined = (await scrape(url)).values;
    expect(joined.get('chat_connections')).toBe(2);
    expect(joined.get('chat_rooms_active')).toBe(1);
    expect(value(joined, 'chat_room_memberships')).toBeGreaterThanOrEqual(2);

    for (let i = 0; i < 5; i++) {
      const ack = await alice.request<AckFrame>({ type: 'send', room: 'm', id: `k${i}`, text: `message ${i}` });
      expect(ack.type).toBe('ack');
    }
    // Delivered to both members, the sender included.
    await nextMessages(bob, 'm', 5);
    await nextMessages(alice, 'm', 5);
    // A resend with the same id is acked again but stored once.
    expect((await alice.request<AckFrame>({ type: 'send', room: 'm', id: 'k0', text: 'message 0' })).type).toBe('ack');
    // An invalid frame.
    alice.send('this is not json');
    expect((await alice.next<ErrorFrame>((f) => f.type === 'error')).code).toBe('bad_request');

    const after = (await scrape(url)).values;
    const delta = (key: string) => value(after, key) - value(before, key);
    expect(delta('chat_messages_stored_total')).toBe(5);
    // received counts accepted send requests (the duplicate is one of them).
    expect(delta('chat_messages_received_total')).toBe(6);
    expect(delta('chat_messages_delivered_total')).toBe(10);
    expect(delta('chat_errors_total{code="bad_request"}')).toBe(1);
    expect(delta('chat_store_commit_seconds_count')).toBeGreaterThanOrEqual(1);
    expect(delta('chat_store_commit_seconds_bucket{le="+Inf"}')).toBe(delta('chat_store_commit_seconds_count'));
    expect(delta('chat_store_commit_seconds_sum')).toBeGreaterThan(0);
    expect(after.get('chat_connections')).toBe(2);
    expect(delta('chat_slow_consumer_disconnects_total')).toBe(0);
    expect(delta('chat_heartbeat_disconnects_total')).toBe(0);

    await bob.close();
    await alice.close();
    const closed = (await scrape(url)).values;
    expect(closed.get('chat_connections')).toBe(0);
    expect(closed.get('chat_rooms_active')).toBe(0);
  });

  it('a refused join leaves no room active (a join buffers live messages from before its admission)', async () => {
    const s = await server({ roomCreation: 'admins' });
    const url = `${s.httpUrl}/metrics`;
    const guest = await connect(s, { nick: 'guest' });
    for (const room of ['nowhere', `dm-${'0'.repeat(32)}`]) {
      expect(await guest.request<ErrorFrame>({ type: 'join', room })).toMatchObject({ type: 'error', code: 'not_found' });
    }
    expect((await scrape(url)).values.get('chat_rooms_active')).toBe(0);
    expect((await guest.request<JoinedFrame>({ type: 'join', room: 'lobby' })).type).toBe('joined');
    expect((await scrape(url)).values.get('chat_rooms_active')).toBe(1);
  });

  it('METRICS=false: no /metrics', async () => {
    const s = await server({ metrics: false });
    expect((await fetch(`${s.httpUrl}/metrics`)).status).toBe(404);
    expect((await fetch(`${s.httpUrl}/healthz`)).status).toBe(200);
  });

  it('METRICS_PORT: metrics on their own listener only, closed with the app', async () => {
    const metricsPort = await freePort();
    const s = await startServer({ metricsPort });
    let closed = false;
    track({ close: async () => void (closed || (await s.close())) });

    expect((await fetch(`${s.httpUrl}/metrics`)).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toMatch(/^chat_messages_stored_total 0$/m);
    // Only /metrics there: not the chat app.
    expect((await fetch(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);

    // The metrics listener reflects the main app's state.
    const c = await connect(s);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text()))).toMatch(/^chat_connections 1$/m);
    await c.close();

    closed = true;
    await s.close();
    await expect(fetch(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow();
  });
});

describe('metrics settings on the real process', () => {
  it('METRICS_PORT/METRICS_HOST from the environment move /metrics off the main port', async () => {
    const dataDir = tempDir('chat-metrics-env-');
    try {
      const metricsPort = await freePort();
      const child = await startChild(dataDir, { env: { METRICS_PORT: String(metricsPort), METRICS_HOST: '127.0.0.1' } });
      expect((await fetch(`${child.baseUrl}/metrics`)).status).toBe(404);
      // The listener starts in an onListen hook: healthy main port, metrics a moment later at most.
      const res = await waitFor('the metrics listener', () => fetch(`http://127.0.0.1:${metricsPort}/metrics`));
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/^# TYPE chat_messages_stored_total counter$/m);
    } finally {
      killChildren();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
