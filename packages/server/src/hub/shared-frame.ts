// A frame serialized once and sent to many connections (a message to a room, a presence event).
// The hub fills in the JSON; the transport may keep its own encoding of it beside (a WebSocket
// frame, header included), so a fan-out to 500 connections builds that once, not 500 times.

export class SharedFrame {
  /** The transport's encoding of `json`, made by the first connection that sends it. */
  wire: Buffer | undefined;
  /**
   * Likely the only frame its receivers get this tick: a connection with nothing sent yet this
   * tick writes it at once instead of corking it to the tick's end. In a 500-member room the
   * first receivers then need not wait while it is queued for all the others, and no socket pays
   * for a cork and an uncork.
   */
  writeNow = false;

  constructor(readonly json: Buffer) {}

  static of(frame: object): SharedFrame {
    return new SharedFrame(Buffer.from(JSON.stringify(frame)));
  }
}

/** The JSON text of anything a Peer is sent (for peers that are not sockets, such as tests'). */
export function frameText(data: string | Buffer | SharedFrame): string {
  return data instanceof SharedFrame ? data.json.toString() : data.toString();
}
