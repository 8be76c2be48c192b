/**
 * Two builds of one source: dist/refline.js, an IIFE for the <script> tag (read settings from
 * data-* attributes; budget 1,000 bytes gzipped), and dist/refline.mjs, an ES module for
 * bundlers. The IIFE is also copied into the collector, which serves it at GET /r.js.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import terser from '@rollup/plugin-terser'
import ts from 'typescript'
import { COLLECTOR_MODULE, renderCollectorModule } from './scripts/collector-module.mjs'

/** Strips the TypeScript types (no type checking here: that is `pnpm typecheck`). */
const typescript = () => ({
  name: 'typescript',
  resolveId(source, importer) {
    if (importer && source.startsWith('.')) return new URL(`${source}.ts`, `file://${importer}`).pathname
    return null
  },
  transform(code, id) {
    if (!id.endsWith('.ts')) return null
    const { outputText } = ts.transpileModule(code, {
      fileName: id,
      compilerOptions: {
        target: ts.ScriptTarget.ES2021,
        module: ts.ModuleKind.ESNext,
        verbatimModuleSyntax: true,
      },
    })
    return { code: outputText, map: null }
  },
})

/**
 * Writes the IIFE into collector/src/generated/refline-script.ts. Under CI it only compares, and
 * fails the build when the committed copy differs from what this source builds.
 */
const collectorCopy = () => ({
  name: 'collector-copy',
  generateBundle(_options, bundle) {
    const chunk = bundle['refline.js']
    const expected = renderCollectorModule(chunk.code)
    const current = existsSync(COLLECTOR_MODULE) ? readFileSync(COLLECTOR_MODULE, 'utf8') : ''
    if (current === expected) return
    if (process.env.CI) {
      this.error(
        'collector/src/generated/refline-script.ts is stale: run `pnpm --filter @refline/browser build` and commit it',
      )
    }
    mkdirSync(dirname(COLLECTOR_MODULE), { recursive: true })
    writeFileSync(COLLECTOR_MODULE, expected)
  },
})

const minify = terser({
  ecma: 2020,
  module: true,
  toplevel: true,
  compress: { passes: 3, unsafe: true, unsafe_arrows: true, pure_getters: true, booleans_as_integers: true },
  mangle: { toplevel: true },
  format: { comments: false },
})

export default [
  {
    input: 'src/auto.ts',
    output: {
      file: 'dist/refline.js',
      // An arrow IIFE written by hand: the same scope as format 'iife', four bytes shorter.
      format: 'es',
      banner: '(()=>{',
      footer: '})()',
      plugins: [minify],
    },
    plugins: [typescript(), collectorCopy()],
  },
  {
    input: 'src/index.ts',
    output: { file: 'dist/refline.mjs', format: 'es', plugins: [minify] },
    plugins: [typescript()],
  },
]
