import type { GraphQLSchema } from 'graphql';
import type { EventReads } from '../backends/connectLoaders.ts';
import type { Viewer } from '../backends/viewer.ts';
import type { RequestRouter } from '../routing/requestRouter.ts';
import type { RequestShadow } from '../shadow/shadowRunner.ts';

/** What the gateway itself reads from an operation's context; the app's context holds at least this. */
export interface AppContext {
  viewer: Viewer;
  router: RequestRouter;
  /** The operation's shadow reads, told when the answer has been sent. */
  shadow?: Pick<RequestShadow, 'responseSent'>;
}

/**
 * The app a gateway serves: its executable schema (SDL and resolvers), the version
 * label responses carry, and the context of one operation. The gateway takes it as
 * input (`figway serve` builds the Connect app from `resolvers/`), so it never
 * imports an app and can serve another one.
 */
export interface GatewayApp<C extends AppContext = AppContext> {
  schema: GraphQLSchema;
  version: string;
  /**
   * Builds the context of one operation, over HTTP or graphql-ws; `shadow` is absent
   * when shadowing is off; `reads` are a subscription event's shared reads.
   */
  createContext(viewer: Viewer, router: RequestRouter, shadow?: RequestShadow, reads?: EventReads): C;
}
