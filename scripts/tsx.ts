// How the workshop runs its TypeScript: tsx's ES-module loader alone, `node --import tsx/esm`. Every file of the
// workshop is an ES module, so tsx's other half, its require() hook, has nothing of ours to compile: it only sat
// in front of the ~500 CommonJS files that koa, knex and lodash load. Without it, an `npm start` of step 05
// costs about 0.13 s less CPU (1.49 s → 1.36 s on Node 20, five alternating runs). The package.json scripts
// say the same.
export const TSX = ['--import', 'tsx/esm']
