// Original file: proto/fedcredit/v1/fedcredit.proto

export const TaskKind = {
  TASK_KIND_UNSPECIFIED: 'TASK_KIND_UNSPECIFIED',
  STATS: 'STATS',
  TRAIN: 'TRAIN',
  EVALUATE: 'EVALUATE',
  VERTICAL: 'VERTICAL',
  SKETCH: 'SKETCH',
  TREE: 'TREE',
} as const;

export type TaskKind =
  | 'TASK_KIND_UNSPECIFIED'
  | 0
  | 'STATS'
  | 1
  | 'TRAIN'
  | 2
  | 'EVALUATE'
  | 3
  | 'VERTICAL'
  | 4
  | 'SKETCH'
  | 5
  | 'TREE'
  | 6

export type TaskKind__Output = typeof TaskKind[keyof typeof TaskKind]
