// Errors come back as tuples with normalized names; misuse throws.

import { check, done, failure, listener, ok, socket } from './lib.mjs'

const { server, port } = await listener()
const other = ok(socket.tcp())
check(failure(await other.bind('127.0.0.1', port)) === 'address_already_in_use', 'address in use')
other.close()
server.close()

const refused = ok(socket.tcp())
check(failure(await refused.connect('127.0.0.1', port, socket.clock() + 10)) === 'connection_refused', 'refused')
refused.close()

const [, err] = socket.addr('no such host', 80, 'tcp', 'inet', undefined, 'numerichost')
check(typeof err === 'string' && err.length > 0, `numeric host error: ${err}`)

let threw = false
try {
  socket.tcp('appletalk')
} catch (e) {
  threw = e instanceof TypeError
}
check(threw, 'a bad family throws TypeError')
const s = ok(socket.tcp())
threw = false
try {
  await s.recv('not a buffer')
} catch (e) {
  threw = e instanceof TypeError
}
check(threw, 'a bad buffer throws TypeError')
s.close()
await done()
