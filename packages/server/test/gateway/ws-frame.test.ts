// The pre-encoded fan-out frame must be byte for byte what ws itself would send, at each of the
// three length encodings (7-bit, 16-bit, 64-bit).
import { describe, expect, it } from 'vitest';
import * as ws from 'ws';
import { encodeTextFrame } from '../../src/gateway/ws-frame.js';

describe('encodeTextFrame', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 100_000])('matches ws framing for a %i-byte payload', (length) => {
    const payload = Buffer.alloc(length, 'x');
    // ws exports its Sender at run time; @types/ws does not declare it.
    const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } };
    const list = Sender.frame(payload, {
      fin: true,
      opcode: 1,
      mask: false,
      readOnly: true,
      rsv1: false,
    });
    expect(encodeTextFrame(payload).equals(Buffer.concat(list))).toBe(true);
  });
});
