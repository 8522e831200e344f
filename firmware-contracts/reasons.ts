/** Why a message, or one metric of it, was refused. Counted on /metrics and stored in dead letters. */
export const REJECT_REASONS = [
  'bad_json',
  'schema',
  'out_of_range',
  'unknown_device',
  'acl',
  'oversize',
  'bad_image',
] as const
export type RejectReason = (typeof REJECT_REASONS)[number]
