import { ionHashOfIon } from '../ionValueHash.ts';
import type { Hash } from '../ledgerHash.ts';
import { type IonTree, loadIon } from './ionTree.ts';
import { QldbError, type SendCommandRequest } from './qldbCommands.ts';

/** A statement's parameter: its value, and its Ion hash for the commit digest. */
export interface StatementParameter {
  value: IonTree;
  hash: Hash;
}

/**
 * The parameters of an ExecuteStatement, read from their Ion (binary, or text); a
 * BadRequestException naming the first one that is not one Ion value.
 */
export function parametersOf(
  parameters: NonNullable<SendCommandRequest['ExecuteStatement']>['Parameters'],
): StatementParameter[] {
  return (parameters ?? []).map((parameter, index): StatementParameter => {
    const bytes =
      parameter.IonBinary !== undefined
        ? Buffer.from(parameter.IonBinary, 'base64')
        : Buffer.from(parameter.IonText ?? '');
    try {
      return { value: loadIon(bytes), hash: ionHashOfIon(bytes) };
    } catch (error) {
      throw new QldbError('BadRequestException', `Parameter ${index + 1} is not valid Ion: ${String(error)}`);
    }
  });
}
