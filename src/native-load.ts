// Loads the native addon ahead of `native.ts`'s re-export of it, so that a
// failed load surfaces as one message that names the platform and says what
// to do, instead of napi-rs's generated loader (`binding.js`) error chain.
// The loader picks the binary for this platform: a local build next to it,
// or the per-platform package `socket2-<platform>`, an optional dependency of
// the published package. A successful load here is cached, so the re-export
// gets the same module.

/** The root package.json fields the message needs (shipped in every tarball). */
interface Manifest {
  name: string
  version: string
  optionalDependencies?: Record<string, string>
}

/**
 * This machine in napi-rs's platform naming (`linux-x64-gnu`, `darwin-arm64`,
 * `win32-x64-msvc`): the suffix of the package that carries its binary.
 */
export function platformName(): { name: string; libc: string | null } {
  const { platform, arch } = process
  if (platform === 'win32') return { name: `${platform}-${arch}-msvc`, libc: null }
  if (platform !== 'linux') return { name: `${platform}-${arch}`, libc: null }
  // A report without network details (Node >= 20.13): those can mean slow DNS lookups.
  const reporter = process.report as (NodeJS.ProcessReport & { excludeNetwork?: boolean }) | undefined
  if (reporter) reporter.excludeNetwork = true
  const report = reporter?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined
  const glibc = report?.header?.glibcVersionRuntime
  return glibc ? { name: `${platform}-${arch}-gnu`, libc: `glibc ${glibc}` } : { name: `${platform}-${arch}-musl`, libc: 'musl' }
}

/**
 * The first lines of the loader's load errors (a `cause` chain), less the
 * expected misses: the local build next to `binding.js` and packages that are
 * not installed.
 */
function reasons(error: unknown, prefix: string): string[] {
  const out: string[] = []
  for (let e = error; e instanceof Error && out.length < 8; e = e.cause) {
    const first = e.message.split('\n')[0]!
    const miss = /^Cannot find native binding/.test(first) || first.startsWith("Cannot find module './") ||
      first.startsWith(`Cannot find module '${prefix}`)
    if (!miss) out.push(first)
  }
  return out
}

/** Whether `id` resolves from here. */
function isInstalled(id: string): boolean {
  try {
    require.resolve(id)
    return true
  } catch {
    return false
  }
}

/** What went wrong and what to do about it, for a failed load. */
function missingBinaryMessage(error: unknown): string {
  const manifest = require('socket2/package.json') as Manifest
  const { name: platform, libc } = platformName()
  const where = `process.platform=${process.platform}, process.arch=${process.arch}` + (libc ? `, libc=${libc}` : '')
  const prefix = `${manifest.name}-`
  const pkg = `${prefix}${platform}`
  // The release adds one optional dependency per prebuilt platform.
  const prebuilt = Object.keys(manifest.optionalDependencies ?? {})
    .filter((dep) => dep.startsWith(prefix))
    .map((dep) => dep.slice(prefix.length))
  const fromSource =
    'To build from source: clone the repository, install Rust (stable), run `npm install` and `npm run build` there.'
  const lines = [`${manifest.name}: no native binary could be loaded for ${platform} (${where}).`]
  if (prebuilt.length === 0) {
    lines.push('This is a source checkout without a build for this platform: run `npm run build` (needs Rust stable).')
  } else if (!prebuilt.includes(platform)) {
    lines.push(`There is no prebuilt binary for ${platform}; prebuilt: ${prebuilt.join(', ')}.`, fromSource)
  } else if (isInstalled(`${pkg}/package.json`)) {
    const why = reasons(error, prefix)
    lines.push(
      `${pkg} is installed but its binary failed to load: ${why.join('; ') || 'unknown error'}.`,
      `Reinstall it (\`npm install ${manifest.name}@${manifest.version}\`). ${fromSource}`,
    )
  } else {
    lines.push(
      `Its binary ships in the optional dependency ${pkg}@${manifest.version}, which is not installed.`,
      `Install with optional dependencies enabled: \`npm install --include=optional ${manifest.name}\`.`,
      'Optional dependencies are skipped by --omit=optional, and by a package-lock.json made on another ' +
        'platform (npm/cli#4828): then delete node_modules and package-lock.json and install again.',
      fromSource,
    )
  }
  return lines.join('\n')
}

try {
  require('../binding.js')
} catch (error) {
  const failure = new Error(missingBinaryMessage(error)) as Error & { code: string }
  failure.code = 'ERR_SOCKET2_NO_BINARY'
  throw failure
}
