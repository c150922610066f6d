// The oldest glibc a Linux binary can load on: the highest `GLIBC_x.y`
// version it needs, read from its ELF version-needs section (what
// `objdump -T`/`readelf -V` show), so it works without binutils.
//
// CLI: node --import tsx scripts/glibc-floor.ts FILE... [--max 2.17]
// prints each file's floor and size; exits 1 if one needs a glibc newer than --max.

import { readFileSync, statSync } from 'node:fs'

/** `SHT_GNU_verneed`: the section listing symbol versions needed from shared libraries. */
const SHT_GNU_VERNEED = 0x6ffffffe

/** Orders `2.17` < `2.28` < `2.34` (numeric, part by part). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number)
  const pb = b.split('.').map(Number)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return d
  }
  return 0
}

/** Every version name (`GLIBC_2.14`, `GCC_3.0`, …) a 64-bit little-endian ELF file needs. */
export function neededVersions(elf: Buffer): string[] {
  if (elf.readUInt32BE(0) !== 0x7f454c46) throw new Error('not an ELF file')
  if (elf[4] !== 2 || elf[5] !== 1) throw new Error('only 64-bit little-endian ELF files are supported')
  const shoff = Number(elf.readBigUInt64LE(0x28))
  const shentsize = elf.readUInt16LE(0x3a)
  const shnum = elf.readUInt16LE(0x3c)
  const section = (i: number) => {
    const at = shoff + i * shentsize
    return {
      type: elf.readUInt32LE(at + 4),
      offset: Number(elf.readBigUInt64LE(at + 24)),
      link: elf.readUInt32LE(at + 40),
      info: elf.readUInt32LE(at + 44),
    }
  }
  const cString = (at: number) => elf.toString('latin1', at, elf.indexOf(0, at))
  const names: string[] = []
  for (let i = 0; i < shnum; i++) {
    const s = section(i)
    if (s.type !== SHT_GNU_VERNEED) continue
    const strings = section(s.link).offset
    // `sh_info` Verneed entries (one per library), each with `vn_cnt` Vernaux
    // entries (one per version); `vn_aux`/`vna_next`/`vn_next` are byte offsets.
    let need = s.offset
    for (let n = 0; n < s.info; n++) {
      const count = elf.readUInt16LE(need + 2)
      let aux = need + elf.readUInt32LE(need + 8)
      for (let a = 0; a < count; a++) {
        names.push(cString(strings + elf.readUInt32LE(aux + 8)))
        aux += elf.readUInt32LE(aux + 12)
      }
      need += elf.readUInt32LE(need + 12)
    }
  }
  return names
}

/** The highest `GLIBC_x.y` the file needs (`'2.14'`), or `null` if it needs none. */
export function glibcFloor(path: string): string | null {
  const versions = neededVersions(readFileSync(path))
    .filter((name) => /^GLIBC_\d+(\.\d+)*$/.test(name))
    .map((name) => name.slice('GLIBC_'.length))
    .sort(compareVersions)
  return versions.at(-1) ?? null
}

function main(args: string[]): number {
  const maxAt = args.indexOf('--max')
  const max = maxAt >= 0 ? args[maxAt + 1] : undefined
  const files = maxAt >= 0 ? args.filter((_, i) => i !== maxAt && i !== maxAt + 1) : args
  if (files.length === 0 || (maxAt >= 0 && !max)) {
    console.error('usage: glibc-floor.ts FILE... [--max VERSION]')
    return 2
  }
  let status = 0
  for (const file of files) {
    const floor = glibcFloor(file)
    const size = statSync(file).size
    console.log(`${file}: needs glibc >= ${floor ?? '(none)'}, ${size} bytes`)
    if (max && floor && compareVersions(floor, max) > 0) {
      console.error(`${file} needs glibc ${floor}, newer than the supported floor ${max}`)
      status = 1
    }
  }
  return status
}

if (require.main === module) process.exitCode = main(process.argv.slice(2))
