import { solve, type Constraint } from 'yalps';
import type { Row } from './layout-constraints';

/**
 * A linear program over non-negative variables, built from rows and solved
 * with YALPS (a maintained, dependency-free simplex in TypeScript that runs
 * the same in main and in the renderer, synchronously, so the layout can be
 * solved live while a graph is edited).
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
    const model = { direction: 'maximize', ...(optimise ? { objective: OBJECTIVE } : {}), constraints: this.constraints, variables: this.columns, binaries: this.binaries } as const;
    const solution = solve(model, { includeZeroVariables: true, timeout: timeoutMs });
    if (solution.status !== 'optimal') return null;
    return new Map(solution.variables);
  }

  private column(variable: string): Map<string, number> {
    let column = this.columns.get(variable);
    if (!column) this.columns.set(variable, (column = new Map()));
    return column;
  }
}

const OBJECTIVE = 'objective';
