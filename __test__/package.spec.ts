// A release as a user receives it, on this machine: pack the root package and
// this platform's package the way the release does (`napi pre-publish` pins
// the platform package as an optional dependency), install both from the
// tarballs into a fresh project with no Rust toolchain on PATH and no
// install scripts, then use the package from CommonJS, ESM and TypeScript.
//
// The release pins one optional dependency per platform; a machine can build
// only its own binary, so the staged release here lists only this platform.

import { spawn } from 'node:child_process'
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join } from 'node:path'

import { parseTriple } from '@napi-rs/cli'
import test from 'ava'

import { glibcFloor } from '../scripts/glibc-floor'
import { platformName } from '../src/native-load'
import { checkLeaksAtEnd } from './helpers'

checkLeaksAtEnd(test)

const repo = join(__dirname, '..')
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string
  version: string
  napi: { binaryName: string; targets: string[] }
}
const platform = platformName().name
const platformPackage = `${manifest.name}-${platform}`
const binaryFile = `${manifest.napi.binaryName}.${platform}.node`

interface Outcome {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a command to completion (killed after `timeoutMs`). */
function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    // npm is a .cmd script on Windows, which only a shell can start.
    const child = spawn(command, args, { cwd, env, shell: process.platform === 'win32' && command === 'npm' })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Runs a command and returns its stdout; throws with its output if it fails. */
async function check(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<string> {
  const out = await run(command, args, cwd, env)
  if (out.code !== 0) {
    throw new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${out.code}\n${out.stdout}\n${out.stderr}`)
  }
  return out.stdout
}

/**
 * A user's environment: no npm script variables (`npm test` sets them), and
 * a PATH without cargo or rustc. Directories holding either are dropped; if
 * Node's own directory holds one (a distribution's packages), `bin` gets
 * links to node and npm alone and goes first instead.
 */
function userEnv(bin: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^(npm_|cargo|rustup)/i.test(key)) env[key] = value
  }
  const pathKey = Object.keys(env).find((key) => key.toUpperCase() === 'PATH') ?? 'PATH'
  const hasRust = (dir: string) => rustTools.some((tool) => existsSync(join(dir, tool)))
  const dirs = (env[pathKey] ?? '').split(delimiter).filter((dir) => dir && !hasRust(dir))
  const nodeDir = dirname(process.execPath)
  let first = nodeDir
  if (hasRust(nodeDir)) {
    mkdirSync(bin)
    for (const tool of ['node', 'npm', 'npx']) {
      if (existsSync(join(nodeDir, tool))) symlinkSync(realpathSync(join(nodeDir, tool)), join(bin, tool))
    }
    first = bin
  }
  env[pathKey] = [first, ...dirs].join(delimiter)
  return env
}

const rustTools = ['cargo', 'rustc', 'cargo.exe', 'rustc.exe']

/** The files in a tarball, from `npm pack --json`. */
function packedFiles(json: string): { filename: string; files: string[]; size: number; unpackedSize: number } {
  const [entry] = JSON.parse(json) as { filename: string; files: { path: string }[]; size: number; unpackedSize: number }[]
  return { ...entry!, files: entry!.files.map((f) => f.path).sort() }
}

interface Release {
  dir: string
  env: NodeJS.ProcessEnv
  /** The consumer project, with both tarballs installed. */
  project: string
  rootFiles: string[]
  platformFiles: string[]
  installedRoot: { optionalDependencies?: Record<string, string>; scripts?: Record<string, string> }
  installedPlatform: { os?: string[]; cpu?: string[]; libc?: string[]; scripts?: Record<string, string> }
}

let release: Release
/** The temporary directory, removed at the end even if packing failed midway. */
let workDir: string | undefined

test.before('pack the release and install it into a fresh project', async (t) => {
  t.timeout(110_000)
  const built = join(repo, 'dist', binaryFile)
  if (!existsSync(built)) throw new Error(`${binaryFile} is not built: run \`npm run build\` first`)
  const dir = mkdtempSync(join(tmpdir(), 'socket2-release-'))
  workDir = dir
  const env = userEnv(join(dir, 'bin'))

  // Stage what `npm pack` of the repo would ship, plus this platform's package.
  const stage = join(dir, 'stage')
  const listing = packedFiles(await check('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], repo, env))
  for (const file of listing.files) {
    mkdirSync(dirname(join(stage, file)), { recursive: true })
    copyFileSync(join(repo, file), join(stage, file))
  }
  const stagedPlatform = join(stage, 'npm', platform)
  cpSync(join(repo, 'npm', platform), stagedPlatform, { recursive: true })
  copyFileSync(built, join(stagedPlatform, binaryFile))

  // The release tool checks the platform package and pins it in the root's
  // optionalDependencies (publishing nothing here).
  const target = manifest.napi.targets.find((triple) => parseTriple(triple).platformArchABI === platform)
  if (!target) throw new Error(`no napi target builds ${platform}`)
  writeFileSync(join(dir, 'napi.json'), JSON.stringify({ targets: [target] }))
  const napi = join(repo, 'node_modules', '@napi-rs', 'cli', 'dist', 'cli.js')
  const prePublish = ['pre-publish', '--config-path', join(dir, 'napi.json'), '-t', 'npm', '--skip-optional-publish', '--no-gh-release']
  await check(process.execPath, [napi, ...prePublish], stage, env)

  const tarballs = join(dir, 'tarballs')
  mkdirSync(tarballs)
  const pack = ['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs]
  const root = packedFiles(await check('npm', pack, stage, env))
  const plat = packedFiles(await check('npm', pack, stagedPlatform, env))
  t.log(`${root.filename}: ${root.size} bytes packed, ${root.unpackedSize} unpacked`)
  t.log(`${plat.filename}: ${plat.size} bytes packed, ${plat.unpackedSize} unpacked`)

  const project = join(dir, 'project')
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  const install = ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts']
  await check('npm', [...install, join(tarballs, root.filename), join(tarballs, plat.filename)], project, env)

  const installed = (name: string) => JSON.parse(readFileSync(join(project, 'node_modules', name, 'package.json'), 'utf8'))
  release = {
    dir,
    env,
    project,
    rootFiles: root.files,
    platformFiles: plat.files,
    installedRoot: installed(manifest.name),
    installedPlatform: installed(platformPackage),
  }
})

test.after.always('remove the temporary release', () => {
  if (workDir) rmSync(workDir, { recursive: true, force: true })
})

/** Runs `node <file>` in the consumer project. */
async function node(file: string, source: string, env = release.env): Promise<Outcome> {
  writeFileSync(join(release.project, file), source)
  return run(process.execPath, [file], release.project, env, 20_000)
}

test('the environment has no Rust toolchain', async (t) => {
  for (const tool of ['cargo', 'rustc']) {
    const out = await run(tool, ['--version'], release.project, release.env).catch((error: Error) => error)
    t.true(out instanceof Error || out.code !== 0, `${tool} is still reachable on the PATH the install used`)
  }
})

test('the tarballs hold the built package only', (t) => {
  t.log(`${manifest.name}: ${release.rootFiles.join(', ')}`)
  t.log(`${platformPackage}: ${release.platformFiles.join(', ')}`)
  // The build folder alone: compiled TypeScript and napi-rs's loader, no
  // sources (a consumer's TypeScript would check those instead of the
  // declarations) and no addon (that is the platform package's).
  const shipped = /^(package\.json|README\.md|LICENSE|dist\/(index\.(js|mjs|d\.ts|d\.mts)|binding\.(js|d\.ts)|src\/[\w-]+\.(js|d\.ts)))$/
  t.deepEqual(release.rootFiles.filter((f) => !shipped.test(f)), [], 'files outside the deliberate list')
  const entries = ['index.js', 'index.mjs', 'index.d.ts', 'index.d.mts', 'binding.js', 'binding.d.ts', 'src/native.js', 'src/native.d.ts']
  for (const entry of entries.map((file) => `dist/${file}`)) {
    t.true(release.rootFiles.includes(entry), `${entry} is missing`)
  }
  t.deepEqual(release.platformFiles, ['README.md', binaryFile, 'package.json'].sort())
})

test('no install scripts, and the platform package matches this machine', (t) => {
  const installHooks = ['preinstall', 'install', 'postinstall']
  for (const pkg of [release.installedRoot, release.installedPlatform]) {
    t.deepEqual(Object.keys(pkg.scripts ?? {}).filter((s) => installHooks.includes(s)), [])
  }
  t.deepEqual(release.installedRoot.optionalDependencies, { [platformPackage]: manifest.version })
  const { os, cpu, libc } = release.installedPlatform
  t.deepEqual(os, [process.platform])
  t.deepEqual(cpu, [process.arch])
  if (process.platform === 'linux') t.deepEqual(libc, [platform.endsWith('-musl') ? 'musl' : 'glibc'])
})

test('require() loads the binary from the platform package', async (t) => {
  const out = await node(
    'require.cjs',
    `const socket = require('${manifest.name}')
const binaries = Object.keys(require.cache).filter((file) => file.endsWith('.node'))
console.log(JSON.stringify({ tcp: typeof socket.tcp, clock: typeof socket.clock(), binaries }))
`,
  )
  t.is(out.code, 0, out.stderr)
  const result = JSON.parse(out.stdout) as { tcp: string; clock: string; binaries: string[] }
  t.is(result.tcp, 'function')
  t.is(result.clock, 'number')
  t.deepEqual(result.binaries, [join(release.project, 'node_modules', platformPackage, binaryFile)])
})

test('import works, shares the CommonJS instance, and echoes over loopback', async (t) => {
  const out = await node(
    'echo.mjs',
    `import { createRequire } from 'node:module'
import * as socket from '${manifest.name}'
import { tcp, newThread } from '${manifest.name}'

const fail = (what, err) => { throw new Error(what + ': ' + err) }
setTimeout(() => fail('echo', 'timed out'), 10_000).unref()
if (createRequire(import.meta.url)('${manifest.name}').tcp !== tcp) fail('instances', 'ESM and CommonJS differ')

const [server, err] = socket.tcp()
if (err) fail('tcp', err)
const [, lerr] = await server.listen('127.0.0.1', 0)
if (lerr) fail('listen', lerr)
const [addr] = server.localAddr()
const echoed = newThread(async () => {
  const [conn, aerr] = await server.accept()
  if (aerr) fail('accept', aerr)
  const buf = Buffer.alloc(64)
  const [n, rerr] = await conn.recv(buf)
  if (rerr) fail('server recv', rerr)
  await conn.send(buf, n)
  conn.close()
})
const [client] = tcp()
const [, cerr] = await client.connect('127.0.0.1', addr.port())
if (cerr) fail('connect', cerr)
await client.send(Buffer.from('ping through the installed package'))
const buf = Buffer.alloc(64)
const [n, rerr] = await client.recv(buf)
if (rerr) fail('client recv', rerr)
await echoed
client.close()
server.close()
console.log(buf.toString('utf8', 0, n))
`,
  )
  t.is(out.code, 0, out.stderr)
  t.is(out.stdout.trim(), 'ping through the installed package')
})

const consumerEsm = `import * as socket from '${manifest.name}'
import { tcp, type ErrorName, type Result, type TcpSocket } from '${manifest.name}'

export async function greet(port: number): Promise<ErrorName | number> {
  const [client, err]: Result<TcpSocket> = tcp()
  if (err) return err
  const [, cerr] = await client.connect('127.0.0.1', port, socket.clock() + 1)
  if (cerr) return cerr
  const [sent, serr] = await client.send(new TextEncoder().encode('hi'))
  client.close()
  return serr ?? sent
}
// @ts-expect-error the typings are real, not \`any\`
socket.notAnExport()
`

const consumerCjs = `import socket = require('${manifest.name}')

const [client, err] = socket.tcp()
if (!err) client.close()
// @ts-expect-error the typings are real, not \`any\`
socket.notAnExport()
`

for (const [resolution, files] of [
  ['node16', ['consumer.mts', 'consumer.cts']],
  ['nodenext', ['consumer.mts', 'consumer.cts']],
  ['bundler', ['consumer.ts']],
] as const) {
  test(`a TypeScript consumer type-checks (moduleResolution ${resolution})`, async (t) => {
    const sources: Record<string, string> = { 'consumer.mts': consumerEsm, 'consumer.ts': consumerEsm, 'consumer.cts': consumerCjs }
    const dir = join(release.project, resolution)
    mkdirSync(dir, { recursive: true })
    for (const file of files) writeFileSync(join(dir, file), sources[file]!)
    const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc')
    const module = resolution === 'bundler' ? 'esnext' : resolution
    const args = ['--noEmit', '--strict', '--target', 'es2022', '--module', module, '--moduleResolution', resolution]
    const types = ['--types', 'node', '--typeRoots', join(repo, 'node_modules', '@types')]
    const out = await run(process.execPath, [tsc, ...args, ...types, ...files], dir, release.env)
    t.is(out.code, 0, out.stdout + out.stderr)
  })
}

test('a strict TypeScript consumer sees no errors inside our declarations', async (t) => {
  // The strictest common settings, with the declarations checked too (no
  // skipLibCheck): only dist/*.d.ts may be read, never our sources.
  const dir = join(release.project, 'strict')
  mkdirSync(dir, { recursive: true })
  const compilerOptions = {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noImplicitOverride: true,
    noPropertyAccessFromIndexSignature: true,
    skipLibCheck: false,
    noEmit: true,
    target: 'es2022',
    module: 'nodenext',
    moduleResolution: 'nodenext',
    types: ['node'],
    typeRoots: [join(repo, 'node_modules', '@types')],
  }
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['consumer.mts', 'consumer.cts'] }))
  writeFileSync(join(dir, 'consumer.mts'), consumerEsm)
  writeFileSync(join(dir, 'consumer.cts'), consumerCjs)
  const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc')
  const out = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--listFiles'], dir, release.env)
  const ours = out.stdout.split('\n').filter((line) => line.includes(`node_modules/${manifest.name}/`))
  t.true(ours.length > 0 && ours.every((file) => /\/dist\/.*\.d\.(ts|mts)$/.test(file.trim())), ours.join('\n'))
  const diagnostics = out.stdout.split('\n').filter((line) => /error TS\d+/.test(line))
  t.deepEqual(diagnostics.filter((line) => line.includes(`node_modules/${manifest.name}/`)), [], 'errors inside our declarations')
  t.is(out.code, 0, diagnostics.join('\n'))
})

test('without its platform package, the error names the platform and the fix', async (t) => {
  // What --omit=optional (or a lockfile from another platform) leaves behind.
  const project = join(release.dir, 'no-optional')
  mkdirSync(project)
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  const tarball = join(release.dir, 'tarballs', `${manifest.name}-${manifest.version}.tgz`)
  await check('npm', ['install', '--offline', '--omit=optional', '--no-audit', '--no-fund', '--ignore-scripts', tarball], project, release.env)
  t.false(existsSync(join(project, 'node_modules', platformPackage)))
  const out = await run(process.execPath, ['-e', `require('${manifest.name}')`], project, release.env)
  t.not(out.code, 0)
  t.regex(out.stderr, new RegExp(`no native binary could be loaded for ${platform} \\(process\\.platform=${process.platform}, process\\.arch=${process.arch}`), out.stderr)
  t.true(out.stderr.includes(`npm install --include=optional ${manifest.name}`))
  t.false(out.stderr.includes('Cannot find native binding'), "the loader's error chain leaked")
  t.false(/binding\.js:\d+/.test(out.stderr), "the loader's stack leaked")
})

test('when the installed binary fails to load, the error gives the reason', async (t) => {
  // What a binary for another libc or OS version looks like to the loader.
  const project = join(release.dir, 'broken-binary')
  cpSync(release.project, project, { recursive: true })
  writeFileSync(join(project, 'node_modules', platformPackage, binaryFile), 'not a shared library\n')
  const out = await run(process.execPath, ['-e', `require('${manifest.name}')`], project, release.env)
  t.not(out.code, 0)
  const reason = new RegExp(`${platformPackage} is installed but its binary failed to load: .*${binaryFile}`)
  t.regex(out.stderr, reason, out.stderr)
  t.false(out.stderr.includes('Cannot find native binding'), "the loader's error chain leaked")
})

test('on a platform with no prebuilt binary, the error lists the ones there are', async (t) => {
  // Node cannot be run on another platform here; pretend to be one.
  writeFileSync(join(release.project, 'elsewhere.cjs'), "Object.defineProperty(process, 'arch', { value: 'mips' })\n")
  const out = await run(process.execPath, ['-r', './elsewhere.cjs', '-e', `require('${manifest.name}')`], release.project, release.env)
  t.not(out.code, 0)
  const elsewhere = platform.replace(process.arch, 'mips')
  t.true(out.stderr.includes(`There is no prebuilt binary for ${elsewhere}; prebuilt: ${platform}.`), out.stderr)
  t.true(out.stderr.includes('To build from source'))
})

if (platform.endsWith('-gnu')) {
  test('the Linux binary: its glibc floor and size', async (t) => {
    const binary = join(release.project, 'node_modules', platformPackage, binaryFile)
    const floor = glibcFloor(binary)
    const size = statSync(binary).size
    t.log(`${binaryFile}: needs glibc >= ${floor}, ${size} bytes (${(size / 1024).toFixed(0)} KiB)`)
    t.truthy(floor)
    // Cross-check the ELF reader against binutils where it is installed.
    const objdump = await run('objdump', ['-T', binary], release.project, process.env).catch(() => null)
    if (objdump?.code === 0) {
      const versions = [...objdump.stdout.matchAll(/GLIBC_(\d+(?:\.\d+)+)/g)].map((m) => m[1]!)
      const highest = versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1) ?? null
      t.is(floor, highest)
    } else {
      t.log('objdump is not installed: the glibc floor above is from the ELF reader alone')
    }
  })
}
