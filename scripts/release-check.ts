// Checks that the packages are ready to publish, before anything is published.
//
// CLI: node --import tsx scripts/release-check.ts [--tag vX.Y.Z] [--repository owner/name] [--binaries]
//   always:        every napi target has its npm/<platform> package, named for
//                  it, in version lockstep with the root package;
//   --tag:         the tag is `v` + the root version;
//   --repository:  the root and every platform package name that GitHub
//                  repository (npm's provenance check compares them);
//   --binaries:    every platform package holds its binary (after `napi artifacts`).
// Prints every problem and exits 1 if there is one.

import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

import { parseTriple } from '@napi-rs/cli'

interface Manifest {
  name: string
  version: string
  repository?: string | { url?: string }
  napi?: { binaryName: string; targets: string[] }
}

export interface Checks {
  tag?: string
  repository?: string
  binaries?: boolean
}

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest
}

function repositoryUrl(manifest: Manifest): string {
  const { repository } = manifest
  return (typeof repository === 'string' ? repository : repository?.url) ?? ''
}

/** The platform packages napi builds, as `npm/<platform>` directory names. */
export function platformDirs(root: string): string[] {
  const targets = readManifest(join(root, 'package.json')).napi?.targets ?? []
  return targets.map((target) => parseTriple(target.split('.')[0]!).platformArchABI)
}

/** Every problem that should stop a release of the package in `root`. */
export function releaseProblems(root: string, checks: Checks = {}): string[] {
  const manifest = readManifest(join(root, 'package.json'))
  const problems: string[] = []
  if (!manifest.napi?.targets.length) return ['package.json has no napi.targets']
  if (checks.tag !== undefined && checks.tag !== `v${manifest.version}`) {
    problems.push(`tag ${checks.tag} is not v${manifest.version}, the version in package.json`)
  }
  const url = repositoryUrl(manifest)
  if (checks.repository !== undefined && !url.replace(/\.git$/, '').endsWith(`github.com/${checks.repository}`)) {
    problems.push(`package.json repository (${url || 'none'}) is not github.com/${checks.repository}`)
  }
  for (const platform of platformDirs(root)) {
    const dir = join(root, 'npm', platform)
    if (!existsSync(join(dir, 'package.json'))) {
      problems.push(`npm/${platform}/package.json is missing (run \`napi create-npm-dirs\`)`)
      continue
    }
    const pkg = readManifest(join(dir, 'package.json'))
    if (pkg.name !== `${manifest.name}-${platform}`) problems.push(`npm/${platform} is named ${pkg.name}`)
    if (pkg.version !== manifest.version) {
      problems.push(`npm/${platform} is version ${pkg.version}, not ${manifest.version} (run \`napi version\`)`)
    }
    if (checks.repository !== undefined && repositoryUrl(pkg) !== url) {
      problems.push(`npm/${platform} repository (${repositoryUrl(pkg) || 'none'}) differs from the root's`)
    }
    const binary = join(dir, `${manifest.napi.binaryName}.${platform}.node`)
    if (checks.binaries && !(existsSync(binary) && statSync(binary).size > 0)) {
      problems.push(`npm/${platform} has no ${manifest.napi.binaryName}.${platform}.node`)
    }
  }
  return problems
}

function main(args: string[]): number {
  const value = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined)
  const checks: Checks = { tag: value('--tag'), repository: value('--repository'), binaries: args.includes('--binaries') }
  const problems = releaseProblems(join(__dirname, '..'), checks)
  for (const problem of problems) console.error(`release check: ${problem}`)
  if (problems.length === 0) console.log('release check: ok')
  return problems.length === 0 ? 0 : 1
}

if (require.main === module) process.exitCode = main(process.argv.slice(2))
