// The HTTP side of files (docs/protocol.md, "Files"), registered by app.ts in one line: uploads
// under api/rooms (upload-routes.ts) and the signed downloads under api/files (serve-routes.ts).
import type { FastifyPluginAsync } from 'fastify';
import type { ServeRoutesOptions } from './serve-routes.js';
import { serveRoutes } from './serve-routes.js';
import type { UploadRoutesOptions } from './upload-routes.js';
import { uploadRoutes } from './upload-routes.js';

export type FileRoutesOptions = UploadRoutesOptions & ServeRoutesOptions;

export const fileRoutes: FastifyPluginAsync<FileRoutesOptions> = async (app, options) => {
  await app.register(uploadRoutes, { ...options, prefix: '/api/rooms' });
  await app.register(serveRoutes, { ...options, prefix: '/api/files' });
};
