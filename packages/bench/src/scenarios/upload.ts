// upload: what files cost our server (issue 17's uploads, measured for the performance round):
// POST api/rooms/R/files of random (incompressible) files, one alone, then `concurrent` streaming at
// once, each from a guest of its own on a connection of its own, with the server's RSS sampled
// throughout. The server streams a body to a temporary file (files/upload-receiver.ts), so its
// memory must not grow by the files' size: the headline is the peak RSS during the concurrent
// uploads minus the RSS just before them (after a full garbage collection), in MiB and as a share
// of the files' total. Optionally one JPEG of random pixels, which the server decodes and
// re-encodes with sharp (files/image-normalizer.ts), alone. Our server only.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerName } from '../adapters.js';
import { MiB, round } from '../format.js';
import { makeNoiseJpeg } from '../costs/noise-image.js';
import { upload, type UploadResult } from '../costs/multipart-upload.js';
import { RssSampler } from '../costs/rss-sampler.js';
import { generatorSummary } from '../measure/generator-summary.js';
import { currentChatMain, PeerProcess } from '../peer-process.js';
import type { Body, Context } from '../scenario-context.js';
import { loadStore } from '../search/fill.js';

const ROOM = 'uploads';
/** The server's default MAX_UPLOAD_BYTES (10 MiB): the scenario raises it only for larger files. */
const DEFAULT_MAX_UPLOAD_BYTES = 10 * MiB;

/** Guests made through the built server's store, before it starts: one per upload, so no daily quota is shared. */
async function guests(dataDir: string, count: number): Promise<string[]> {
  const store = await loadStore(currentChatMain(), 'sqlite', dataDir);
  await store.open();
  try {
    await store.createRoom(ROOM, 'public', null);
    const tokens: string[] = [];
    for (let i = 0; i < count; i++) tokens.push((await store.createGuest(`uploader${i + 1}`)).token);
    return tokens;
  } finally {
    await store.close();
  }
}

/** A prefix that makes upload `i`'s bytes its own (and no known file signature). */
const prefix = (i: number): Buffer => Buffer.from(`chat-bench-${String(i).padStart(4, '0')}:`);

interface Phase {
  results: UploadResult[];
  seconds: number;
  rssBeforeBytes: number;
  rssPeakBytes: number;
  rssAfterBytes: number;
  /** RSS readings taken during the uploads. */
  samples: number;
  cpuSeconds: number;
}

/** Runs the uploads at once with the server's RSS sampled; RSS before and after is read after a full collection. */
async function phase(server: PeerProcess, sampleMs: number, uploads: Array<() => Promise<UploadResult>>): Promise<Phase> {
  await server.collectGarbage();
  const rssBeforeBytes = server.rssBytes();
  const cpu = server.cpuSeconds();
  const sampler = new RssSampler(server, sampleMs).start();
  const started = process.hrtime.bigint();
  const results = await Promise.all(uploads.map((u) => u()));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssPeakBytes = sampler.stop();
  const samples = sampler.samples;
  const cpuSeconds = server.cpuSeconds() - cpu;
  await server.collectGarbage();
  return { results, seconds, rssBeforeBytes, rssPeakBytes, rssAfterBytes: server.rssBytes(), samples, cpuSeconds };
}

const mib = (bytes: number): number => round(bytes / MiB, 1);

