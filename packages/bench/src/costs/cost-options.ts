// The options of the scenarios that measure what a feature costs our server (upload, myrooms):
// their sizes for a full run and for --quick, and their flags (options.ts hands them on).

export interface UploadOptions {
  /** Size of each random file, MiB. */
  fileMiB: number;
  /** Uploads streaming at once in the concurrent phase. */
  concurrent: number;
  /** Side of the square JPEG of noise uploaded alone afterwards, pixels; 0: none. */
  imageSide: number;
  /** The server's RSS is read this often during uploads. */
  sampleMs: number;
}

export interface MyRoomsOptions {
  /** Rooms in the account's list. */
  rooms: number;
  /** Messages per room in the large phase (the backlog). */
  messages: number;
  /** Messages per room in the small phase, stored through the Store API. */
  few: number;
  /** In the mentions phase, every this many messages of each room mentions the account. */
  mentionEvery: number;
  requests: number;
  warmup: number;
  stores: Array<'sqlite' | 'postgres'>;
  /** Leave the filled data directory and schema behind (for EXPLAIN). */
  keep: boolean;
}

export function costDefaults(quick: boolean): { upload: UploadOptions; myRooms: MyRoomsOptions } {
  return quick
    ? {
        upload: { fileMiB: 2, concurrent: 4, imageSide: 400, sampleMs: 5 },
        myRooms: { rooms: 10, messages: 1_000, few: 10, mentionEvery: 100, requests: 20, warmup: 3, stores: ['sqlite', 'postgres'], keep: false },
      }
    : {
        upload: { fileMiB: 10, concurrent: 10, imageSide: 3_500, sampleMs: 5 },
        myRooms: { rooms: 100, messages: 100_000, few: 10, mentionEvery: 100, requests: 200, warmup: 20, stores: ['sqlite', 'postgres'], keep: false },
      };
}

export const COST_USAGE = `  --upload-mib N           upload: size of each random file in MiB (default 10; --quick 2)
  --upload-concurrent N    upload: files streaming at once (default 10; --quick 4)
  --upload-image-side N    upload: side of the JPEG of noise uploaded alone, pixels (default 3500; 0: none)
  --myrooms-rooms N        myrooms: rooms in the account's list (default 100; --quick 10)
  --myrooms-messages N     myrooms: messages per room in the backlog phase (default 100000: 10M in all,
                           about 10 minutes with both stores; --quick 1000)
  --myrooms-stores S[,S]   myrooms: sqlite, postgres (default both; postgres at --database-url, n/a without it)
  --myrooms-requests N     myrooms: timed GET api/me/rooms per phase, one at a time (default 200; --quick 20)
  --myrooms-keep           myrooms: leave the filled data directory and schema behind (for EXPLAIN)`;

/**
 * Applies one of these flags; false when `flag` is none of them. `value` takes the flag's value,
 * `positive` and `stores` check it (options.ts's helpers, so the errors read the same).
 */
export function parseCostFlag(
  o: { upload: UploadOptions; myRooms: MyRoomsOptions },
  flag: string,
  value: () => string | undefined,
  positive: (raw: string | undefined, flag: string) => number,
  stores: (raw: string | undefined, flag: string) => Array<'sqlite' | 'postgres'>,
): boolean {
  const count = (max: number): number => {
    const n = Math.round(positive(value(), flag));
    if (n > max) throw new RangeError(`${flag}: at most ${max}`);
    return n;
  };
  switch (flag) {
    case '--upload-mib':
      o.upload.fileMiB = positive(value(), flag);
      if (o.upload.fileMiB > 1024) throw new RangeError(`${flag}: at most 1024`);
      return true;
    case '--upload-concurrent':
      o.upload.concurrent = count(100);
      return true;
    case '--upload-image-side': {
      const raw = value();
      const n = Number(raw);
      if (raw === undefined || !Number.isInteger(n) || n < 0 || n > 6000) throw new RangeError(`${flag} needs 0 (no image) to 6000`);
      o.upload.imageSide = n;
      return true;
    }
    case '--myrooms-rooms':
      o.myRooms.rooms = count(10_000);
      return true;
    case '--myrooms-messages':
      o.myRooms.messages = count(10_000_000);
      if (o.myRooms.messages <= o.myRooms.few) throw new RangeError(`${flag}: more than ${o.myRooms.few} (the small phase's)`);
      return true;
    case '--myrooms-stores':
      o.myRooms.stores = stores(value(), flag);
      return true;
    case '--myrooms-requests':
      o.myRooms.requests = count(100_000);
      return true;
    case '--myrooms-keep':
      o.myRooms.keep = true;
      return true;
    default:
      return false;
  }
}
