import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';

// A file to save (a report, a PDF, a ZIP), as a service's download function describes it: the API
// and the portal send the same one with the same headers, so its type, name and extra headers are
// written once, beside the service that makes it.

export interface Download {
  contentType: string;
  /** The name a browser saves it under (ASCII: slugs, serials, ids and fixed words). */
  filename: string;
  body: Readable | Buffer;
  /** Headers that belong to this file (a snapshot's SHA-256). */
  headers?: Record<string, string>;
}

/** Sends a download as an attachment: its type, its name and its own headers. */
export function sendDownload(reply: FastifyReply, download: Download): FastifyReply {
  for (const [name, value] of Object.entries(download.headers ?? {})) reply.header(name, value);
  return reply
    .type(download.contentType)
    .header('content-disposition', `attachment; filename="${download.filename}"`)
    .send(download.body);
}
