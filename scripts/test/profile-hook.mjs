// Loaded into every Node process of a `npm test -- --profile` run (NODE_OPTIONS=--import=…): at exit, the
// process writes what it cost into WORKSHOP_PROFILE_DIR, one small JSON file, for scripts/test/profile.ts.
// `children` is the CPU of the processes it started and waited for (Chromium, bash, curl, other Nodes),
// from /proc/self/stat, so a job's first process tells the cost of its whole tree.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const dir = process.env.WORKSHOP_PROFILE_DIR
if (dir) {
  process.once('exit', () => {
    try {
      const usage = process.resourceUsage() // microseconds
      let children = 0
      try {
        // Fields 14–17 of /proc/self/stat (after the command name in parentheses): utime stime cutime cstime, in ticks.
        const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')
        children = (Number(fields[13]) + Number(fields[14])) / 100 // CLK_TCK is 100 on Linux
      } catch {}
      const line = {
        job: process.env.WORKSHOP_PROFILE_JOB ?? '',
        pid: process.pid,
        ppid: process.ppid,
        argv: process.argv.slice(1).join(' '),
        cpu: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
        children,
        wall: process.uptime(),
      }
      writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(line))
    } catch {}
  })
}
