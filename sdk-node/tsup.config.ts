import { defineConfig } from 'tsup'

// The wire types live in the collector package. Mapping the import to its source file makes the
// declaration bundler inline them, so the published SDK depends on nothing.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  target: 'es2022',
  dts: {
    compilerOptions: { paths: { '@refline/collector/shared': ['../collector/src/shared.ts'] } },
  },
  clean: true,
})
