// myrooms: what the user's room list costs (GET api/me/rooms, issue 16's read markers and unread
// counts) for an account in `rooms` rooms, on SQLite and on PostgreSQL, before and after a large
// history in one run. For each store, a fresh one (a data directory; a `chat_bench_…` schema):
//   few       every room has `few` messages, all unread (stored through the Store API);
//   backlog   every room has `messages` (the rest written in bulk: costs/my-rooms-sqlite.ts and
//             my-rooms-pg.ts), the reader's marker still at 0: a backlog of `messages` per room,
//             which the list counts up to its cap of 100;
//   mentions  the same, every `mentionEvery`th message of each room mentioning the reader;
//   read      the same, the reader's marker at each room's last seq (nothing unread).
// Each phase times `requests` GET api/me/rooms one at a time against the real server, with the
// account's bearer token. PostgreSQL at --database-url; n/a (a line in the log) when it does not
// answer. Our server only.
import type { PeerName } from '../adapters.js';
import { round } from '../format.js';
import { timeMeRooms, type MeRoomsLatency } from '../costs/me-rooms-latency.js';
import { pgBacklog, pgCatchUp, pgMentions, pgMessagesMiB, pgUnavailable } from '../costs/my-rooms-pg.js';
import { setUp, type MyRoomsSetup } from '../costs/my-rooms-setup.js';
import { sqliteBacklog, sqliteCatchUp, sqliteMentions, sqliteMiB } from '../costs/my-rooms-sqlite.js';
import { currentChatMain, PeerProcess } from '../peer-process.js';
import { partsBody, type Body, type Context } from '../scenario-context.js';
import type { StoreKind } from '../search/fill.js';
import { ScratchStore } from '../scratch-store.js';
import { shown } from '../services.js';

/**
 * The list's cap on `unread` and `mentions` per room: mirrors packages/server/src/store/rows.ts
 * UNREAD_CAP (100 since the room list with a backlog cost 55–100 ms at 1000), which the bench does
 * not import, as it runs the server built (or another checkout's, --server-dir).
 */
const CAP = 100;

export const MY_ROOMS_PHASES = ['few', 'backlog', 'mentions', 'read'] as const;
type Phase = (typeof MY_ROOMS_PHASES)[number];

/** What each phase's answer must say, summed over the rooms. */
function expected(o: Context['opts']['myRooms'], phase: Phase): { unread: number; mentions: number } {
  const first = Math.floor(o.few / o.mentionEvery) + 1;
  const mentioning = Math.max(0, Math.floor(o.messages / o.mentionEvery) - first + 1);
  switch (phase) {
    case 'few':
      return { unread: o.rooms * Math.min(CAP, o.few), mentions: 0 };
    case 'backlog':
      return { unread: o.rooms * Math.min(CAP, o.messages), mentions: 0 };
    case 'mentions':
      return { unread: o.rooms * Math.min(CAP, o.messages), mentions: o.rooms * Math.min(CAP, mentioning) };
    case 'read':
      return { unread: 0, mentions: 0 };
  }
}

