import type { FastifyInstance, LightMyRequestResponse as InjectResponse } from 'fastify';
import { expect } from 'vitest';

// A browser without a browser, for the portal's tests over app.inject: it keeps cookies, sends
// forms (with the CSRF token of the page the form is on), and reads pages as text.

export type Page = InjectResponse;

export class WebClient {
  readonly cookies = new Map<string, string>();

  constructor(
    private readonly app: () => FastifyInstance,
    private readonly headers: Record<string, string> = {},
    /** The client's address (each sign-in test its own, so the throttle counts them apart). */
    private readonly remoteAddress?: string,
  ) {}

  private get from() {
    return this.remoteAddress ? { remoteAddress: this.remoteAddress } : {};
  }

  private keep(res: InjectResponse) {
    // Every message's placeholders are filled in: no "{min}" left on a page.
    if (String(res.headers['content-type']).startsWith('text/html'))
      expect(res.body, 'a placeholder left unfilled').not.toMatch(/\{[a-zA-Z]+\}/);
    for (const c of res.cookies as Array<{ name: string; value: string; expires?: Date; maxAge?: number }>) {
      const gone = c.value === '' || c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() <= Date.now());
      if (gone) this.cookies.delete(c.name);
      else this.cookies.set(c.name, c.value);
    }
    return res;
  }

  private cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.keep(
      await this.app().inject({
        ...this.from,
        method: 'GET',
        url,
        headers: { accept: 'text/html', ...this.headers, cookie: this.cookieHeader(), ...headers },
      }),
    );
  }

  /** Sends a form as a browser would, urlencoded; `csrf: false` leaves the token out. */
  async post(url: string, fields: Record<string, string>, options: { csrfFrom?: Page; csrf?: false } = {}) {
    const body = new URLSearchParams(fields);
    if (options.csrf !== false) {
      const page = options.csrfFrom ?? (await this.get(url));
      body.set('_csrf', csrfToken(page.body));
    }
    return this.keep(
      await this.app().inject({
        ...this.from,
        method: 'POST',
        url,
        headers: {
          accept: 'text/html',
          'content-type': 'application/x-www-form-urlencoded',
          ...this.headers,
          cookie: this.cookieHeader(),
        },
        payload: body.toString(),
      }),
    );
  }

  /** Sends a multipart form (the certificate upload), with the token of `csrfFrom`. */
  async postMultipart(
    url: string,
    parts: Array<{ name: string; value: string } | { name: string; filename: string; type: string; data: Buffer }>,
    csrfFrom: Page,
  ) {
    const boundary = `----portaltest${Math.random().toString(16).slice(2)}`;
    const chunks: Buffer[] = [];
    const all = [{ name: '_csrf', value: csrfToken(csrfFrom.body) }, ...parts];
    for (const part of all) {
      chunks.push(Buffer.from(`--${boundary}\r\n`));
      if ('filename' in part) {
        chunks.push(
          Buffer.from(
            `Content-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\n` +
              `Content-Type: ${part.type}\r\n\r\n`,
          ),
          part.data,
          Buffer.from('\r\n'),
        );
      } else {
        chunks.push(Buffer.from(`Content-Disposition: form-data; name="${part.name}"\r\n\r\n${part.value}\r\n`));
      }
    }
    chunks.push(Buffer.from(`--${boundary}--\r\n`));
    return this.keep(
      await this.app().inject({
        ...this.from,
        method: 'POST',
        url,
        headers: {
          accept: 'text/html',
          'content-type': `multipart/form-data; boundary=${boundary}`,
          ...this.headers,
          cookie: this.cookieHeader(),
        },
        payload: Buffer.concat(chunks),
      }),
    );
  }
}

export function csrfToken(html: string): string {
  const token = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}

const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };

/** A page's visible text, one run of whitespace as one space. */
export function textOf(html: string): string {
  return html
    .replace(/<(script|style|title)[\s\S]*?<\/\1>/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, e: string) => entities[e]!)
    .replace(/\s+/g, ' ')
    .trim();
}

export function h1Of(html: string): string {
  return textOf(/<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? '');
}

/** The error summary's links, as [field id, message] pairs. */
export function errorSummary(html: string): Array<[string, string]> {
  const summary = /<div class="error-summary"[\s\S]*?<\/div>/.exec(html)?.[0] ?? '';
  return [...summary.matchAll(/<a href="#([^"]+)">([\s\S]*?)<\/a>/g)].map((m) => [m[1]!, textOf(m[2]!)]);
}

/** The message shown beside a field. */
export function fieldError(html: string, field: string): string | undefined {
  const found = new RegExp(`<p class="error-message" id="${field}-error">([\\s\\S]*?)</p>`).exec(html)?.[1];
  return found === undefined ? undefined : textOf(found).replace(/^(Error:|Erreur :)\s*/, '');
}

/** The value an input shows. */
export function inputValue(html: string, field: string): string | undefined {
  const input = new RegExp(`<input[^>]*id="${field}"[^>]*>`).exec(html)?.[0];
  const value = input && /value="([^"]*)"/.exec(input)?.[1];
  return value?.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => entities[e]!);
}
