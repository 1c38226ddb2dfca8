import { solve, type Constraint } from 'yalps';
import type { Row } from './layout-constraints';

/** What the program needs of HiGHS (the `highs` package, HiGHS compiled to WebAssembly): its LP-format solve. */
export interface LpFormatSolver {
  solve(problem: string, options?: { readonly time_limit?: number }): { readonly Status: string; readonly Columns: Readonly<Record<string, unknown>> };
}

let largeSolver: LpFormatSolver | null = null;

/**
 * Hands large programs to HiGHS once its WebAssembly has loaded (each side
 * loads it its own way: Node from node_modules, the renderer's worker from
 * its bundle); until then, and for small programs, YALPS solves them.
 */
export function useForLargePrograms(solver: LpFormatSolver): void {
  largeSolver = solver;
}

/**
 * Columns from which HiGHS wins: measured on the layout bench, YALPS's dense
 * simplex solves a 12-object graph (~100 columns) in a median 10 ms where
 * HiGHS's call overhead and presolve take 31 ms, and a 32-object one (~400
 * columns) in 1.1 s where HiGHS takes 94 ms.
 */
const LARGE_PROGRAM_COLUMNS = 200;

/**
 * A linear program over non-negative variables, built from rows. Small ones
 * are solved with YALPS (a maintained, dependency-free simplex in TypeScript
 * that runs the same in main and in the renderer, synchronously), large ones
 * with HiGHS when it is loaded: the same optimum, found by a sparse solver.
 */
export class LinearProgram {
  private readonly constraints = new Map<string, Constraint>();
  private readonly columns = new Map<string, Map<string, number>>();
  private readonly binaries = new Set<string>();
  private rows = 0;

  /** `expr (<= | >=) 0`. */
  add(row: Row): void {
    const name = `r${this.rows++}`;
    const bound = -row.expr.constant;
    this.constraints.set(name, row.sense === '<=' ? { max: bound } : { min: bound });
    for (const [variable, coefficient] of row.expr.terms) this.column(variable).set(name, coefficient);
  }

  addAll(rows: readonly Row[]): void {
    for (const row of rows) this.add(row);
  }

  bound(variable: string, range: { readonly min?: number; readonly max?: number }): void {
    const name = `r${this.rows++}`;
    this.constraints.set(name, range);
    this.column(variable).set(name, 1);
  }

  /** Makes a variable 0 or 1 (the program becomes a mixed-integer one, solved by branch and bound). */
  binary(variable: string): void {
    this.column(variable);
    this.binaries.add(variable);
  }

  /** Adds `weight · variable` to the objective, which is maximised. */
  reward(variable: string, weight: number): void {
    const column = this.column(variable);
    column.set(OBJECTIVE, (column.get(OBJECTIVE) ?? 0) + weight);
  }

  /** The variables' values at the optimum (or, with `optimise` false, at any point where the rows hold), or null when they cannot all hold. */
  solve(optimise = true, timeoutMs = Infinity): ReadonlyMap<string, number> | null {
    if (largeSolver && this.columns.size >= LARGE_PROGRAM_COLUMNS) return this.solveLarge(largeSolver, optimise, timeoutMs);
    const model = { direction: 'maximize', ...(optimise ? { objective: OBJECTIVE } : {}), constraints: this.constraints, variables: this.columns, binaries: this.binaries } as const;
    const solution = solve(model, { includeZeroVariables: true, timeout: timeoutMs });
    if (solution.status !== 'optimal') return null;
    return new Map(solution.variables);
  }

  /** The program in CPLEX LP format (variables renamed x0, x1, …: LP names cannot hold every character ours do), solved by HiGHS. */
  private solveLarge(solver: LpFormatSolver, optimise: boolean, timeoutMs: number): ReadonlyMap<string, number> | null {
    const names = [...this.columns.keys()];
    const lpName = new Map(names.map((name, i) => [name, `x${i}`]));
    const term = (coefficient: number, name: string) => `${coefficient < 0 ? '-' : '+'} ${Math.abs(coefficient)} ${lpName.get(name)}`;
    const rows = new Map<string, string[]>();
    const objective: string[] = [];
    for (const [name, column] of this.columns) {
      for (const [row, coefficient] of column) {
        if (row === OBJECTIVE) {
          if (optimise) objective.push(term(coefficient, name));
          continue;
        }
        const terms = rows.get(row) ?? [];
        terms.push(term(coefficient, name));
        rows.set(row, terms);
      }
    }
    const lines = ['Maximize', ` obj: ${objective.length > 0 ? objective.join(' ') : '0 x0'}`, 'Subject To'];
    for (const [row, bound] of this.constraints) {
      const sum = rows.get(row)?.join(' ');
      if (!sum) continue;
      if (bound.min !== undefined) lines.push(` ${row}_min: ${sum} >= ${bound.min}`);
      if (bound.max !== undefined) lines.push(` ${row}_max: ${sum} <= ${bound.max}`);
    }
    if (this.binaries.size > 0) lines.push('Binary', ...[...this.binaries].map((name) => ` ${lpName.get(name)}`));
    lines.push('End');
    const solution = solver.solve(lines.join('\n'), Number.isFinite(timeoutMs) ? { time_limit: timeoutMs / 1000 } : {});
    if (solution.Status !== 'Optimal') return null;
    // An optimal solution's columns each carry their value as Primal.
    return new Map(names.map((name) => [name, (solution.Columns[lpName.get(name)!] as { Primal?: number } | undefined)?.Primal ?? 0]));
  }

  private column(variable: string): Map<string, number> {
    let column = this.columns.get(variable);
    if (!column) this.columns.set(variable, (column = new Map()));
    return column;
  }
}

const OBJECTIVE = 'objective';
