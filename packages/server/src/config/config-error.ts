// A bad setting: main.ts prints `config error: <message>` (one line naming the setting) and exits 2.
export class ConfigError extends Error {}
