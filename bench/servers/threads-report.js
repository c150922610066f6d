// Shared by the multi-worker echo servers of the threads benchmark: what
// each worker counts, and the report protocol. The harness writes `report`
// on the server's stdin; the server answers one JSON line on stdout:
// `{"workers":[{"served":N,"messages":M,"cpu_ns":C},...],"pids":[...]}`,
// where `cpu_ns` is the worker thread's own on-CPU time (Linux:
// /proc/thread-self/schedstat) and `pids` are the processes to add up for
// the server's total CPU time.
'use strict'

const { readFileSync } = require('node:fs')

/** This thread's on-CPU nanoseconds (Linux), else this process's CPU time. */
function threadCpuNs() {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0])
  } catch {
    const { user, system } = process.cpuUsage()
    return (user + system) * 1000
  }
}

/** A worker's counters. */
function counters() {
  return { served: 0, messages: 0 }
}

/** Calls `collect()` (a promise of the report) on each `report` line of stdin. */
function answerReports(collect) {
  let buffered = ''
  process.stdin.setEncoding('utf8').on('data', (chunk) => {
    buffered += chunk
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end).trim()
      buffered = buffered.slice(end + 1)
      if (line === 'report') void collect().then((report) => process.stdout.write(`${JSON.stringify(report)}\n`))
    }
  })
}

/** The value of `--name V` (or `fallback`). */
function flagValue(name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1] : fallback
}

module.exports = { answerReports, counters, flagValue, threadCpuNs }
