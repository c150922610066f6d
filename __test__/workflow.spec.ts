// The CI workflow cannot run here, so check what can be: actionlint accepts
// it, its build and test jobs cover exactly the napi targets (each with its
// npm/ package, in version lockstep), and every script it calls exists.
//
// actionlint comes from PATH or Go's bin directory; when it is in neither and
// Go is installed, the test builds it with `go install`.

import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { delimiter, join } from 'node:path'

import test from 'ava'

import { platformDirs, releaseProblems } from '../scripts/release-check'
import { checkLeaksAtEnd } from './helpers'

checkLeaksAtEnd(test)

const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12'
const repo = join(__dirname, '..')
const workflowPath = join(repo, '.github', 'workflows', 'CI.yml')
const workflow = readFileSync(workflowPath, 'utf8')
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>
  devDependencies: Record<string, string>
  engines: { node: string }
  napi: { targets: string[] }
}

function run(command: string, args: string[], cwd = repo): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

/** The first `name` (or `name.exe`) on PATH, or null. */
function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    for (const file of [name, `${name}.exe`]) {
      if (dir && existsSync(join(dir, file))) return join(dir, file)
    }
  }
  return null
}

/** The text of each job in the workflow: from its two-space-indented key under `jobs:` to the next. */
function jobs(text: string): Map<string, string> {
  const body = text.slice(text.search(/^jobs:\s*$/m))
  const parts = body.split(/^ {2}(?=[\w-]+:\s*$)/m).slice(1)
  return new Map(parts.map((part) => [part.slice(0, part.indexOf(':')), part]))
}

/** The Rust target triples a job names (a `.2.17` glibc suffix dropped), sorted and unique. */
function triples(text: string): string[] {
  const found = text.match(/\b[a-z0-9_]+-(?:unknown|apple|pc|linux)-[a-z0-9_-]*[a-z0-9_]/g) ?? []
  return [...new Set(found)].sort()
}

const jobText = jobs(workflow)
const targets = [...manifest.napi.targets].sort()

test('actionlint accepts the workflows', async (t) => {
  t.timeout(300_000)
  let actionlint = onPath('actionlint')
  if (!actionlint) {
    const go = onPath('go')
    if (!go) {
      t.fail(`actionlint is not installed, and no Go toolchain is on PATH to build it: install Go, or actionlint (go install ${ACTIONLINT})`)
      return
    }
    const gobin = (await run(go, ['env', 'GOBIN'])).output.trim()
    const bin = gobin || join((await run(go, ['env', 'GOPATH'])).output.trim(), 'bin')
    actionlint = join(bin, process.platform === 'win32' ? 'actionlint.exe' : 'actionlint')
    if (!existsSync(actionlint)) {
      t.log(`installing ${ACTIONLINT}`)
      const install = await run(go, ['install', ACTIONLINT])
      if (install.code !== 0) throw new Error(`go install ${ACTIONLINT} failed:\n${install.output}`)
    }
  }
  const files = readdirSync(join(repo, '.github', 'workflows')).map((f) => join('.github', 'workflows', f))
  const lint = await run(actionlint, files)
  t.log(`${actionlint} ${files.join(' ')}: ${lint.code === 0 ? 'no findings' : 'findings below'}`)
  // actionlint runs shellcheck on run: scripts only when it is on PATH (.ci/run installs it).
  if (onPath('shellcheck')) t.log('run: scripts checked with shellcheck too')
  t.is(lint.code, 0, lint.output)
})

test('the build and test jobs cover exactly the napi targets, each with its npm/ package', (t) => {
  for (const name of ['lint', 'build', 'test', 'freebsd', 'publish']) t.true(jobText.has(name), `no ${name} job`)
  const freebsd = triples(jobText.get('freebsd')!)
  t.deepEqual(freebsd, ['x86_64-unknown-freebsd'])
  t.deepEqual(triples(jobText.get('build')! + jobText.get('freebsd')!), targets, 'built targets')
  t.deepEqual(triples(jobText.get('test')! + jobText.get('freebsd')!), targets, 'tested targets')
  t.deepEqual(readdirSync(join(repo, 'npm')).sort(), platformDirs(repo).sort(), 'npm/ directories')
  t.deepEqual(releaseProblems(repo), [])
})

test('the Linux gnu builds pin the glibc floor they are checked against', (t) => {
  const build = jobText.get('build')!
  const max = /glibc-floor\.ts .*--max (\S+)/.exec(build)?.[1]
  t.truthy(max, 'the build job checks no glibc floor')
  for (const target of targets.filter((triple) => triple.endsWith('-linux-gnu'))) {
    t.true(build.includes(`--target ${target}.${max}`), `${target} is not built against glibc ${max}`)
  }
})

test('the tests run on every supported Node major', (t) => {
  const floor = /(\d+)/.exec(manifest.engines.node)?.[1]
  for (const name of ['test', 'freebsd']) {
    const nodes: string[] = /^\s*node: \[(.*)\]\s*$/m.exec(jobText.get(name)!)?.[1]?.match(/\d+/g) ?? []
    t.deepEqual(nodes, ['20', '22', '24'], `${name} job`)
    t.true(nodes.includes(floor!), `${name} job does not test Node ${floor}, the engines floor`)
  }
})

test('every script the workflow calls exists', (t) => {
  const scripts = [...workflow.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]!)
  if (/\bnpm (?:test|t)\b/.test(workflow)) scripts.push('test')
  t.true(scripts.length > 0)
  for (const script of new Set(scripts)) t.truthy(manifest.scripts[script], `npm run ${script}: no such script`)
  for (const [, file] of workflow.matchAll(/node --import tsx (\S+\.ts)/g)) {
    t.true(existsSync(join(repo, file!)), `${file} does not exist`)
  }
  if (workflow.includes('npx napi')) t.truthy(manifest.devDependencies['@napi-rs/cli'])
  t.true(existsSync(join(repo, 'package-lock.json')), 'npm ci needs package-lock.json')
})
