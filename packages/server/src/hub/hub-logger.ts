// Where the hub's pieces log what they cannot answer a client with (a failed join, a failed read
// of missed messages, a bus outage). The app hands in its Fastify logger.
export interface HubLogger {
  error(obj: object, msg: string): void;
}
