// The request handler both HTTP benchmark servers share: a fixed 13-byte
// body for GET; for POST, the body's length once it has all arrived.
'use strict'

const BODY = Buffer.from('hello, world\n')

function handler(req, res) {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length })
    res.end(BODY)
    return
  }
  let bytes = 0
  req.on('data', (chunk) => (bytes += chunk.length))
  req.on('end', () => res.end(`${bytes}\n`))
}

module.exports = { handler }
