// The summary table's rows for the scenarios that measure what a feature costs our server alone
// (upload, myrooms): the other peers are n/a there, so chat's value stands alone, and a "before"
// metric of the same run is shown beside it where there is one (RSS before the uploads; the room
// list with few messages).
import type { MyRoomsOptions, UploadOptions } from '../costs/cost-options.js';
import type { Row } from './row.js';

const ms = (v: number): string => `${v} ms`;
const s = (v: number): string => `${v} s`;
const mib = (v: number): string => `${v} MiB`;
const mibPerSec = (v: number): string => `${v} MiB/s`;

export function costRows(upload: UploadOptions | undefined, myRooms: MyRoomsOptions | undefined): Row[] {
  const rows: Row[] = [];
  if (upload) {
    const n = upload.concurrent;
    const size = `${upload.fileMiB} MiB`;
    rows.push(
      { scenario: 'upload', metric: 'singleMiBPerSec', label: `one ${size} upload alone`, better: 'higher', unit: mibPerSec },
      { scenario: 'upload', metric: 'concurrentMiBPerSec', label: `${n} × ${size} streaming at once`, better: 'higher', unit: mibPerSec },
      { scenario: 'upload', metric: 'concurrentSeconds', label: `${n} × ${size}: all stored`, better: 'lower', unit: s },
      { scenario: 'upload', metric: 'rssPeakMiB', label: `server RSS at its peak during the ${n} (× before them)`, better: 'lower', unit: mib, base: 'rssBeforeMiB', baseLabel: 'before' },
      { scenario: 'upload', metric: 'rssGrowthMiB', label: `server RSS growth during the ${n}, of ${n * upload.fileMiB} MiB uploaded`, better: 'lower', unit: mib },
    );
    if (upload.imageSide > 0) {
      rows.push({ scenario: 'upload', metric: 'imageSeconds', label: `one ${upload.imageSide}×${upload.imageSide} JPEG (re-encoded, thumbnail)`, better: 'lower', unit: s });
    }
  }
  if (myRooms) {
    const size = `${myRooms.rooms} rooms × ${myRooms.messages.toLocaleString('en')}`;
    for (const store of myRooms.stores) {
      const name = store === 'sqlite' ? 'SQLite' : 'PostgreSQL';
      const row = (metric: string, label: string, base?: string): Row => ({
        scenario: 'myrooms',
        metric: `${metric}@${store}`,
        label: `${name}: ${label}`,
        better: 'lower',
        unit: ms,
        ...(base ? { base: `${base}@${store}`, baseLabel: 'few' } : {}),
      });
      rows.push(
        row('fewP50Ms', `p50, ${myRooms.rooms} rooms × ${myRooms.few} unread`),
        row('fewP99Ms', `p99, ${myRooms.rooms} rooms × ${myRooms.few} unread`),
        row('backlogP50Ms', `p50, ${size}, all unread`, 'fewP50Ms'),
        row('backlogP99Ms', `p99, ${size}, all unread`, 'fewP99Ms'),
        row('mentionsP99Ms', `p99, ${size}, all unread, every ${myRooms.mentionEvery}th a mention`, 'fewP99Ms'),
        row('readP99Ms', `p99, ${size}, all read`, 'fewP99Ms'),
      );
    }
  }
  return rows;
}
