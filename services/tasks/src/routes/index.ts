/** Every route of the task service, one router file per resource. */
import type { TokenVerifier } from '@kathelfer/common/auth';
import type { AnyRoute } from '@kathelfer/common/routes';
import type { AttendanceService } from '../attendance-service.js';
import type { HelperTokens } from '../helper-tokens.js';
import type { TaskService } from '../task-service.js';
import { checkinRoutes } from './checkins.js';
import { siteRoutes } from './sites.js';
import { taskRoutes } from './tasks.js';

export function serviceRoutes(options: { tasks: TaskService; attendance: AttendanceService; helperTokens: HelperTokens; verify: TokenVerifier }): AnyRoute[] {
  return [...siteRoutes(options), ...taskRoutes(options), ...checkinRoutes(options)];
}
