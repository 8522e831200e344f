import { readdirSync, readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseScenario, type Scenario, ScenarioError } from './schema.js'

/** The built-in scenarios shipped in `simulators/scenarios/`. */
export const BUILTIN_SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url))

/**
 * Reads and validates one scenario file. A missing file, bad JSON or a bad field gives a
 * `ScenarioError` naming the file (and the field).
 * @example readScenarioFile('simulators/scenarios/typhoon-reservoir.json').name // 'typhoon-reservoir'
 */
export function readScenarioFile(path: string): Scenario {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new ScenarioError(`cannot read scenario ${path}: ${(err as Error).message}`, { cause: err })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new ScenarioError(`scenario ${path} is not valid JSON: ${(err as Error).message}`, { cause: err })
  }
  return parseScenario(json, basename(path))
}

/** Names of the built-in scenarios, sorted. */
export function builtinScenarioNames(dir = BUILTIN_SCENARIO_DIR): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort()
}

/** Every built-in scenario, validated (a broken built-in throws: the tests catch that first). */
export function builtinScenarios(dir = BUILTIN_SCENARIO_DIR): Scenario[] {
  return builtinScenarioNames(dir).map((name) => readScenarioFile(`${dir}/${name}.json`))
}

/**
 * A built-in scenario by name (`typhoon-reservoir`), or a file path (anything with `/` or `.json`).
 * @example resolveScenario('rail-heatwave').timeScale
 */
export function resolveScenario(nameOrFile: string, dir = BUILTIN_SCENARIO_DIR): Scenario {
  if (nameOrFile.includes('/') || nameOrFile.endsWith('.json')) return readScenarioFile(nameOrFile)
  const names = builtinScenarioNames(dir)
  if (!names.includes(nameOrFile)) {
    throw new ScenarioError(
      `no built-in scenario "${nameOrFile}": choose one of ${names.join(', ')}, or give a path to a .json file`,
    )
  }
  return readScenarioFile(`${dir}/${nameOrFile}.json`)
}
