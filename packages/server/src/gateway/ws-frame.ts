// RFC 6455 §5.2 framing of one unfragmented, unmasked server-to-client text frame: what ws's own
// Sender writes for a text message when permessage-deflate is off (it is, see gateway.ts).
// Encoding it once lets a fan-out write the same bytes to every socket.

export function encodeTextFrame(payload: Buffer): Buffer {
  const frame = frameWithHeader(payload.length);
  payload.copy(frame, frame.length - payload.length);
  return frame;
}

/** The same for text given as a string (encoded once, straight into the frame) or a Buffer. */
export function encodeTextFrameOf(payload: string | Buffer): Buffer {
  if (typeof payload !== 'string') return encodeTextFrame(payload);
  const length = Buffer.byteLength(payload);
  const frame = frameWithHeader(length);
  frame.write(payload, frame.length - length, 'utf8');
  return frame;
}

/** An uninitialized frame of this payload length, its header written. */
function frameWithHeader(length: number): Buffer {
  const headerLength = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(headerLength + length);
  frame[0] = 0x81; // FIN + opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  return frame;
}
