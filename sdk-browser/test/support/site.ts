/**
 * A small web server for HTML fixtures: the founder's marketing site. It serves pages registered
 * by tests on any `*.refline.test` hostname (Chromium maps them to 127.0.0.1), over HTTP and
 * HTTPS (a self-signed certificate made with openssl), plus sdk-browser/dist for tests that host
 * the script themselves.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

interface Resource {
  body: string
  type: string
  headers: Record<string, string>
}

export interface Site {
  /** `http://shop.refline.test:PORT`, the marketing site. */
  origin: string
  /** The same site on HTTPS. */
  httpsOrigin: string
  /** Origin of another hostname on the same server, e.g. `url('www.shop')`. */
  originOf(host: string, https?: boolean): string
  /** Serves `html` at `path` (any query string), with extra response headers. */
  page(path: string, html: string, headers?: Record<string, string>): void
  /** Serves a JavaScript file at `path`. */
  script(path: string, js: string): void
  /** Form posts received, in order (any path answers 200). */
  posts: Array<{ path: string; body: URLSearchParams }>
  close(): Promise<void>
}

const DIST = new URL('../../dist/', import.meta.url)

function selfSignedCertificate(): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'refline-cert-'))
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '2',
        '-subj',
        '/CN=shop.refline.test',
        '-addext',
        'subjectAltName=DNS:*.refline.test,DNS:*.shop.refline.test',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    )
    return {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  )

export async function startSite(): Promise<Site> {
  const resources = new Map<string, Resource>()
  const posts: Site['posts'] = []
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname
    if (req.method === 'POST') {
      let body = ''
      req.on('data', (chunk) => {
        body += chunk
      })
      req.on('end', () => {
        posts.push({ path, body: new URLSearchParams(body) })
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><p>Thanks</p>')
      })
      return
    }
    if (path.startsWith('/dist/')) {
      try {
        const body = readFileSync(new URL(path.slice('/dist/'.length), DIST), 'utf8')
        res.writeHead(200, {
          'content-type': 'application/javascript; charset=utf-8',
          'cache-control': 'no-store',
        })
        res.end(body)
      } catch {
        res.writeHead(404).end()
      }
      return
    }
    const resource = resources.get(path)
    if (!resource) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    res.writeHead(200, { 'content-type': resource.type, 'cache-control': 'no-store', ...resource.headers })
    res.end(resource.body)
  }
  const http = createHttpServer(handler)
  const https = createHttpsServer(selfSignedCertificate(), handler)
  const [httpPort, httpsPort] = await Promise.all([listen(http), listen(https)])
  const originOf = (host: string, secure = false) =>
    secure ? `https://${host}.refline.test:${httpsPort}` : `http://${host}.refline.test:${httpPort}`
  return {
    origin: originOf('shop'),
    httpsOrigin: originOf('shop', true),
    originOf,
    posts,
    page(path, html, headers = {}) {
      resources.set(path, { body: html, type: 'text/html; charset=utf-8', headers })
    },
    script(path, js) {
      resources.set(path, { body: js, type: 'application/javascript; charset=utf-8', headers: {} })
    },
    async close() {
      await Promise.all(
        [http, https].map((s) =>
          new Promise((resolve) => s.close(resolve)).then(() => s.closeAllConnections()),
        ),
      )
    },
  }
}

/** An HTML page: `head` and `body` as given, then the tag that loads Refline when `tag` is set. */
export function html({
  head = '',
  body = '',
  tag = '',
}: {
  head?: string
  body?: string
  tag?: string
}): string {
  return `<!doctype html><html><head><meta charset="utf-8"><title>Acme</title>${head}</head><body>${body}${tag}</body></html>`
}

/** The documented script tag: `<script defer src=".../r.js" data-key=…>`, attributes as given. */
export function scriptTag(src: string, data: Record<string, string | true>): string {
  const attrs = Object.entries(data)
    .map(([name, value]) => (value === true ? ` data-${name}` : ` data-${name}="${value}"`))
    .join('')
  return `<script defer src="${src}"${attrs}></script>`
}