export async function uploadScenario(ctx: Context, peer: PeerName): Promise<Body> {
  const o = ctx.opts.upload;
  const fileBytes = Math.round(o.fileMiB * MiB);
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-bench-upload-'));
  let server: PeerProcess | null = null;
  const problems: string[] = [];
  try {
    // Uploads: a warm-up, the single one, the concurrent ones, the image.
    const tokens = await guests(dataDir, 3 + o.concurrent);
    const env: Record<string, string> = { DATA_DIR: dataDir };
    if (fileBytes > DEFAULT_MAX_UPLOAD_BYTES) env.MAX_UPLOAD_BYTES = String(fileBytes);
    server = await PeerProcess.start('chat', env, { inspect: true });
    const s = server;
    const content = randomBytes(fileBytes);
    let next = 0;
    const send = (i: number, file: Buffer, filename: string, mime: string) => (): Promise<UploadResult> =>
      upload({ port: s.port, room: ROOM, token: tokens[next++] as string, filename, mime, content: file, prefix: mime === 'application/octet-stream' ? prefix(i) : undefined });
    const check = (r: UploadResult, bytes: number, what: string): boolean => {
      const ok = r.status === 201 && r.file?.size === bytes;
      if (!ok) problems.push(`${what}: ${r.status} ${r.file ? `size ${r.file.size} of ${bytes}` : r.error}`);
      return ok;
    };

    // First uploads load what the route loads lazily (the multipart parser, file-type): not measured.
    check((await send(0, content.subarray(0, 64 * 1024), 'warm-up.bin', 'application/octet-stream')()), 64 * 1024, 'warm-up');

    const single = await phase(s, o.sampleMs, [send(1, content, 'single.bin', 'application/octet-stream')]);
    const singleResult = single.results[0] as UploadResult;
    check(singleResult, fileBytes, 'single upload');
    ctx.log(`    one ${o.fileMiB} MiB upload: ${round(singleResult.ms / 1000, 2)} s (${round(o.fileMiB / (singleResult.ms / 1000), 1)} MiB/s); RSS ${mib(single.rssBeforeBytes)} MiB before, peak ${mib(single.rssPeakBytes)} MiB`);

    const many = await phase(s, o.sampleMs, Array.from({ length: o.concurrent }, (_, i) => send(2 + i, content, `file-${i + 1}.bin`, 'application/octet-stream')));
    const manyOk = many.results.filter((r, i) => check(r, fileBytes, `concurrent upload ${i + 1}`)).length;
    const totalMiB = o.fileMiB * o.concurrent;
    const growth = many.rssPeakBytes - many.rssBeforeBytes;
    const times = many.results.map((r) => r.ms).sort((a, b) => a - b);
    ctx.log(`    ${o.concurrent} × ${o.fileMiB} MiB at once: ${round(many.seconds, 2)} s (${round(totalMiB / many.seconds, 1)} MiB/s), ${manyOk} stored; RSS ${mib(many.rssBeforeBytes)} MiB before, peak ${mib(many.rssPeakBytes)} MiB (+${mib(growth)} MiB, ${round((100 * growth) / (totalMiB * MiB), 1)} % of ${totalMiB} MiB), ${mib(many.rssAfterBytes)} MiB after`);

    const metrics: Record<string, number | null> = {
      fileMiB: o.fileMiB,
      concurrent: o.concurrent,
      maxUploadMiB: mib(Math.max(fileBytes, DEFAULT_MAX_UPLOAD_BYTES)),
      singleSeconds: round(singleResult.ms / 1000, 3),
      singleMiBPerSec: round(o.fileMiB / (singleResult.ms / 1000), 1),
      singleRssGrowthMiB: mib(single.rssPeakBytes - single.rssBeforeBytes),
      singleStored: singleResult.status === 201 && singleResult.file?.size === fileBytes ? 1 : 0,
      concurrentSeconds: round(many.seconds, 3),
      concurrentMiBPerSec: round(totalMiB / many.seconds, 1),
      concurrentUploadP50Seconds: round((times[Math.floor(times.length / 2)] ?? 0) / 1000, 3),
      concurrentUploadMaxSeconds: round((times[times.length - 1] ?? 0) / 1000, 3),
      concurrentStored: manyOk,
      concurrentServerCpuSeconds: round(many.cpuSeconds, 2),
      rssBeforeMiB: mib(many.rssBeforeBytes),
      rssPeakMiB: mib(many.rssPeakBytes),
      rssAfterMiB: mib(many.rssAfterBytes),
      rssGrowthMiB: mib(growth),
      rssGrowthPctOfFiles: round((100 * growth) / (totalMiB * MiB), 1),
      rssSamples: many.samples,
    };

    if (o.imageSide > 0) {
      const jpeg = await makeNoiseJpeg(currentChatMain(), o.imageSide);
      const image = await phase(s, o.sampleMs, [send(0, jpeg, 'noise.jpg', 'image/jpeg')]);
      const r = image.results[0] as UploadResult;
      const stored = r.status === 201 && r.file?.type === 'image/jpeg' && r.file.width === o.imageSide && r.file.thumbUrl !== undefined;
      if (!stored) problems.push(`image upload: ${r.status} ${r.file ? JSON.stringify({ type: r.file.type, width: r.file.width, thumb: r.file.thumbUrl !== undefined }) : r.error}`);
      Object.assign(metrics, {
        imageMiB: round(jpeg.length / MiB, 2),
        imageMegapixels: round((o.imageSide * o.imageSide) / 1e6, 2),
        imageSeconds: round(r.ms / 1000, 3),
        imageStoredMiB: r.file ? round(r.file.size / MiB, 2) : null,
        imageRssGrowthMiB: mib(image.rssPeakBytes - image.rssBeforeBytes),
        imageServerCpuSeconds: round(image.cpuSeconds, 2),
        imageStored: stored ? 1 : 0,
      });
      ctx.log(`    one ${round(jpeg.length / MiB, 1)} MiB JPEG (${o.imageSide}×${o.imageSide} noise): ${round(r.ms / 1000, 2)} s, ${round(image.cpuSeconds, 2)} s server CPU; RSS +${mib(image.rssPeakBytes - image.rssBeforeBytes)} MiB at its peak`);
    }
    metrics.serverPeakRssMiB = mib(s.peakRssBytes());
    const failed = problems.length > 0;
    return {
      ...(failed ? { status: 'error' as const, reason: problems.join('; ') } : {}),
      metrics,
      generator: generatorSummary([], null),
      serverLog: [...problems, ...s.problems()],
      disconnects: {},
    };
  } finally {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
