import { annotations } from '../api/annotations.js';
import type { TargetPatch } from './model.js';

/** Gives an HPA its own bounds back and removes every mark the operator left on it. */
export function restoreHpa(name: string, minReplicas: number, maxReplicas: number): TargetPatch {
  return {
    kind: 'HorizontalPodAutoscaler',
    name,
    patch: {
      metadata: {
        annotations: {
          [annotations.appliedFloor]: null,
          [annotations.surgePlan]: null,
          [annotations.originalMinReplicas]: null,
          [annotations.originalMaxReplicas]: null,
        },
      },
      spec: { minReplicas, maxReplicas },
    },
  };
}
