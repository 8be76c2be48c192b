import { execFile } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

const collectorDir = join(dirname(fileURLToPath(import.meta.url)), '..')

it('serves dashboard assets generated from the current client sources', async () => {
  const { stdout } = await promisify(execFile)('node', ['scripts/build-assets.mjs', '--check'], {
    cwd: collectorDir,
  })
  expect(stdout).toContain('up to date')
})