async function measureStore(ctx: Context, kind: StoreKind, problems: string[]): Promise<Record<string, number | null>> {
  const o = ctx.opts.myRooms;
  const chatMain = currentChatMain();
  const log = (line: string): void => ctx.log(`    ${kind}: ${line}`);
  let scratch: ScratchStore | null = null;
  let server: PeerProcess | null = null;
  const metrics: Record<string, number | null> = {};
  try {
    scratch = await ScratchStore.create(kind, ctx.opts.cluster.databaseUrl, 'chat-bench-myrooms-');
    const { where, env } = scratch;
    const setup: MyRoomsSetup = await setUp(chatMain, kind, where, o);
    const time = async (phase: Phase): Promise<void> => {
      const r: MeRoomsLatency = await timeMeRooms((server as PeerProcess).port, setup.token, o);
      const want = expected(o, phase);
      log(`${phase}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, max ${r.maxMs} ms; ${r.rooms} rooms, ${r.unread.toLocaleString('en')} unread, ${r.mentions.toLocaleString('en')} mentions${r.failed ? `; ${r.failed} failed` : ''}`);
      if (r.rooms !== o.rooms || r.unread !== want.unread || r.mentions !== want.mentions || r.failed > 0) {
        problems.push(`${kind} ${phase}: ${r.rooms} rooms, ${r.unread} unread, ${r.mentions} mentions, ${r.failed} failed; expected ${o.rooms}, ${want.unread}, ${want.mentions}, 0`);
      }
      Object.assign(metrics, {
        [`${phase}P50Ms`]: r.p50Ms,
        [`${phase}P99Ms`]: r.p99Ms,
        [`${phase}MaxMs`]: r.maxMs,
        [`${phase}Rooms`]: r.rooms,
        [`${phase}Unread`]: r.unread,
        [`${phase}Mentions`]: r.mentions,
        [`${phase}Failed`]: r.failed,
      });
    };

    server = await PeerProcess.start('chat', env);
    await time('few');
    await server.stop();
    server = null;

    const perRoom = o.messages - o.few;
    log(`writing ${(perRoom * o.rooms).toLocaleString('en')} messages in bulk (${o.rooms} rooms × ${perRoom.toLocaleString('en')})`);
    const fill = { from: o.few, perRoom, mentionEvery: o.mentionEvery };
    let fillSeconds: number;
    if (kind === 'postgres') {
      const filled = await pgBacklog(where, setup, fill, log);
      fillSeconds = filled.fillSeconds;
      metrics.settleSeconds = round(filled.settleSeconds, 1);
      metrics.messagesMiB = await pgMessagesMiB(where);
    } else {
      fillSeconds = sqliteBacklog(chatMain, where, setup, fill, log);
      metrics.messagesMiB = sqliteMiB(chatMain, where);
    }
    metrics.fillSeconds = round(fillSeconds, 1);
    metrics.fillPerMessageUs = round((fillSeconds * 1e6) / (perRoom * o.rooms), 2);
    log(`written in ${metrics.fillSeconds} s (${metrics.fillPerMessageUs} µs a message)${metrics.settleSeconds !== undefined ? `, VACUUM ANALYZE ${metrics.settleSeconds} s` : ''}; ${metrics.messagesMiB} MiB`);

    const startedAt = Date.now();
    server = await PeerProcess.start('chat', env);
    metrics.serverStartSeconds = round((Date.now() - startedAt) / 1000, 1);
    await time('backlog');

    const marks = { from: o.few, last: o.messages, mentionEvery: o.mentionEvery };
    const mentioned = kind === 'postgres' ? await pgMentions(where, setup, marks) : sqliteMentions(chatMain, where, setup, marks);
    log(`${mentioned.toLocaleString('en')} mentions of the reader added`);
    await time('mentions');

    if (kind === 'postgres') await pgCatchUp(where, setup);
    else sqliteCatchUp(chatMain, where, setup);
    await time('read');

    metrics.serverCpuSeconds = round(server.cpuSeconds(), 1);
    metrics.serverPeakRssMiB = round(server.peakRssBytes() / 1024 / 1024, 1);
    problems.push(...server.problems().map((l) => `${kind}: ${l}`));
    return metrics;
  } finally {
    await server?.stop();
    if (o.keep) log(`kept ${scratch?.shown ?? ''} (--myrooms-keep)`);
    else await scratch?.remove();
  }
}

export async function myRooms(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.myRooms;
  const metrics: Record<string, number | null> = { rooms: o.rooms, messagesPerRoom: o.messages, fewPerRoom: o.few, mentionEvery: o.mentionEvery, requests: o.requests };
  const log: string[] = [];
  const failures: string[] = [];
  for (const kind of o.stores) {
    ctx.log(`  ${peer}: ${kind}`);
    if (kind === 'postgres') {
      const why = await pgUnavailable(ctx.opts.cluster.databaseUrl);
      if (why !== null) {
        ctx.log(`  ${peer}: postgres: n/a (PostgreSQL at ${shown(ctx.opts.cluster.databaseUrl)}: ${why})`);
        log.push(`postgres: n/a: ${why}`);
        metrics['measured@postgres'] = 0;
        continue;
      }
    }
    try {
      for (const [k, v] of Object.entries(await measureStore(ctx, kind, log))) metrics[`${k}@${kind}`] = v;
      metrics[`measured@${kind}`] = 1;
    } catch (err) {
      const reason = (err as Error).message.replace(/\s+/g, ' ').trim();
      ctx.log(`  ${peer}: ${kind}: ERROR ${reason}`);
      failures.push(`${kind}: ${reason}`);
    }
  }
  // A phase whose answer was not the list it meant to measure fails the scenario.
  const wrong = log.filter((l) => / expected \d/.test(l));
  failures.push(...wrong);
  return partsBody(metrics, log, failures);
}
