/**
 * The young-generation size of this process, as the benchmark table reports it.
 *
 * The round benchmark runs every member of the consortium in this one process, so all n members
 * allocate into one V8 young generation: an authenticated job at n = 100 fills V8's default one
 * (16 MB semi-spaces) about 120 times, in bursts while the members set up their keys, and state a
 * member keeps from one protocol step to the next (hundreds of milliseconds) survives two
 * collections and is promoted to the old generation, where it dies later at a higher price. In a real
 * consortium each member is a process of its own, whose young generation fills a hundred times
 * less often. `npm run bench` therefore starts this process with semi-spaces of 64 MB
 * (`--max-semi-space-size=64`, package.json) instead of V8's 16 MB; the coordinators, started as
 * `fedcredit coordinator` processes, keep V8's default as an operator's would.
 */

/** Semi-space size the `npm run bench` script gives the benchmark process, in MB. */
export const BENCH_SEMI_SPACE_MB = 64;

/** The `--max-semi-space-size` this process was started with (command line, then NODE_OPTIONS), if any, in MB. */
export function maxSemiSpaceMb(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): number | undefined {
  const flags = [...execArgv, ...nodeOptions.split(/\s+/)];
  let found: number | undefined;
  for (let i = 0; i < flags.length; i++) {
    const f = flags[i]!;
    const m = /^--max[-_]semi[-_]space[-_]size(?:=(\d+))?$/.exec(f);
    if (!m) continue;
    const value = m[1] ?? flags[i + 1];
    if (value !== undefined && /^\d+$/.test(value)) found = Number(value);
  }
  return found;
}

/** The table's description of this process's young generation. */
export function youngGenerationText(mb = maxSemiSpaceMb()): string {
  return mb === undefined ? "V8's default semi-spaces (16 MB; `npm run bench` gives 64 MB)" : `${mb} MB semi-spaces (--max-semi-space-size=${mb})`;
}
