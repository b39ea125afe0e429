// Layouts: who is in which room, and who sends.
import type { ConnectSpec } from '../adapters.js';
import type { SenderSpec } from '../worker-protocol.js';

export interface Layout {
  specs: ConnectSpec[];
  /** Receivers each message is meant for (its sender excluded). */
  receiversPerMessage: number;
  /** Senders producing `deliveriesPerSec` in total. */
  senders(deliveriesPerSec: number): SenderSpec[];
}

/** One room: client 0 sends, clients 1..receivers receive. */
export function fanoutLayout(receivers: number, room = 'bench'): Layout {
  const specs: ConnectSpec[] = [];
  for (let i = 0; i <= receivers; i++) specs.push({ index: i, room });
  return {
    specs,
    receiversPerMessage: receivers,
    senders: (d) => [{ index: 0, room, rate: d / receivers, phase: 0 }],
  };
}

/** Rooms of roomSize; everyone sends to their own room at the same rate, phases spread. */
export function roomsLayout(clients: number, roomSize: number): Layout {
  const n = Math.max(roomSize, Math.floor(clients / roomSize) * roomSize);
  const specs: ConnectSpec[] = [];
  for (let i = 0; i < n; i++) specs.push({ index: i, room: `r${Math.floor(i / roomSize)}` });
  return {
    specs,
    receiversPerMessage: roomSize - 1,
    senders: (d) => {
      const rate = d / (n * (roomSize - 1));
      return specs.map((s) => ({ index: s.index, room: s.room, rate, phase: s.index / n }));
    },
  };
}
