// The layering of src/ (docs/development.md, "Layers"): every import of every src/**/*.ts file,
// static (`import`, `export ... from`, `import('x').T` in a type) and dynamic (`import()`), is
// read with the TypeScript parser and checked against one list of layers, low to high. A part
// (a folder under src/, or a file at its root) imports only parts of lower layers and its own
// files; parts that share a layer are peers and import none of each other. gates/ is held
// tighter: pure functions over the policy and the candidate, it imports policy/ and
// candidate/'s types, nothing else (no package either). And a file over 600 lines says why.
import { readFileSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'

/**
 * Low to high. Each entry is one layer: the parts in it may import the layers before it.
 * The reasons, layer by layer:
 */
const LAYERS: readonly (readonly string[])[] = [
  // Basics everything may use: error classes and exit codes, the logger port, the version.
  ['errors.ts', 'log.ts', 'version.ts'],
  // The policy: its schema, loading and the stage order; nothing of ModelGate below it.
  ['policy'],
  // The file scanners (pickle opcodes, readers) the candidate loader runs.
  ['scan'],
  // The candidate: its files, metrics, signature and digest, read from a directory or a zip.
  ['candidate'],
  // The gates: pure decisions over the policy and the candidate (and see the rule below).
  ['gates'],
  // Pure domain beside the gates: the monitor's verdicts, provenance verification, rollout plans.
  ['monitor', 'provenance', 'rollout'],
  // The audit record: what a write keeps of the gates, the candidate and the monitor's evidence.
  ['audit'],
  // The Registry port and its adapters: they carry the audit record.
  ['registry'],
  // Every text: markdown, terminal tables, JSON, of the results and registry events above.
  ['report'],
  // Adapters that deliver what report/ rendered (the comment sink fits GitHub's limit, the
  // webhook carries the Slack line), and GitHub's reviews, checks and attestations.
  ['github', 'notify'],
  // The commands: typed results from ports handed in.
  ['commands'],
  // The action's inputs parsed into typed settings; the workspace both roots open.
  ['inputs.ts', 'workspace.ts'],
  // The two roots' flows: the action's events, the CLI's commands.
  ['action', 'cli'],
  // The composition roots.
  ['main.ts', 'cli.ts'],
  // The action's entry: calls main.ts's run().
  ['index.ts']
]

/** What gates/ may import besides its own files: the part, and whether types only. */
const GATES_MAY_IMPORT: Record<string, 'any' | 'types'> = { policy: 'any', candidate: 'types' }

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const SRC = path.join(ROOT, 'src')

interface Import {
  /** Relative to the repository root, e.g. `src/gates/evaluate.ts`. */
  from: string
  /** The specifier as written. */
  specifier: string
  /** A src/ file relative to the root (`.js` read as `.ts`), or undefined for a package or a file outside src/. */
  target?: string
  typeOnly: boolean
  dynamic: boolean
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sourceFiles(full)
    return entry.name.endsWith('.ts') ? [full] : []
  })
}

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS)
  const found: Import[] = []
  const add = (node: ts.Node, typeOnly: boolean, dynamic: boolean) => {
    // A specifier computed at run time cannot be placed in a layer: it is named and refused.
    const specifier = ts.isStringLiteralLike(node)
      ? node.text
      : `<computed: ${node.getText(source)}>`
    let target: string | undefined
    if (specifier.startsWith('.')) {
      const resolved = path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts'))
      const relative = path.relative(ROOT, resolved).split(path.sep).join('/')
      if (relative.startsWith('src/')) target = relative
    }
    found.push({
      from: path.relative(ROOT, file).split(path.sep).join('/'),
      specifier,
      ...(target !== undefined && { target }),
      typeOnly,
      dynamic
    })
  }
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause
      const typeOnly =
        clause !== undefined &&
        (clause.isTypeOnly ||
          (clause.name === undefined &&
            clause.namedBindings !== undefined &&
            ts.isNamedImports(clause.namedBindings) &&
            clause.namedBindings.elements.length > 0 &&
            clause.namedBindings.elements.every(element => element.isTypeOnly)))
      add(node.moduleSpecifier, typeOnly, false)
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      const typeOnly =
        node.isTypeOnly ||
        (node.exportClause !== undefined &&
          ts.isNamedExports(node.exportClause) &&
          node.exportClause.elements.length > 0 &&
          node.exportClause.elements.every(element => element.isTypeOnly))
      add(node.moduleSpecifier, typeOnly, false)
    } else if (ts.isImportTypeNode(node)) {
      const argument = node.argument
      if (ts.isLiteralTypeNode(argument)) add(argument.literal, true, false)
    } else if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] !== undefined
    ) {
      add(node.arguments[0], false, true)
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

/** `src/gates/evaluate.ts` → `gates`; `src/main.ts` → `main.ts`. */
function partOf(file: string): string {
  return file.split('/')[1] as string
}

const layerOf = new Map<string, number>()
// Numbered from 1, as docs/development.md lists them.
LAYERS.forEach((parts, index) => parts.forEach(part => layerOf.set(part, index + 1)))

const files = sourceFiles(SRC)
const imports = files.flatMap(importsOf)

/** Every import that breaks the layering, as `file -> target: why`. */
function violations(): string[] {
  const found: string[] = []
  for (const item of imports) {
    const from = partOf(item.from)
    const fromLayer = layerOf.get(from) as number
    const target = item.target
    const named = `${item.from} -> ${target ?? item.specifier}${item.dynamic ? ' (dynamic)' : ''}`
    if (item.specifier.startsWith('<computed')) {
      found.push(
        `${named}: an import's specifier must be a string literal, so its layer can be checked`
      )
      continue
    }
    if (from === 'gates') {
      if (target === undefined) {
        found.push(`${named}: gates/ imports no package and nothing outside src/`)
        continue
      }
      const to = partOf(target)
      const allowed = to === 'gates' ? 'any' : GATES_MAY_IMPORT[to]
      if (allowed === undefined) {
        found.push(`${named}: gates/ imports only policy/ and candidate/ types`)
      } else if (allowed === 'types' && !item.typeOnly) {
        found.push(`${named}: gates/ imports candidate/'s types only (import type)`)
      }
      continue
    }
    if (target === undefined) continue
    const to = partOf(target)
    if (to === from) continue
    const toLayer = layerOf.get(to)
    if (toLayer === undefined) continue // reported by the test that every part has a layer
    if (toLayer > fromLayer) {
      found.push(
        `${named}: ${from} (layer ${fromLayer}) imports ${to}, a higher layer (${toLayer})`
      )
    } else if (toLayer === fromLayer) {
      found.push(
        `${named}: ${from} and ${to} share layer ${fromLayer}; peers import none of each other`
      )
    }
  }
  return found
}

describe('the layering of src/', () => {
  it('places every folder and root file of src/ in exactly one layer', () => {
    const listed = LAYERS.flat()
    expect(listed.length).toBe(new Set(listed).size)
    const parts = [
      ...new Set(files.map(file => partOf(path.relative(ROOT, file).split(path.sep).join('/'))))
    ]
    expect(parts.filter(part => !layerOf.has(part)).sort()).toEqual([])
    // A part listed that no longer exists is a stale list.
    expect(listed.filter(part => !parts.includes(part)).sort()).toEqual([])
  })

  it('reads static, re-exported, type-only and dynamic imports', () => {
    // Guards against a reader that finds nothing and so passes everything.
    const find = (from: string, target: string) =>
      imports.find(item => item.from === from && item.target === target)
    expect(find('src/index.ts', 'src/main.ts')).toMatchObject({ typeOnly: false, dynamic: false })
    expect(find('src/action/candidate-artifact.ts', 'src/github/artifact-source.ts')).toMatchObject(
      {
        dynamic: true
      }
    )
    expect(find('src/gates/evaluate.ts', 'src/candidate/types.ts')).toMatchObject({
      typeOnly: true
    })
    expect(find('src/gates/evaluate.ts', 'src/policy/stages.ts')).toMatchObject({
      typeOnly: false
    })
    expect(imports.length).toBeGreaterThan(files.length)
  })

  it('keeps each file to about 600 lines, or says in its opening comment why not', () => {
    // A longer file is a room holding two families (the house style); one that is not says so.
    const unexplained = files
      .map(file => ({ file, lines: readFileSync(file, 'utf8').replace(/\n$/, '').split('\n') }))
      .filter(({ lines }) => lines.length > 600 && !/\b600\b/.test(lines.slice(0, 10).join('\n')))
      .map(({ file, lines }) => `${path.relative(ROOT, file)}: ${lines.length} lines`)
    expect(unexplained).toEqual([])
  })

  it('has no import from a lower layer to a higher one, none between peers, and gates/ pure', () => {
    expect(violations()).toEqual([])
  })
})
