// Types of runner.cjs, for __test__/runtimes.spec.ts.

export interface Runtime {
  bin: string
  args: string[]
  env: Record<string, string>
  /** The driver socket2 must choose under this runtime. */
  driver: 'libuv' | 'poller-thread'
}

export type Probe = { ok: true; bin: string; version: string } | { ok: false; reason: string }

export interface ScenarioResult {
  passed: boolean
  /** The scenario's `PASS …` line, or '' */
  line: string
  /** stdout and stderr together */
  output: string
  ms: number
  timedOut: boolean
  /** Why it failed, or '' */
  why: string
}

export const runtimes: Record<string, Runtime>
export const scenarioDir: string
export function scenarios(): string[]
export function probe(name: string): Probe
export function runScenario(name: string, bin: string, scenario: string, options?: { timeoutMs?: number }): Promise<ScenarioResult>
