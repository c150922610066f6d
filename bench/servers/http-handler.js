// What both HTTP benchmark servers share: the request handler, and the
// command line (`--port N`, `--tls DIR` to serve HTTPS with DIR/key.pem and
// DIR/cert.pem).
//
// The handler: GET / → a 13-byte body; GET /big → 1 MiB; any other method
// → the length of the request body, once it has all arrived.
'use strict'

const { readFileSync } = require('node:fs')
const http = require('node:http')
const https = require('node:https')
const { join } = require('node:path')

const SMALL = Buffer.from('hello, world\n')
const BIG = Buffer.alloc(1024 * 1024, 'x')

function handler(req, res) {
  if (req.method === 'GET') {
    const body = req.url === '/big' ? BIG : SMALL
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length })
    res.end(body)
    return
  }
  let bytes = 0
  req.on('data', (chunk) => (bytes += chunk.length))
  req.on('end', () => res.end(`${bytes}\n`))
}

/** `http.createServer` or, with `--tls DIR`, `https.createServer`, with the handler. */
function createServer() {
  // Idle keep-alive connections stay open for the whole run.
  const options = { keepAliveTimeout: 60_000 }
  const at = process.argv.indexOf('--tls')
  if (at < 0) return http.createServer(options, handler)
  const dir = process.argv[at + 1]
  const tls = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }
  return https.createServer({ ...options, ...tls }, handler)
}

module.exports = { handler, createServer }
