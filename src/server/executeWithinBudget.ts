import { type ExecutionArgs, type ExecutionResult, execute } from 'graphql';
import { createRequestBudget, withinRequestBudget } from '../backends/requestBudget.ts';

/**
 * Executes one graphql-ws query or mutation within a time budget of `timeoutMs`, as an
 * HTTP request is served: past it, backend work stops and running statements are cancelled.
 * Subscriptions are long-lived and have no budget.
 */
export async function executeWithinBudget(args: ExecutionArgs, timeoutMs: number): Promise<ExecutionResult> {
  const budget = createRequestBudget(timeoutMs);
  try {
    return await withinRequestBudget(budget, () => execute(args));
  } finally {
    budget.end();
  }
}
