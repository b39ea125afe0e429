// The text every benchmark message carries, the same for every peer:
//   ~B~<epoch>~<sender>~<seq>~<sentAtUs>~xxxx…
// epoch: the measurement step it belongs to (late arrivals from an earlier step are told apart);
// sender: the global index of the sending client; seq: 1, 2, … per sender and epoch;
// sentAtUs: the sender's monotonic clock in microseconds. Every client lives in this one process
// (worker threads), and process.hrtime is one monotonic clock for all its threads, so the
// receiver's clock minus sentAtUs is the send → receive latency.
// The receiver finds the marker inside whatever frame the peer wraps around the text (a chat
// `message` event, a Socket.IO packet or the bare text) without parsing that frame.

export const MARKER = '~B~';
const MARKER_BYTES = Buffer.from(MARKER);
const TILDE = 0x7e;
const ZERO = 0x30;

/** Microseconds on the process-wide monotonic clock. */
export function nowUs(): number {
  const [s, ns] = process.hrtime();
  return s * 1e6 + ns / 1e3;
}

export function encodePayload(epoch: number, sender: number, seq: number, sentAtUs: number, textBytes: number): string {
  const head = `${MARKER}${epoch}~${sender}~${seq}~${Math.round(sentAtUs)}~`;
  return head.length >= textBytes ? head : head + 'x'.repeat(textBytes - head.length);
}

export interface Payload {
  epoch: number;
  sender: number;
  seq: number;
  sentAtUs: number;
}

/** Reads the four numbers after the marker; `out` is reused to avoid an allocation per frame. */
export function parsePayloadBuffer(buf: Buffer, out: Payload): boolean {
  const at = buf.indexOf(MARKER_BYTES);
  if (at < 0) return false;
  let i = at + MARKER_BYTES.length;
  const fields = [0, 0, 0, 0];
  for (let f = 0; f < 4; f++) {
    let n = 0;
    let digits = 0;
    while (i < buf.length) {
      const c = buf[i++] as number;
      if (c === TILDE) break;
      const d = c - ZERO;
      if (d < 0 || d > 9) return false;
      n = n * 10 + d;
      digits++;
    }
    if (digits === 0) return false;
    fields[f] = n;
  }
  out.epoch = fields[0] as number;
  out.sender = fields[1] as number;
  out.seq = fields[2] as number;
  out.sentAtUs = fields[3] as number;
  return true;
}

// The same scan as parsePayload, over a string: kept separate on purpose, since this runs for every
// delivery in the load generator and a shared accessor callback would slow both.
export function parsePayloadString(text: string, out: Payload): boolean {
  const at = text.indexOf(MARKER);
  if (at < 0) return false;
  let i = at + MARKER.length;
  const fields = [0, 0, 0, 0];
  for (let f = 0; f < 4; f++) {
    let n = 0;
    let digits = 0;
    while (i < text.length) {
      const c = text.charCodeAt(i++);
      if (c === TILDE) break;
      const d = c - ZERO;
      if (d < 0 || d > 9) return false;
      n = n * 10 + d;
      digits++;
    }
    if (digits === 0) return false;
    fields[f] = n;
  }
  out.epoch = fields[0] as number;
  out.sender = fields[1] as number;
  out.seq = fields[2] as number;
  out.sentAtUs = fields[3] as number;
  return true;
}
